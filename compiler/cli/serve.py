"""`mesh-compile serve` (a gRPC ADS server for real Envoys) and `mesh-compile bootstrap` (their bootstrap).

grpc and protobuf are imported inside the functions that use them, so `mesh-compile --help` stays
fast and mesh_compile itself never imports protobuf at module level.
"""
from __future__ import annotations

import argparse
import json
import signal
import threading
from dataclasses import dataclass
from typing import Any, Optional, Sequence, TextIO

from mesh_compile.cli.options import add_input_options, input_paths

DEFAULT_LISTEN = "127.0.0.1:15010"
DEFAULT_BIND = "127.0.0.1"
DEFAULT_OFFSET = 10000

SERVE_EPILOG = """Serve-only rewrites (what `pc` prints is never changed; see tools/demo/README.md):
  * listeners are bound at --bind-address:port+--port-offset (a sidecar's 0.0.0.0_80, which istiod
    sends with bindToPort false, becomes 127.0.0.1:10080), so curl reaches them without iptables;
  * Istio mTLS / SDS transport sockets are removed (a stock Envoy has no istio-agent secrets);
  * Istio-only extensions (istio.metadata_exchange, istio.stats, ...) are removed.
  --as-compiled turns all three off.

example (the demo mesh's pods are on 127.0.0.1; --workloads answers for them):
  mesh-compile serve deploy/webapp.istioinaction --demo-mesh --workloads --watch &
  mesh-compile bootstrap deploy/webapp.istioinaction > envoy.yaml && envoy -c envoy.yaml --component-log-level misc:error &
  curl -H 'Host: catalog.istioinaction' http://127.0.0.1:10080/
"""


def add_parser(sub: Any) -> None:
    p = sub.add_parser("serve", help="serve the compiled config to real Envoys over gRPC ADS (SotW and Delta)",
                       description="A gRPC Aggregated Discovery Service that serves what `pc` prints. Envoy's "
                                   "node id names the proxy (deploy/NAME.NS, POD.NS or istio's "
                                   "sidecar~IP~POD.NS~NS.svc.cluster.local); TARGET is used for any other node id.",
                       epilog=SERVE_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("target", nargs="?", metavar="TARGET", help="default proxy, e.g. deploy/webapp.istioinaction")
    p.add_argument("--type", dest="proxy_type", choices=["sidecar", "router"],
                   help="type of TARGET (default: detected)")
    add_input_options(p)
    g = p.add_argument_group("server")
    g.add_argument("--listen", default=DEFAULT_LISTEN, metavar="HOST:PORT", help=f"default {DEFAULT_LISTEN}")
    g.add_argument("--watch", action="store_true", help="recompile when an input file changes; push only what changed")
    g.add_argument("--interval", type=float, default=0.5, metavar="SECONDS", help="--watch poll interval (default 0.5)")
    g.add_argument("--tls-cert", metavar="FILE", help="serve TLS with this certificate (PEM)")
    g.add_argument("--tls-key", metavar="FILE", help="... and this private key")
    g.add_argument("--client-ca", metavar="FILE", help="require client certificates signed by this CA (mutual TLS)")
    g.add_argument("--insecure", action="store_true", help="allow plaintext on a non-loopback --listen address")
    g.add_argument("-v", "--verbose", action="count", default=0, help="log every request (-v)")
    g.add_argument("-q", "--quiet", action="store_true", help="log only errors and NACKs")
    r = p.add_argument_group("serve-only rewrites")
    r.add_argument("--bind-address", default=DEFAULT_BIND, metavar="IP",
                   help=f"bind every listener at this address (default {DEFAULT_BIND}); Envoys may override it "
                        "with node metadata (bootstrap --bind-address)")
    r.add_argument("--port-offset", type=int, default=DEFAULT_OFFSET, metavar="N",
                   help=f"add N to every listener port (default {DEFAULT_OFFSET}: port 80 -> {80 + DEFAULT_OFFSET})")
    r.add_argument("--as-compiled", action="store_true",
                   help="serve exactly what pc prints (listeners unbound, Istio TLS and extensions kept)")
    t = p.add_argument_group("local stand-ins")
    t.add_argument("--demo-mesh", action="store_true",
                   help="serve the bundled demo mesh (what `mesh-compile demo` runs; its pods are on 127.0.0.1)")
    t.add_argument("--workloads", action="store_true",
                   help="also answer HTTP for every loopback endpoint of TARGET (pods with podIP 127.0.0.x), "
                        "with JSON naming the pod and version")

    b = sub.add_parser("bootstrap", help="print an Envoy bootstrap that gets its config from `mesh-compile serve`",
                       description="An Envoy bootstrap: node id naming the proxy, ADS over gRPC to the server, "
                                   "LDS and CDS over ADS, admin on loopback.")
    b.add_argument("target", metavar="TARGET", help="deploy/NAME.NAMESPACE or POD.NAMESPACE")
    b.add_argument("--ads", default=DEFAULT_LISTEN, metavar="HOST:PORT", help=f"the server (default {DEFAULT_LISTEN})")
    b.add_argument("--delta", action="store_true", help="use incremental xDS (DELTA_GRPC)")
    b.add_argument("--admin-port", type=int, default=9901, metavar="PORT",
                   help="admin port on 127.0.0.1 (default 9901, below the offset listener ports)")
    b.add_argument("--node-id", help="node id (default: TARGET)")
    b.add_argument("--bind-address", metavar="IP", help="ask the server to bind this Envoy's listeners here")
    b.add_argument("--port-offset", type=int, metavar="N", help="ask the server for this listener port offset")
    b.add_argument("--ads-ca", metavar="FILE", help="CA that signed the server's TLS certificate (enables TLS)")
    b.add_argument("--client-cert", metavar="FILE", help="client certificate for mutual TLS")
    b.add_argument("--client-key", metavar="FILE", help="client private key for mutual TLS")
    b.add_argument("--server-name", metavar="NAME", help="TLS name of the server when it is not the --ads host")
    b.add_argument("-o", "--output", choices=["yaml", "json"], default="yaml")


def run(args: argparse.Namespace, *, stdin: Optional[TextIO], out: TextIO, err: TextIO) -> int:
    if args.command == "bootstrap":
        return run_bootstrap(args, out=out, err=err)
    return run_serve(args, stdin=stdin, out=out, err=err)


# ---------------------------------------------------------------------------------------------
# Compiling for the store

class MeshCompiler:
    """mesh_compile's pipeline behind the store's Compiler protocol (mesh_compile_xds.ads.store)."""

    def __init__(self, paths: Sequence[str], *, istio_version: str = "1.30", namespace: str = "default",
                 mesh_config: Optional[str] = None, stdin: Optional[TextIO] = None) -> None:
        from mesh_compile.versions import behaviour_for, parse_version
        self.paths = list(paths)
        self.behaviour = behaviour_for(parse_version(istio_version))  # VersionError for the caller
        self.namespace = namespace
        self.mesh_config = mesh_config
        self.stdin = stdin
        # Reloads re-read only changed documents and keep what the change cannot touch (build/keep.py):
        # each successful load is a generation with the kinds of object it changed.
        from mesh_compile.pipeline import ReloadCache
        self.cache = ReloadCache()
        self.changes: list[set[str] | None] = []          # per generation; None: unknown (all)
        self.generations: dict[int, tuple[Any, int]] = {}  # id(index) -> (index, generation)
        self.previous: dict[tuple[str, Optional[str]], tuple[int, Any]] = {}  # view -> (generation, config)

    def load(self) -> Any:
        from mesh_compile.pipeline import load_mesh
        from mesh_compile_xds.ads.store import CompileError, Loaded
        try:
            mesh = load_mesh(self.paths, mesh_config=self.mesh_config, stdin=self.stdin,
                             default_namespace=self.namespace,
                             external_name_alias=self.behaviour.external_name_alias,
                             roots_in_creation_order=self.behaviour.vs_roots_in_creation_order,
                             cache=self.cache if self.stdin is None else None)
        except Exception as exc:  # a bug must not kill the server: report it as a failed load
            self.cache = type(self.cache)()                # whatever it held may be half-updated
            raise CompileError(f"internal error while loading the input: {exc!r}") from None
        if mesh.fatal:
            raise CompileError("; ".join(p.render() for p in mesh.fatal))
        self.changes.append(mesh.changed_kinds)
        self.generations = {id(mesh.index): (mesh.index, len(self.changes))}  # older indexes: no reuse
        return Loaded(mesh.index, [p.render() for p in mesh.problems], mesh.invalid)

    def _changed_since(self, generation: int, index: Any) -> set[str] | None:
        """Kinds changed from `generation` up to `index`'s generation, None when unknown."""
        found = self.generations.get(id(index))
        if found is None or found[0] is not index or found[1] < generation:
            return None
        out: set[str] = set()
        for kinds in self.changes[generation:found[1]]:
            if kinds is None:
                return None
            out |= kinds
        return out

    def _configure(self, index: Any, target: str, proxy_type: Optional[str], proxy: Any) -> Any:
        """The proxy's config, keeping what the changes since its last compile cannot touch."""
        from mesh_compile.build.compile import compile_proxy
        from mesh_compile.build.keep import keep_unchanged
        cfg = compile_proxy(proxy, index, self.behaviour)
        previous = self.previous.get((target, proxy_type))
        if previous is not None:
            changed = self._changed_since(previous[0], index)
            if changed is not None:
                keep_unchanged(cfg, previous[1], changed)
        found = self.generations.get(id(index))
        if found is not None and found[0] is index:
            self.previous[(target, proxy_type)] = (found[1], cfg)
        return cfg

    def compile(self, index: Any, target: str, proxy_type: Optional[str]) -> tuple[dict[str, list[dict]], list[str]]:
        from mesh_compile.index.proxy import TargetError, resolve_proxy
        from mesh_compile_xds.ads.store import CompileError
        try:
            proxy = resolve_proxy(target, index, proxy_type=proxy_type)
            cfg = self._configure(index, target, proxy_type, proxy)
            resources = {"clusters": cfg.clusters, "listeners": cfg.listeners, "routes": cfg.routes,
                         "endpoints": cfg.endpoints}         # built here: the config is lazy
        except TargetError as exc:
            raise CompileError(str(exc)) from None
        except Exception as exc:
            raise CompileError(f"internal error while compiling {target}: {exc!r}") from None
        return resources, list(proxy.notices)


# ---------------------------------------------------------------------------------------------
# serve

@dataclass
class Serving:
    """A running server (and watcher): what `serve`, the demo and the tests start."""

    store: Any
    server: Any
    watcher: Any = None

    def stop(self) -> None:
        if self.watcher is not None:
            self.watcher.stop()
        self.server.stop()


class ServeError(Exception):
    pass


def local_options(args: argparse.Namespace) -> Any:
    from mesh_compile_xds.ads.local import LocalOptions
    if args.as_compiled:
        return LocalOptions(bind_address=None, port_offset=0, plaintext=False, stock_envoy=False)
    if not 0 <= args.port_offset < 65535:
        raise ServeError(f"--port-offset {args.port_offset} is out of range")
    return LocalOptions(bind_address=args.bind_address, port_offset=args.port_offset)


def start_serving(paths: Sequence[str], *, log: Any, local: Any, target: Optional[str] = None,
                  proxy_type: Optional[str] = None, istio_version: str = "1.30", namespace: str = "default",
                  mesh_config: Optional[str] = None, listen: str = DEFAULT_LISTEN, tls: Any = None,
                  watch: bool = False, interval: float = 0.5, stdin: Optional[TextIO] = None,
                  strict: bool = False) -> Serving:
    """Load, compile TARGET (if given, so errors show at once), listen, and watch. Raises ServeError."""
    from mesh_compile.versions import VersionError
    from mesh_compile_xds.ads.node import NodeRef
    from mesh_compile_xds.ads.server import AdsServer, ListenError
    from mesh_compile_xds.ads.store import CompileError, ConfigStore
    from mesh_compile_xds.ads.watch import FileWatcher

    try:
        compiler = MeshCompiler(paths, istio_version=istio_version, namespace=namespace,
                                mesh_config=mesh_config, stdin=stdin)
    except VersionError as exc:
        raise ServeError(str(exc)) from None
    store = ConfigStore(compiler, local, log, default_target=target)
    try:
        loaded = store.load()
        if strict and loaded.has_errors:
            raise ServeError("invalid objects in the input (--strict): not serving")
        if target:
            store.view(store.key_for(NodeRef(target, proxy_type)))
        server = AdsServer(store, log, listen, tls)
    except (CompileError, ListenError) as exc:
        raise ServeError(str(exc)) from None
    server.start()
    try:
        watcher = FileWatcher(paths, store.reload, log, interval).start() if watch else None
    except BaseException:  # e.g. Ctrl-C right now: do not leave the server running
        server.stop()
        raise
    return Serving(store, server, watcher)


def _check_serve_args(args: argparse.Namespace, paths: list[str]) -> Any:
    from mesh_compile_xds.ads.server import ListenError, TlsFiles, is_loopback, parse_listen
    try:
        host, _ = parse_listen(args.listen)
    except ListenError as exc:
        raise ServeError(str(exc)) from None
    if bool(args.tls_cert) != bool(args.tls_key):
        raise ServeError("--tls-cert and --tls-key go together")
    if args.client_ca and not args.tls_cert:
        raise ServeError("--client-ca needs --tls-cert and --tls-key")
    if not is_loopback(host) and not args.tls_cert and not args.insecure:
        raise ServeError(f"--listen {args.listen} is not a loopback address: give --tls-cert/--tls-key "
                         "(and --client-ca), or --insecure to serve plaintext anyway")
    if not paths:
        raise ServeError("no input: give -f PATH (a file, a directory or - for stdin), --example or --demo-mesh")
    if args.workloads and not args.target:
        raise ServeError("--workloads needs TARGET (the proxy whose endpoints to answer for)")
    if args.watch and "-" in paths:
        raise ServeError("--watch cannot watch stdin (-); give files or directories")
    return TlsFiles(args.tls_cert, args.tls_key, args.client_ca) if args.tls_cert else None


def run_serve(args: argparse.Namespace, *, stdin: Optional[TextIO], out: TextIO, err: TextIO) -> int:
    from mesh_compile_xds.ads.log import DEBUG, INFO, QUIET, Log

    paths = input_paths(args)
    if args.demo_mesh:
        from importlib import resources
        paths.append(str(resources.files("mesh_compile") / "examples" / "demo-mesh.yaml"))
    log = Log(err, QUIET if args.quiet else DEBUG if args.verbose else INFO)
    try:
        tls = _check_serve_args(args, paths)
        serving = start_serving(paths, log=log, local=local_options(args), target=args.target,
                                proxy_type=args.proxy_type, istio_version=args.istio_version,
                                namespace=args.namespace, mesh_config=args.mesh_config, listen=args.listen,
                                tls=tls, watch=args.watch, interval=args.interval, stdin=stdin,
                                strict=args.strict)
    except ServeError as exc:
        err.write(f"Error: {exc}\n")
        return 2
    workloads = None
    try:
        _banner(args, serving, out)
        if args.workloads:
            workloads = _start_workloads(serving, args.target, out)
        _wait_for_interrupt()
    except ServeError as exc:
        err.write(f"Error: {exc}\n")
        return 2
    finally:
        if workloads is not None:
            workloads.stop()
        serving.stop()
        log.info("stopped")
    return 0


def _start_workloads(serving: Serving, target: str, out: TextIO) -> Any:
    from mesh_compile_xds.ads.node import NodeRef
    from mesh_compile_xds.ads.workloads import Workloads, specs_from_endpoints
    store = serving.store
    view = store.view(store.key_for(NodeRef(target)))
    specs = specs_from_endpoints(store.compiled(view.key)["endpoints"])
    if not specs:
        raise ServeError(f"--workloads: no endpoint of {target} is on a loopback address (give pods a podIP "
                         "like 127.0.0.1 and distinct container ports)")
    try:
        workloads = Workloads.start_all(specs)
    except OSError as exc:
        raise ServeError(f"--workloads: {exc}") from None
    out.write("workloads (started once; --watch does not move them): "
              + ", ".join(f"{s.pod} ({s.app} {s.version}) on {s.address}:{s.port}" for s in specs) + "\n")
    out.flush()
    return workloads


def _banner(args: argparse.Namespace, serving: Serving, out: TextIO) -> None:
    server = serving.server
    scheme = "TLS" if server.tls else "plaintext"
    out.write(f"mesh-compile ADS server on {server.address} ({scheme}; SotW and Delta)"
              f"{', watching the input' if serving.watcher else ''}. Ctrl-C stops it.\n")
    target = args.target or "deploy/NAME.NAMESPACE"
    out.write(f"Envoy bootstrap: mesh-compile bootstrap {target} --ads {server.address} > envoy.yaml; "
              "envoy -c envoy.yaml --component-log-level misc:error\n")
    for view in serving.store.views():
        bound = [n for n in view.notes if n.startswith("listeners bound")]
        if bound:
            out.write(f"{view.key.label()}: {bound[0]}\n")
    out.flush()


def _wait_for_interrupt() -> None:
    """Block until Ctrl-C or SIGTERM."""
    stop = threading.Event()
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


# ---------------------------------------------------------------------------------------------
# bootstrap

def run_bootstrap(args: argparse.Namespace, *, out: TextIO, err: TextIO) -> int:
    from mesh_compile.index.proxy import TargetError, parse_target
    from mesh_compile_xds.ads.bootstrap import BootstrapOptions, build_bootstrap
    from mesh_compile_xds.ads.server import ListenError, parse_listen
    try:
        parse_target(args.target)
        host, port = parse_listen(args.ads)
        if bool(args.client_cert) != bool(args.client_key):
            raise ValueError("--client-cert and --client-key go together")
        if not 0 <= args.admin_port <= 65535:
            raise ValueError(f"--admin-port {args.admin_port} is out of range")
    except (TargetError, ListenError, ValueError) as exc:
        err.write(f"Error: {exc}\n")
        return 2
    opts = BootstrapOptions(node_id=args.node_id or args.target, ads_host=host, ads_port=port, delta=args.delta,
                            admin_port=args.admin_port, bind_address=args.bind_address,
                            port_offset=args.port_offset, ca_file=args.ads_ca, cert_file=args.client_cert,
                            key_file=args.client_key, server_name=args.server_name)
    bootstrap = build_bootstrap(opts)
    if args.output == "json":
        out.write(json.dumps(bootstrap, indent=2) + "\n")
        return 0
    import yaml
    out.write(f"# Envoy bootstrap for {args.target}, config from mesh-compile serve at {args.ads}.\n"
              "# Run: envoy -c THIS_FILE\n")
    out.write(yaml.safe_dump(bootstrap, sort_keys=False, default_flow_style=False))
    return 0
