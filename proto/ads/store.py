"""The config the server hands out: one snapshot per proxy view, kept current as the input changes.

A *view* is one proxy (TARGET, plus the proxy type the node id may force) seen through one set of
serve-only rewrites (LocalOptions). Views are compiled on first use, so one server serves every
proxy its Envoys name. `reload()` recompiles every view after an input change; when the input no
longer compiles, every view keeps its last good snapshot.

A view also remembers what Envoy said about its resources: the last version any Envoy ACKed and
the versions an Envoy NACKed ("parked"). A parked version is never sent again; the last good
version of that resource is served in its place until the input changes it again.
"""
from __future__ import annotations

import gc
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Optional, Protocol

from . import typeurls
from .local import LocalOptions, localise
from .log import Log
from .node import NodeRef
from .reuse import ReuseCache
from .snapshot import Resource, Snapshot, build_snapshot


@contextmanager
def _paused_gc():
    """Loading and compiling allocate millions of acyclic objects; with the cyclic collector on,
    its full collections over the server's large heap took seconds of every reload at N=1000.
    Nothing they build is cyclic garbage, so the collector waits until they finish, and what they
    built is then frozen (gc.freeze): otherwise the first collection after the pause walks every
    object of the reload just when the push to Envoy starts. Frozen objects are still freed by
    reference counting when the next reload drops them."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.freeze()
            gc.enable()


def _ms(start: float, end: float) -> str:
    return f"{(end - start) * 1000:.0f} ms"


class CompileError(Exception):
    """The input cannot be loaded or the proxy cannot be compiled; the message is for the user."""


@dataclass
class Loaded:
    mesh: Any
    problems: list[str] = field(default_factory=list)   # rendered, one per line
    has_errors: bool = False                             # some object was invalid and left out


class Compiler(Protocol):
    """What the store needs from the compiler (mesh_compile.cli.serve provides one)."""

    def load(self) -> Loaded: ...          # raises CompileError when nothing can be loaded

    def compile(self, mesh: Any, target: str, proxy_type: Optional[str]) -> tuple[dict[str, list[dict]], list[str]]:
        """(resources keyed clusters/listeners/routes/endpoints, notices). Raises CompileError."""
        ...


@dataclass(frozen=True)
class ViewKey:
    target: str
    proxy_type: Optional[str]
    local: LocalOptions

    def label(self) -> str:
        return self.target + (f" ({self.proxy_type})" if self.proxy_type else "")


Listener = Callable[["View"], None]


class Memory:
    """What Envoys said about one proxy's resources, shared by all its views (and so by every Envoy
    of that proxy): versions rejected by a NACK, and the last version ACKed. A version is a content
    hash, so a parked version is the same bytes whichever Envoy rejected it."""

    def __init__(self) -> None:
        self.parked: set[tuple[str, str, str]] = set()
        self.last_good: dict[tuple[str, str, Any], Resource] = {}
        self.lock = threading.Lock()


class View:
    """One proxy's served config plus what Envoys said about it. Thread-safe."""

    def __init__(self, key: ViewKey, snapshot: Snapshot, notes: list[str],
                 bound: Optional[list[tuple[str, str]]] = None, memory: Optional[Memory] = None) -> None:
        self.key = key
        self._snapshot = snapshot
        self.notes = notes
        self.bound = bound or []   # (listener name, "ip:port") where Envoy listens
        self.generation = 1
        self._memory = memory or Memory()
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()

    @property
    def snapshot(self) -> Snapshot:
        return self._snapshot

    def _good_key(self, type_url: str, name: str) -> tuple[str, str, Any]:
        # Only listeners differ between views of one proxy (the serve-only binding).
        return type_url, name, self.key.local if type_url == typeurls.LISTENER else None

    def servable(self, type_url: str) -> dict[str, Resource]:
        """The resources to serve now: parked versions replaced by their last good one (or left out)."""
        mem = self._memory
        with mem.lock:
            out = {}
            for name, res in self._snapshot.of(type_url).items():
                if (type_url, name, res.version) in mem.parked:
                    good = mem.last_good.get(self._good_key(type_url, name))
                    if good is None:
                        continue
                    res = good
                out[name] = res
            return out

    def record_ack(self, resources: Iterable[Resource]) -> None:
        with self._memory.lock:
            for res in resources:
                self._memory.last_good[self._good_key(res.type_url, res.name)] = res

    def park(self, resources: Iterable[Resource]) -> list[Resource]:
        """Park versions an Envoy rejected; returns those not parked before."""
        new = []
        with self._memory.lock:
            for res in resources:
                key = (res.type_url, res.name, res.version)
                if key not in self._memory.parked:
                    self._memory.parked.add(key)
                    new.append(res)
        return new

    def subscribe(self, listener: Listener) -> None:
        with self._lock:
            self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def replace(self, snapshot: Snapshot, notes: list[str], bound: list[tuple[str, str]]) -> bool:
        """Install a new snapshot; tell the streams if any resource changed. True if it did."""
        with self._lock:
            changed = not snapshot.same_versions(self._snapshot)
            self._snapshot, self.notes, self.bound = snapshot, notes, bound
            if changed:
                self.generation += 1
            listeners = list(self._listeners)
        if changed:
            for listener in listeners:
                listener(self)
        return changed


class ConfigStore:
    """Compiled views by key; `reload()` after the input changed."""

    def __init__(self, compiler: Compiler, local: LocalOptions, log: Log,
                 default_target: Optional[str] = None) -> None:
        self.compiler = compiler
        self.local = local
        self.default_target = default_target
        self.log = log
        self._lock = threading.RLock()
        self._mesh: Any = None
        self._compiled: dict[tuple[str, Optional[str]], dict[str, list[dict]]] = {}
        self._views: dict[ViewKey, View] = {}
        self._memory: dict[tuple[str, Optional[str]], Memory] = {}
        # Per view: rewritten and encoded resources of its last build, reused by the next (reuse.py).
        self._reuse: dict[ViewKey, tuple[ReuseCache, ReuseCache]] = {}

    # -- loading -------------------------------------------------------------------------------

    def load(self) -> Loaded:
        """The first load: invalid objects are reported and left out, as `pc` does."""
        with self._lock:
            loaded = self.compiler.load()
            for line in loaded.problems:
                self.log.error(line)
            self._mesh = loaded.mesh
            return loaded

    def reload(self) -> bool:
        """Recompile every view from the changed input. False (and nothing changes) if it does not compile."""
        started = time.perf_counter()
        with self._lock, _paused_gc():
            try:
                loaded = self.compiler.load()
            except CompileError as err:
                self.log.error(f"input change not applied, still serving the last good config: {err}")
                return False
            loaded_at = time.perf_counter()
            if loaded.has_errors:
                for line in loaded.problems:
                    self.log.error(line)
                self.log.error("input change not applied (invalid objects above), still serving the last good config")
                return False
            compiled = {}
            for (target, ptype) in self._compiled:
                try:
                    compiled[(target, ptype)], _ = self.compiler.compile(loaded.mesh, target, ptype)
                except CompileError as err:
                    self.log.error(f"{target}: change not applied, still serving the last good config: {err}")
                    return False
            self._mesh, self._compiled = loaded.mesh, compiled
            views = list(self._views.values())
        compiled_at = time.perf_counter()
        changed = False
        for view in views:
            snapshot, notes, bound = self._build(view.key)
            if view.replace(snapshot, notes, bound):
                changed = True
                self.log.info(f"{view.key.label()}: new config ({snapshot.counts()})")
        if not changed:
            self.log.info("input changed; the compiled config did not")
        done = time.perf_counter()
        self.log.debug(f"reload took {_ms(started, done)}: load {_ms(started, loaded_at)}, compile "
                       f"{_ms(loaded_at, compiled_at)}, rewrite, encode and hand over {_ms(compiled_at, done)}")
        return changed

    # -- views ---------------------------------------------------------------------------------

    def key_for(self, node: NodeRef) -> ViewKey:
        return ViewKey(node.target, node.proxy_type, self.local.with_overrides(node.bind_address, node.port_offset))

    def view(self, key: ViewKey) -> View:
        """The view for a key, compiled now if new. Raises CompileError."""
        with self._lock, _paused_gc():
            existing = self._views.get(key)
            if existing is not None:
                return existing
            if self._mesh is None:
                self.load()
            ckey = (key.target, key.proxy_type)
            if ckey not in self._compiled:
                resources, notices = self.compiler.compile(self._mesh, key.target, key.proxy_type)
                for line in notices:
                    self.log.info(f"{key.label()}: {line}")
                self._compiled[ckey] = resources
            snapshot, notes, bound = self._build(key)
            view = View(key, snapshot, notes, bound, self._memory.setdefault(ckey, Memory()))
            self._views[key] = view
        for line in notes:
            self.log.info(f"{key.label()}: {line}")
        for line in snapshot.problems:
            self.log.error(f"{key.label()}: {line}")
        return view

    def compiled(self, key: ViewKey) -> dict[str, list[dict]]:
        """The view's resources as compiled (before the serve-only rewrites), as dicts."""
        with self._lock:
            return self._compiled[(key.target, key.proxy_type)]

    def views(self) -> list[View]:
        with self._lock:
            return list(self._views.values())

    def _build(self, key: ViewKey) -> tuple[Snapshot, list[str], list[tuple[str, str]]]:
        with self._lock, _paused_gc():
            resources = self._compiled[(key.target, key.proxy_type)]
            rewritten, encoded = self._reuse.setdefault(key, (ReuseCache(), ReuseCache()))
            local = localise(resources, key.local, rewritten)
            return build_snapshot(local.resources, encoded), local.notes, local.bound
