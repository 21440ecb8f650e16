"""An Envoy admin /config_dump (envoy.admin.v3.ConfigDump JSON) of a compiled proxy, what
`istioctl proxy-config all -o json` prints. Plain dicts: the proto package checks it loads."""
from __future__ import annotations

from typing import Any

VERSION = "mesh-compile"
LAST_UPDATED = "1970-01-01T00:00:00Z"   # fixed, so the same input gives the same bytes


def config_dump(cfg: Any) -> dict:
    def entry(key: str, resource: dict, type_name: str) -> dict:
        return {"versionInfo": VERSION, key: {"@type": f"type.googleapis.com/{type_name}", **resource},
                "lastUpdated": LAST_UPDATED}

    clusters = [entry("cluster", c, "envoy.config.cluster.v3.Cluster") for c in cfg.clusters]
    listeners = [{"name": lis["name"], "activeState": {"versionInfo": VERSION, "listener": {
        "@type": "type.googleapis.com/envoy.config.listener.v3.Listener", **lis}, "lastUpdated": LAST_UPDATED}}
        for lis in cfg.listeners]
    routes = [entry("routeConfig", r, "envoy.config.route.v3.RouteConfiguration") for r in cfg.routes]
    endpoints = [entry("endpointConfig", e, "envoy.config.endpoint.v3.ClusterLoadAssignment") for e in cfg.endpoints]
    static_clusters = [{"cluster": {"@type": "type.googleapis.com/envoy.config.cluster.v3.Cluster", **c},
                        "lastUpdated": LAST_UPDATED} for c in cfg.static_clusters]
    static_listeners = [{"listener": {"@type": "type.googleapis.com/envoy.config.listener.v3.Listener", **lis},
                         "lastUpdated": LAST_UPDATED} for lis in cfg.static_listeners]
    static_routes = [{"routeConfig": {"@type": "type.googleapis.com/envoy.config.route.v3.RouteConfiguration", **r},
                      "lastUpdated": LAST_UPDATED} for r in cfg.static_routes]
    return {"configs": [
        {"@type": "type.googleapis.com/envoy.admin.v3.ClustersConfigDump", "versionInfo": VERSION,
         "staticClusters": static_clusters, "dynamicActiveClusters": clusters},
        {"@type": "type.googleapis.com/envoy.admin.v3.ListenersConfigDump", "versionInfo": VERSION,
         "staticListeners": static_listeners, "dynamicListeners": listeners},
        {"@type": "type.googleapis.com/envoy.admin.v3.RoutesConfigDump", "staticRouteConfigs": static_routes,
         "dynamicRouteConfigs": routes},
        {"@type": "type.googleapis.com/envoy.admin.v3.EndpointsConfigDump", "dynamicEndpointConfigs": endpoints},
    ]}
