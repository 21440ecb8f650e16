"""An Envoy admin /config_dump (envoy.admin.v3.ConfigDump JSON) of a compiled proxy, what
`istioctl proxy-config all -o json` prints. Plain dicts: the proto package checks it loads.

Each section (configs[i]) is a function of the compiled proxy of its own, so a section can be built
and written apart from the others (cli/parallel_dump.py)."""
from __future__ import annotations

from typing import Any, Callable

VERSION = "mesh-compile"
LAST_UPDATED = "1970-01-01T00:00:00Z"   # fixed, so the same input gives the same bytes
_TYPES = "type.googleapis.com/"


def _entry(key: str, resource: dict, type_name: str) -> dict:
    return {"versionInfo": VERSION, key: {"@type": _TYPES + type_name, **resource}, "lastUpdated": LAST_UPDATED}


def _static(key: str, resource: dict, type_name: str) -> dict:
    return {key: {"@type": _TYPES + type_name, **resource}, "lastUpdated": LAST_UPDATED}


def clusters_section(cfg: Any) -> dict:
    cluster = "envoy.config.cluster.v3.Cluster"
    return {"@type": _TYPES + "envoy.admin.v3.ClustersConfigDump", "versionInfo": VERSION,
            "staticClusters": [_static("cluster", c, cluster) for c in cfg.static_clusters],
            "dynamicActiveClusters": [_entry("cluster", c, cluster) for c in cfg.clusters]}


def listeners_section(cfg: Any) -> dict:
    listener = "envoy.config.listener.v3.Listener"
    return {"@type": _TYPES + "envoy.admin.v3.ListenersConfigDump", "versionInfo": VERSION,
            "staticListeners": [_static("listener", lis, listener) for lis in cfg.static_listeners],
            "dynamicListeners": [{"name": lis["name"], "activeState": _entry("listener", lis, listener)}
                                 for lis in cfg.listeners]}


def routes_section(cfg: Any) -> dict:
    route = "envoy.config.route.v3.RouteConfiguration"
    return {"@type": _TYPES + "envoy.admin.v3.RoutesConfigDump",
            "staticRouteConfigs": [_static("routeConfig", r, route) for r in cfg.static_routes],
            "dynamicRouteConfigs": [_entry("routeConfig", r, route) for r in cfg.routes]}


def endpoints_section(cfg: Any, endpoints: list[dict] | None = None) -> dict:
    """`endpoints`: cfg.endpoints, when they were made apart (cli/parallel_dump.py)."""
    endpoint = "envoy.config.endpoint.v3.ClusterLoadAssignment"
    endpoints = cfg.endpoints if endpoints is None else endpoints
    return {"@type": _TYPES + "envoy.admin.v3.EndpointsConfigDump",
            "dynamicEndpointConfigs": [_entry("endpointConfig", e, endpoint) for e in endpoints]}


SECTIONS: list[Callable[[Any], dict]] = [clusters_section, listeners_section, routes_section, endpoints_section]


def config_dump(cfg: Any) -> dict:
    return {"configs": [section(cfg) for section in SECTIONS]}
