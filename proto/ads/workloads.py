"""Small local HTTP servers standing in for the mesh's pods, so Envoy has real endpoints to call.

Each answers every request with JSON naming itself (pod, app, version) and echoing the Host it got,
and remembers what it saw, so a caller can tell which version served it and which requests were
mirrored copies. `?delay_ms=N` makes it answer slowly (to hold requests open for circuit breaking).
"""
from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterable, Optional
from urllib.parse import parse_qs, urlsplit

MAX_DELAY_MS = 5000


@dataclass(frozen=True)
class WorkloadSpec:
    pod: str
    app: str
    version: str
    namespace: str
    address: str
    port: int


@dataclass(frozen=True)
class Seen:
    host: str
    path: str
    headers: dict[str, str]


class Workload:
    def __init__(self, spec: WorkloadSpec) -> None:
        self.spec = spec
        self.requested_port = spec.port
        self._seen: list[Seen] = []
        self._lock = threading.Lock()
        self._server: Optional[ThreadingHTTPServer] = None

    def start(self, move_if_busy: bool = False) -> "Workload":
        """Listen on the spec's port; with move_if_busy, on a free one if it is taken (see `spec.port`)."""
        handler = _handler_for(self)
        try:
            self._server = ThreadingHTTPServer((self.spec.address, self.spec.port), handler)
        except OSError:
            if not move_if_busy:
                raise
            self._server = ThreadingHTTPServer((self.spec.address, 0), handler)
        self.spec = replace(self.spec, port=self._server.server_address[1])   # the real one (port 0 asked)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True,
                         name=f"workload-{self.spec.pod}").start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def record(self, seen: Seen) -> None:
        with self._lock:
            self._seen.append(seen)

    def seen(self) -> list[Seen]:
        with self._lock:
            return list(self._seen)

    def reset(self) -> None:
        with self._lock:
            self._seen.clear()


def _handler_for(workload: Workload) -> type:
    spec = workload.spec

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"   # keep-alive, as Envoy's upstream connections expect
        disable_nagle_algorithm = True  # headers and body are written separately: no 40 ms stall
        server_version = f"mesh-compile-workload/{spec.app}"

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            url = urlsplit(self.path)
            host = self.headers.get("Host", "")
            workload.record(Seen(host, url.path, {k.lower(): v for k, v in self.headers.items()}))
            delay = _delay_ms(url.query)
            if delay:
                time.sleep(delay / 1000)
            body = json.dumps({"pod": spec.pod, "app": spec.app, "version": spec.version,
                               "namespace": spec.namespace, "host": host, "path": url.path}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("x-served-by", spec.pod)
            self.end_headers()
            self.wfile.write(body)

        do_POST = do_GET

        def log_message(self, *args: Any) -> None:  # quiet: the demo prints its own summary
            pass

    return Handler


def _delay_ms(query: str) -> int:
    try:
        return max(0, min(MAX_DELAY_MS, int(parse_qs(query).get("delay_ms", ["0"])[0])))
    except ValueError:
        return 0


def pods_on_loopback(text: str) -> list[WorkloadSpec]:
    """A workload per container port of every Pod (in Kubernetes YAML) whose status.podIP is loopback."""
    import ipaddress

    import yaml
    specs = []
    for doc in yaml.safe_load_all(text):
        if not isinstance(doc, dict) or doc.get("kind") != "Pod":
            continue
        ip = str((doc.get("status") or {}).get("podIP", ""))
        try:
            if not ipaddress.ip_address(ip).is_loopback:
                continue
        except ValueError:
            continue
        meta = doc.get("metadata") or {}
        labels = meta.get("labels") or {}
        for container in (doc.get("spec") or {}).get("containers") or []:
            for port in container.get("ports") or []:
                specs.append(WorkloadSpec(meta.get("name", ""), labels.get("app", ""), labels.get("version", ""),
                                          meta.get("namespace", "default"), ip, int(port["containerPort"])))
    return specs


def specs_from_endpoints(assignments: Iterable[dict]) -> list[WorkloadSpec]:
    """A workload for every loopback endpoint of the compiled ClusterLoadAssignments (dicts)."""
    import ipaddress
    found: dict[tuple[str, int], WorkloadSpec] = {}
    for cla in assignments:
        for locality in cla.get("endpoints", []):
            for lb in locality.get("lbEndpoints", []):
                sock = lb.get("endpoint", {}).get("address", {}).get("socketAddress", {})
                address, port = sock.get("address", ""), sock.get("portValue")
                try:
                    loopback = ipaddress.ip_address(address).is_loopback
                except ValueError:
                    loopback = False
                if not loopback or not isinstance(port, int) or (address, port) in found:
                    continue
                found[(address, port)] = _spec(lb, address, port)
    return list(found.values())


def _spec(lb: dict, address: str, port: int) -> WorkloadSpec:
    # istio.workload metadata: "<workload>;<namespace>;<app>;<version>;<cluster>"
    workload = lb.get("metadata", {}).get("filterMetadata", {}).get("istio", {}).get("workload", "")
    parts = (workload.split(";") + [""] * 5)[:5]
    name, namespace, app, version = parts[0] or f"{address}:{port}", parts[1], parts[2] or parts[0], parts[3]
    return WorkloadSpec(name, app, version, namespace, address, port)


@dataclass
class Workloads:
    items: list[Workload] = field(default_factory=list)

    @classmethod
    def start_all(cls, specs: Iterable[WorkloadSpec], move_if_busy: bool = False) -> "Workloads":
        group = cls()
        try:
            for spec in specs:
                group.items.append(Workload(spec).start(move_if_busy))
        except OSError as err:
            group.stop()
            raise OSError(f"cannot listen on {spec.address}:{spec.port} for {spec.pod}: {err.strerror}") from None
        return group

    def moved(self) -> dict[int, int]:
        """requested port -> the port used instead, for workloads started elsewhere (move_if_busy)."""
        return {w.requested_port: w.spec.port for w in self.items if w.spec.port != w.requested_port}

    def find(self, app: str, version: Optional[str] = None) -> Workload:
        for w in self.items:
            if w.spec.app == app and (version is None or w.spec.version == version):
                return w
        raise KeyError(f"no workload {app} {version or ''}".strip())

    def reset(self) -> None:
        for w in self.items:
            w.reset()

    def stop(self) -> None:
        for w in self.items:
            w.stop()
