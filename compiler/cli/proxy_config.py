"""`mesh-compile proxy-config|pc routes|cluster|listener|endpoint|all TARGET`, shaped like istioctl's."""
from __future__ import annotations

import argparse
from typing import Any, TextIO

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


def _select(kind: str, cfg: Any, args: argparse.Namespace) -> list[dict]:
    from mesh_compile.emit import filters as F
    if kind == "routes":
        return F.sort_routes(F.filter_routes(cfg.routes, args.name))
    if kind == "cluster":
        return F.sort_clusters(F.filter_clusters(cfg.clusters, args.fqdn, args.port, args.subset, args.direction))
    if kind == "listener":
        return F.filter_listeners(cfg.listeners, args.port, args.address)
    return F.filter_endpoints(cfg.endpoints, args.cluster)


def _table(kind: str, resources: list[dict], cfg: Any, version: tuple[int, int]) -> str:
    from mesh_compile.emit import tables
    if kind == "routes":
        return tables.routes_table(resources, version)
    if kind == "cluster":
        return tables.clusters_table(resources, version)
    if kind == "listener":
        return tables.listeners_table(resources, version)
    from mesh_compile.emit.endpoints_view import endpoint_statuses
    return tables.endpoints_table(endpoint_statuses(cfg.clusters, resources), version)


def _endpoint_json(resources: list[dict], cfg: Any) -> list[dict]:
    from mesh_compile.emit.endpoints_view import endpoint_statuses
    return endpoint_statuses(cfg.clusters, resources)


def render(kind: str, cfg: Any, args: argparse.Namespace) -> str:
    from mesh_compile.emit.json_out import istioctl_json
    version = cfg.behaviour.version
    if kind == "all":
        if args.output == "short":
            from mesh_compile.emit import tables
            from mesh_compile.emit.endpoints_view import endpoint_statuses
            return tables.all_tables(cfg.clusters, cfg.listeners, cfg.routes,
                                     endpoint_statuses(cfg.clusters, cfg.endpoints), version)
        from mesh_compile.emit.config_dump import config_dump
        value: Any = config_dump(cfg)
    else:
        resources = _select(kind, cfg, args)
        if args.output == "short":
            return _table(kind, resources, cfg, version)
        value = _endpoint_json(resources, cfg) if kind == "endpoint" else resources
    if args.output == "yaml":
        from mesh_compile.emit.yaml_out import to_yaml
        return to_yaml(value)
    return istioctl_json(value)


def run(args: argparse.Namespace, *, stdin: TextIO | None, out: TextIO, err: TextIO) -> int:
    from mesh_compile.cli.compile_step import CommandError, compile_target
    try:
        compiled = compile_target(args, err, stdin)
    except CommandError as exc:
        if str(exc):
            err.write(str(exc) + "\n")
        return exc.code
    out.write(render(KINDS[args.resource], compiled.config, args))
    return 1 if compiled.invalid else 0
