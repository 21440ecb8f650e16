"""`mesh-compile proxy-config|pc routes|cluster|listener|endpoint|all TARGET`, shaped like istioctl's."""
from __future__ import annotations

import argparse
from typing import Any, Callable, Iterator, TextIO

from mesh_compile.cli.options import add_input_options, add_proxy_options

KINDS = {
    "routes": "routes", "route": "routes", "r": "routes",
    "cluster": "cluster", "clusters": "cluster", "c": "cluster",
    "listener": "listener", "listeners": "listener", "l": "listener",
    "endpoint": "endpoint", "endpoints": "endpoint", "ep": "endpoint",
    "all": "all",
}


def add_parser(sub: Any) -> None:
    for name, aliases in (("proxy-config", ["pc"]),):
        p = sub.add_parser(name, aliases=aliases, help="print the Envoy config istiod would push to a proxy",
                           description="Like `istioctl proxy-config`, computed from YAML instead of a live proxy.")
        p.add_argument("resource", choices=sorted(KINDS), metavar="{routes,cluster,listener,endpoint,all}")
        add_proxy_options(p)
        add_input_options(p)
        p.add_argument("-o", "--output", choices=["short", "json", "yaml"], default="short")
        f = p.add_argument_group("filters (as istioctl)")
        f.add_argument("--name", help="routes: route config name")
        f.add_argument("--fqdn", help="cluster: service FQDN")
        f.add_argument("--port", type=int, help="cluster/listener: port")
        f.add_argument("--subset", help="cluster: subset")
        f.add_argument("--direction", help="cluster: inbound or outbound")
        f.add_argument("--address", help="listener: address")
        f.add_argument("--cluster", help="endpoint: cluster name")


def _filters(args: argparse.Namespace) -> Any:
    from mesh_compile.emit.views import Filters
    return Filters(name=args.name, fqdn=args.fqdn, port=args.port, subset=args.subset,
                   direction=args.direction, address=args.address, cluster=args.cluster)


def _table(kind: str, resources: list[dict], version: tuple[int, int]) -> str:
    from mesh_compile.emit import tables
    if kind == "routes":
        return tables.routes_table(resources, version)
    if kind == "cluster":
        return tables.clusters_table(resources, version)
    if kind == "listener":
        return tables.listeners_table(resources, version)
    return tables.endpoints_table(resources, version)


def render(kind: str, cfg: Any, args: argparse.Namespace) -> str | Iterator[bytes] | Callable[[TextIO], None]:
    from mesh_compile.emit.json_out import istioctl_json_chunks
    version = cfg.behaviour.version
    if kind == "all":
        if args.output == "short":
            from mesh_compile.emit import tables
            from mesh_compile.emit.endpoints_view import eds_view
            return tables.all_tables(cfg.clusters, cfg.listeners, cfg.routes,
                                     eds_view(cfg.clusters, cfg.endpoints), version)
        if args.output == "json":
            from mesh_compile.cli import parallel_dump
            if parallel_dump.worth_forking(cfg):
                return parallel_dump.writer(cfg)
        from mesh_compile.emit.config_dump import config_dump
        value: Any = config_dump(cfg)
    else:
        from mesh_compile.emit.views import VIEWS
        value = VIEWS[kind](cfg, _filters(args))
        if args.output == "short":
            return _table(kind, value, version)
    if args.output == "yaml":
        from mesh_compile.emit.yaml_out import to_yaml
        return to_yaml(value)
    return istioctl_json_chunks(value)


def write(out: TextIO, text: str | Iterator[bytes] | Callable[[TextIO], None]) -> None:
    """JSON comes as byte chunks (one resource at a time) and goes straight to the binary stream when
    there is one: a large config_dump is never held whole, nor decoded and encoded again. A callable
    writes by itself (cli/parallel_dump.py)."""
    if isinstance(text, str):
        out.write(text)
        return
    if callable(text):
        text(out)
        return
    if hasattr(out, "buffer"):
        out.flush()
        for chunk in text:
            out.buffer.write(chunk)
        out.buffer.flush()
    else:
        out.write(b"".join(text).decode("utf-8"))


def run(args: argparse.Namespace, *, stdin: TextIO | None, out: TextIO, err: TextIO) -> int:
    from mesh_compile.cli.compile_step import compile_or_report
    compiled = compile_or_report(args, err, stdin)
    if isinstance(compiled, int):
        return compiled
    from mesh_compile.emit.table_cells import NothingToShow
    from mesh_compile.cli.parallel_dump import ChildFailed
    try:
        write(out, render(KINDS[args.resource], compiled.config, args))
    except NothingToShow as exc:   # istioctl's own message for an empty table
        err.write(f"{exc}\n")
    except ChildFailed as exc:
        err.write(f"Error: {exc}; the output is incomplete (MESH_COMPILE_JOBS=1 writes in one process)\n")
        return 1
    return 1 if compiled.invalid else 0
