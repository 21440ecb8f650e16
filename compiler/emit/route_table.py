"""`istioctl pc routes`: the table and its filter."""
from __future__ import annotations

from typing import Iterable

from mesh_compile.emit.go_tabwriter import tabwrite
from mesh_compile.emit.subset_keys import sort_route_configs
from mesh_compile.emit.table_cells import (NothingToShow, as_text, describe_management, describe_match,
                                           describe_route_domains, dig, tab_row)
from mesh_compile.emit.table_gates import VHOST_COLUMN, Version, since


def filter_route_configs(route_configs: Iterable[dict], *, name: str = "") -> list[dict]:
    return [r for r in route_configs if not name or r.get("name", "") == name]


def routes_table(route_configs: list[dict], version: Version, *, verbose: bool = True,
                 with_type_prefix: bool = False) -> str:
    """`istioctl pc routes`. Give dynamic route configs first, then static ones (Envoy's order)."""
    if not route_configs:
        raise NothingToShow("no routes found")
    with_vhost = since(version, VHOST_COLUMN)
    if not verbose:
        text = "NAME\tVIRTUAL HOSTS\n"
    else:
        text = "NAME\tVHOST NAME\tDOMAINS\tMATCH\tVIRTUAL SERVICE\n" if with_vhost else \
            "NAME\tDOMAINS\tMATCH\tVIRTUAL SERVICE\n"
    for config in sort_route_configs(route_configs, version):
        name = as_text(config.get("name"))
        name = f"route/{name}" if with_type_prefix else name
        vhosts = [v for v in config.get("virtualHosts") or [] if isinstance(v, dict)]
        if not verbose:
            text += tab_row(name, len(vhosts))
            continue
        for vhost in vhosts:
            text += _vhost_rows(name, vhost, version, with_vhost)
    return tabwrite(text, padding=5)


def _vhost_rows(name: str, vhost: dict, version: Version, with_vhost: bool) -> str:
    lead = [name, as_text(vhost.get("name"))] if with_vhost else [name]
    domains = describe_route_domains([d for d in vhost.get("domains") or [] if isinstance(d, str)])
    routes = [r for r in vhost.get("routes") or [] if isinstance(r, dict)]
    text = ""
    for route in routes:
        if not _is_passthrough(route):
            text += tab_row(*lead, domains, describe_match(route.get("match"), version),
                         describe_management(route.get("metadata"), version))
    if not routes:
        text += tab_row(*lead, domains, "/*", "404")
    return text


def _is_passthrough(route: dict) -> bool:
    return dig(route, "route", "cluster") == "PassthroughCluster"
