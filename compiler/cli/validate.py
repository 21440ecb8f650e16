"""`mesh-compile validate TARGET -f PATH [--envoy] [--fail-on warning|error]`: check what we emit.

Every resource must load into Envoy's message types and obey the rules Envoy applies at load time; cross
references must hold. Each finding names the Istio object it came from (through the route's or cluster's
`istio.config` metadata), with file:line, so the user can fix the YAML rather than the JSON.
"""
from __future__ import annotations

import argparse
import re
from typing import Any, TextIO

from mesh_compile.cli.options import add_input_options, add_proxy_options

_LEVELS = {"info": 0, "warning": 1, "error": 2}
_RANK = {"Info": 0, "Warning": 1, "Error": 2}
_CONFIG = re.compile(r"/apis/[^/]+/[^/]+/namespaces/([^/]+)/([a-z-]+)/([^/]+)$")
_KINDS = {"virtual-service": "VirtualService", "destination-rule": "DestinationRule"}


def add_parser(sub: Any) -> None:
    p = sub.add_parser("validate", help="check the compiled config against Envoy's schema and rules",
                       description="Load every compiled resource into Envoy's protobuf types, apply Envoy's "
                                   "load-time rules and cross-reference checks; --envoy also runs the real "
                                   "`envoy --mode validate`.")
    add_proxy_options(p)
    add_input_options(p)
    p.add_argument("--envoy", action="store_true", help="also run `envoy --mode validate` (needs envoy on PATH)")
    p.add_argument("--fail-on", choices=sorted(_LEVELS), default="error",
                   help="exit 1 when a finding of this level or worse exists (default: error)")


def _resource(cfg: Any, kind: str, name: str) -> dict | None:
    pools = {"RouteConfiguration": cfg.routes, "Cluster": cfg.clusters, "Listener": cfg.listeners}
    for res in pools.get(kind, []):
        if res.get("name") == name:
            return res
    return None


def _config_path(resource: dict, field: str | None) -> str | None:
    """The `istio.config` metadata nearest the finding: the route it points into, else the resource."""
    node: Any = resource
    found = None
    for part in re.findall(r"[A-Za-z]+|\d+", field or ""):
        node = node[int(part)] if part.isdigit() and isinstance(node, list) and int(part) < len(node) else (
            node.get(part) if isinstance(node, dict) else None)
        if node is None:
            break
        if isinstance(node, dict):
            found = node.get("metadata", {}).get("filterMetadata", {}).get("istio", {}).get("config") or found
    return found or resource.get("metadata", {}).get("filterMetadata", {}).get("istio", {}).get("config")


def _origin(path: str | None, objects: list) -> str:
    m = _CONFIG.search(path or "")
    if not m:
        return ""
    ns, kind, name = m.group(1), _KINDS.get(m.group(2), m.group(2)), m.group(3)
    for obj in objects:
        if obj.kind == kind and obj.meta.namespace == ns and obj.meta.name == name:
            return f" (from {kind} {ns}/{name} {obj.source.file}:{obj.source.line})"
    return f" (from {kind} {ns}/{name})"


def render_finding(p: Any, cfg: Any, objects: list) -> str:
    res = _resource(cfg, p.kind, p.name) if p.kind and p.name else None
    origin = _origin(_config_path(res, p.field), objects) if res is not None else ""
    code = f" [{p.code}]" if p.code else ""
    where = f"{p.kind} {p.name}" if p.kind else "config"
    field = f" {p.field}" if p.field else ""
    return f"{p.level}{code} {where}{field}{origin}: {p.message}"


def run(args: argparse.Namespace, *, stdin: TextIO | None, out: TextIO, err: TextIO) -> int:
    from mesh_compile.cli.compile_step import compile_or_report
    compiled = compile_or_report(args, err, stdin)
    if isinstance(compiled, int):
        return compiled
    from mesh_compile_xds.validate import envoy_validate, validate_resources
    cfg = compiled.config
    findings = validate_resources(cfg.clusters, cfg.listeners, cfg.routes, cfg.endpoints)
    for p in findings:
        out.write(render_finding(p, cfg, compiled.objects or []) + "\n")
    worst = max((_RANK.get(p.level, 0) for p in findings), default=-1)
    failed = worst >= _LEVELS[args.fail_on]
    if args.envoy:
        ok, message = envoy_validate((cfg.clusters, cfg.listeners, cfg.routes, cfg.endpoints))
        out.write(("envoy --mode validate: OK\n" if ok else "envoy --mode validate: REJECTED\n") + message.rstrip() + "\n")
        failed = failed or not ok
    if not findings:
        out.write("no findings\n")
    return 1 if failed or compiled.invalid else 0
