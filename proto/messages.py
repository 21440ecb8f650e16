"""The public face of mesh_compile_xds: resource dicts <-> typed Envoy messages, and config dumps.

Resource dicts are what the compiler builds and what `istioctl proxy-config ... -o json` prints;
this module turns them into xds-protos messages (to validate them, or to serve them over ADS) and
back into the canonical dict form.
"""
from __future__ import annotations

from typing import Any as AnyValue, Iterable, Optional

from google.protobuf.message import Message

from . import registry
from .canonical import canonical_json
from .order import order_keys
from .parse import OpaqueAny, Parsed, ResourceError, parse_json
from .registry import TYPE_URL_PREFIX, register_all_types

__all__ = [
    "RESOURCE_TYPES",
    "ResourceError",
    "OpaqueAny",
    "register_all_types",
    "to_message",
    "load_resource",
    "parse_as",
    "canonical_json",
    "order_resource",
    "order_keys",
    "config_dump",
    "resource_name",
]

RESOURCE_TYPES: dict[str, str] = {
    "cluster": TYPE_URL_PREFIX + "envoy.config.cluster.v3.Cluster",
    "listener": TYPE_URL_PREFIX + "envoy.config.listener.v3.Listener",
    "route": TYPE_URL_PREFIX + "envoy.config.route.v3.RouteConfiguration",
    "endpoint": TYPE_URL_PREFIX + "envoy.config.endpoint.v3.ClusterLoadAssignment",
}

_CONFIG_DUMP = "envoy.admin.v3.ConfigDump"
_ADMIN = TYPE_URL_PREFIX + "envoy.admin.v3."


def resource_name(kind: str, resource: AnyValue) -> Optional[str]:
    """The name Envoy knows a resource by (`clusterName` for a ClusterLoadAssignment)."""
    if not isinstance(resource, dict):
        return None
    key_options = ("clusterName", "cluster_name") if kind == "endpoint" else ("name",)
    for key in key_options:
        if isinstance(resource.get(key), str):
            return resource[key]
    return None


def load_resource(kind: str, resource: AnyValue) -> Parsed:
    """Like to_message, but also returns the `Any` payloads kept opaque (unknown types)."""
    if kind not in RESOURCE_TYPES:
        raise ResourceError(f"unknown resource kind {kind!r}; expected one of {sorted(RESOURCE_TYPES)}")
    full_name = registry.full_name_of(RESOURCE_TYPES[kind])
    try:
        return parse_json(full_name, resource)
    except ResourceError as err:
        raise err.located(kind, resource_name(kind, resource)) from None


def to_message(kind: str, resource: dict) -> Message:
    """Parse a resource dict into its Envoy type. Raises ResourceError naming resource and field."""
    return load_resource(kind, resource).message


def order_resource(kind: str, resource: dict) -> dict:
    """`resource` with its keys in canonical order, values untouched (fast; no validation).

    Equal to canonical_json(to_message(kind, resource)) whenever the values are already in
    canonical form (durations "10s", int64 as strings, no default values).
    """
    if kind not in RESOURCE_TYPES:
        raise ResourceError(f"unknown resource kind {kind!r}; expected one of {sorted(RESOURCE_TYPES)}")
    return order_keys(RESOURCE_TYPES[kind], resource)


def parse_as(type_name: str, obj: AnyValue) -> Message:
    """Parse any JSON object as the named message type (full name or type URL), e.g. a ConfigDump."""
    return parse_json(registry.full_name_of(type_name), obj).message


def config_dump(
    clusters: Iterable[dict],
    listeners: Iterable[dict],
    routes: Iterable[dict],
    endpoints: Iterable[dict],
    *,
    version_info: str,
    last_updated: Optional[str] = None,
    bootstrap: Optional[dict] = None,
    static_clusters: Iterable[dict] = (),
    static_listeners: Iterable[dict] = (),
    static_routes: Iterable[dict] = (),
) -> dict:
    """An envoy.admin.v3.ConfigDump (as Envoy's /config_dump?include_eds holds it), canonical JSON.

    The sections come in Envoy's order: bootstrap (only when given), clusters, endpoints,
    listeners, scoped routes (empty), routes, secrets (empty). Every dynamic resource carries
    `version_info`; `last_updated` (RFC 3339) is added only when given, so output stays
    reproducible. The result is checked by loading it into envoy.admin.v3.ConfigDump.
    """
    stamp = {"lastUpdated": last_updated} if last_updated else {}
    configs: list[dict] = []
    if bootstrap is not None:
        configs.append({"@type": _ADMIN + "BootstrapConfigDump", "bootstrap": bootstrap, **stamp})
    configs.append({
        "@type": _ADMIN + "ClustersConfigDump",
        "versionInfo": version_info,
        "staticClusters": [{"cluster": _typed("cluster", c), **stamp} for c in static_clusters],
        "dynamicActiveClusters": [
            {"versionInfo": version_info, "cluster": _typed("cluster", c), **stamp} for c in clusters
        ],
    })
    configs.append({
        "@type": _ADMIN + "EndpointsConfigDump",
        "dynamicEndpointConfigs": [
            {"versionInfo": version_info, "endpointConfig": _typed("endpoint", e), **stamp} for e in endpoints
        ],
    })
    configs.append({
        "@type": _ADMIN + "ListenersConfigDump",
        "versionInfo": version_info,
        "staticListeners": [{"listener": _typed("listener", lis), **stamp} for lis in static_listeners],
        "dynamicListeners": [_dynamic_listener(lis, version_info, stamp) for lis in listeners],
    })
    configs.append({"@type": _ADMIN + "ScopedRoutesConfigDump"})
    configs.append({
        "@type": _ADMIN + "RoutesConfigDump",
        "staticRouteConfigs": [{"routeConfig": _typed("route", r), **stamp} for r in static_routes],
        "dynamicRouteConfigs": [
            {"versionInfo": version_info, "routeConfig": _typed("route", r), **stamp} for r in routes
        ],
    })
    configs.append({"@type": _ADMIN + "SecretsConfigDump"})
    return canonical_json(parse_as(_CONFIG_DUMP, {"configs": configs}))


def _typed(kind: str, resource: dict) -> dict:
    """A resource as an `Any` JSON object; it is loaded on its own first for a precise error."""
    load_resource(kind, resource)
    return {"@type": RESOURCE_TYPES[kind], **{k: v for k, v in resource.items() if k != "@type"}}


def _dynamic_listener(listener: dict, version_info: str, stamp: dict) -> dict:
    active = {"versionInfo": version_info, "listener": _typed("listener", listener), **stamp}
    return {"name": resource_name("listener", listener) or "", "activeState": active}
