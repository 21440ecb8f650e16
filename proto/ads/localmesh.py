"""A mesh on one machine: local workloads, and one real Envoy per proxy fed by a running ADS server.

Used by `mesh-compile demo` and the end-to-end tests. Everything started here is stopped by
`stop()` (also when used as a context manager, on errors and on Ctrl-C).
"""
from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Iterable, Optional

from . import typeurls
from .bootstrap import BootstrapOptions, build_bootstrap, node_metadata
from .envoy_process import EnvoyError, EnvoyProcess
from .nack import condense
from .node import NodeRef, resolve_node
from .status import StreamStatus
from .store import View
from .workloads import WorkloadSpec, Workloads


class LocalMesh:
    def __init__(self, server: Any, workdir: Optional[str] = None, *, delta: bool = False,
                 log_level: str = "warning") -> None:
        self.server = server            # a started mesh_compile_xds.ads.server.AdsServer
        self.delta = delta
        self.log_level = log_level
        self._tmp = None if workdir else tempfile.TemporaryDirectory(prefix="mesh-compile-local-")
        self.workdir = Path(workdir or self._tmp.name)
        self.envoys: dict[str, EnvoyProcess] = {}
        self.workloads = Workloads()

    # -- starting ------------------------------------------------------------------------------

    def start_workloads(self, specs: Iterable[WorkloadSpec]) -> Workloads:
        self.workloads = Workloads.start_all(specs)
        return self.workloads

    def adopt_workloads(self, workloads: Workloads) -> None:
        """Workloads started before the server (to reserve their ports); stopped with the rest."""
        self.workloads = workloads

    def start_envoy(self, target: str, *, name: Optional[str] = None, delta: Optional[bool] = None,
                    node_id: Optional[str] = None, bind_address: Optional[str] = None,
                    port_offset: Optional[int] = None, ready_timeout: float = 15.0) -> EnvoyProcess:
        name = name or _safe(target)
        opts = BootstrapOptions(node_id=node_id or target, ads_host=self.server.host, ads_port=self.server.port,
                                delta=self.delta if delta is None else delta, admin_port=0,
                                bind_address=bind_address, port_offset=port_offset)
        envoy = EnvoyProcess(build_bootstrap(opts), self.workdir, name=name, log_level=self.log_level)
        self.envoys[name] = envoy
        envoy.start()
        envoy.wait_ready(ready_timeout)
        meta = node_metadata(opts)
        self._check_listeners(envoy, resolve_node(opts.node_id, meta, self.server.store.default_target))
        return envoy

    def _check_listeners(self, envoy: EnvoyProcess, node: NodeRef) -> None:
        """Envoy is ready even when a listener failed to bind (it NACKs it): say so plainly."""
        store = self.server.store
        view = store.view(store.key_for(node))
        active = envoy.get("/listeners")
        missing = [f"{name} at {addr}" for name, addr in view.bound if f"{name}::{addr}" not in active]
        if missing:
            errors = [s.types[typeurls.LISTENER].last_error for s in self.streams(node.target)
                      if typeurls.LISTENER in s.types and s.types[typeurls.LISTENER].last_error]
            raise EnvoyError(f"{envoy.name} could not open {', '.join(missing)}"
                             + (f": {condense(errors[-1])}" if errors else "")
                             + " (is the port in use? choose another port offset)")

    def restart_envoy(self, name: str, ready_timeout: float = 15.0) -> EnvoyProcess:
        old = self.envoys[name]
        old.stop()
        envoy = EnvoyProcess(old.bootstrap, self.workdir, name=name, log_level=self.log_level)
        self.envoys[name] = envoy
        envoy.start()
        envoy.wait_ready(ready_timeout)
        return envoy

    # -- looking -------------------------------------------------------------------------------

    def view(self, target: str, bind_address: Optional[str] = None) -> View:
        for view in self.server.store.views():
            if view.key.target == target and (bind_address is None or view.key.local.bind_address == bind_address):
                return view
        raise KeyError(f"no view for {target}")

    def address(self, target: str, port: int, bind_address: Optional[str] = None) -> str:
        """Where Envoy listens for the proxy's listener on `port` (e.g. 80 -> 127.0.0.1:10080)."""
        for name, addr in self.view(target, bind_address).bound:
            if name.rsplit("_", 1)[-1] == str(port):
                return addr
        raise KeyError(f"{target} has no bound listener for port {port}")

    def streams(self, target: str) -> list[StreamStatus]:
        return [s for s in self.server.board.streams(connected_only=True) if s.target.split(" ")[0] == target]

    def wait_synced(self, target: str, timeout: float = 10.0) -> bool:
        """Until every connected Envoy of `target` has ACKed what the server now serves it."""
        def done(_streams: list) -> bool:
            streams = self.streams(target)
            return bool(streams) and all(s.view is not None and synced(s, s.view) for s in streams)
        return self.server.board.wait_for(done, timeout)

    # -- stopping ------------------------------------------------------------------------------

    def stop(self) -> None:
        for envoy in self.envoys.values():
            envoy.stop()
        self.workloads.stop()
        if self._tmp is not None:
            self._tmp.cleanup()

    def __enter__(self) -> "LocalMesh":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def synced(status: StreamStatus, view: View) -> bool:
    """Whether the stream's Envoy holds exactly the versions the view serves (for what it asked)."""
    for type_url, st in list(status.types.items()):
        serving = {n: r.version for n, r in view.servable(type_url).items()}
        acked = dict(st.acked)
        if type_url in typeurls.WILDCARD_TYPES:
            if acked != serving:
                return False
        elif any(serving.get(n, v) != v for n, v in acked.items()):
            return False
    return bool(status.types)


def _safe(target: str) -> str:
    return "".join(c if c.isalnum() or c in "-." else "-" for c in target)


def wait_until(predicate: Callable[[], bool], timeout: float) -> bool:
    """Poll `predicate` every 20 ms until it holds (True) or `timeout` seconds pass (False): for what the
    local mesh gives no event for, such as a workload's request count or a view's generation."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True
