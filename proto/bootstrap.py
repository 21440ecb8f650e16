"""A self-contained Envoy bootstrap for `envoy --mode validate` from compiled xDS resources.

`--mode validate` loads a bootstrap and nothing else, so everything the xDS server would send
later has to be inline: RDS references become inline `routeConfig`s, EDS clusters become STATIC
clusters holding their ClusterLoadAssignment, and config sources that name a gRPC cluster get a
stub cluster of that name. Istio-only extensions (types stock Envoy does not have) are removed.
Every such change is recorded as a Note so the caller can say what was validated.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any as AnyValue, Callable, Iterable, Optional

from . import registry
from .canonical import canonical_json
from .messages import load_resource, parse_as, resource_name

HCM_URL = (registry.TYPE_URL_PREFIX
           + "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager")
_TYPED_STRUCTS = {
    registry.TYPE_URL_PREFIX + "udpa.type.v1.TypedStruct",
    registry.TYPE_URL_PREFIX + "xds.type.v3.TypedStruct",
}
_WASM_URLS = {
    registry.TYPE_URL_PREFIX + "envoy.extensions.filters.http.wasm.v3.Wasm",
    registry.TYPE_URL_PREFIX + "envoy.extensions.filters.network.wasm.v3.Wasm",
}
_HTTP2_OPTIONS = {
    "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
        "@type": registry.TYPE_URL_PREFIX + "envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
        "explicitHttpConfig": {"http2ProtocolOptions": {}},
    }
}
ADS_STUB_CLUSTER = "xds-grpc"
_INTERNAL_LISTENER_EXT = {
    "name": "envoy.bootstrap.internal_listener",
    "typedConfig": {"@type": registry.TYPE_URL_PREFIX
                    + "envoy.extensions.bootstrap.internal_listener.v3.InternalListener"},
}


@dataclass(frozen=True)
class Note:
    """One change made for validation: `what` was done to the resource `where` (may be empty)."""

    what: str
    where: str = ""


def summarise(notes: list[Note], limit: int = 3) -> list[str]:
    """One line per kind of change, naming the first few resources it touched."""
    grouped: dict[str, dict[str, None]] = {}   # insertion-ordered sets: first-seen order, O(1) lookups
    for note in notes:
        places = grouped.setdefault(note.what, {})
        if note.where:
            places.setdefault(note.where, None)
    lines = []
    for what, seen in grouped.items():
        places = list(seen)
        if not places:
            lines.append(what)
            continue
        shown = ", ".join(places[:limit]) + (f" and {len(places) - limit} more" if len(places) > limit else "")
        lines.append(f"{what}: {shown}")
    return lines


@dataclass
class Resources:
    """The four xDS resource lists, as canonical (camelCase) dicts."""

    clusters: list[dict] = field(default_factory=list)
    listeners: list[dict] = field(default_factory=list)
    routes: list[dict] = field(default_factory=list)
    endpoints: list[dict] = field(default_factory=list)


def normalise(kind: str, resources: Iterable[dict]) -> list[dict]:
    """Load each resource (raises ResourceError) and return fresh canonical copies."""
    return [canonical_json(load_resource(kind, r).message) for r in resources]


# ConfigDump section -> (Resources attribute, entry lists, key of the resource inside an entry)
_DUMP_SECTIONS = {
    "envoy.admin.v3.ClustersConfigDump":
        ("clusters", ("staticClusters", "dynamicActiveClusters", "dynamicWarmingClusters"), "cluster"),
    "envoy.admin.v3.ListenersConfigDump": ("listeners", ("staticListeners", "dynamicListeners"), "listener"),
    "envoy.admin.v3.RoutesConfigDump": ("routes", ("staticRouteConfigs", "dynamicRouteConfigs"), "routeConfig"),
    "envoy.admin.v3.EndpointsConfigDump":
        ("endpoints", ("staticEndpointConfigs", "dynamicEndpointConfigs"), "endpointConfig"),
}


def from_config_dump(dump: dict) -> Resources:
    """The resources held in an envoy.admin.v3.ConfigDump JSON (camelCase or snake_case)."""
    canonical = canonical_json(parse_as("envoy.admin.v3.ConfigDump", dump))
    out = Resources()
    for section in canonical.get("configs", []):
        layout = _DUMP_SECTIONS.get(registry.full_name_of(section.get("@type", "")))
        if layout is None:
            continue
        attribute, lists, inner = layout
        for key in lists:
            for entry in section.get(key, []):
                # A dynamic listener sits one level down, in its active (or warming) state.
                entry = entry.get("activeState") or entry.get("warmingState") or entry
                if inner in entry:
                    getattr(out, attribute).append(_strip_type(entry[inner]))
    return out


def _strip_type(resource: dict) -> dict:
    return {k: v for k, v in resource.items() if k != "@type"}


def build_bootstrap(res: Resources, notes: list[Note]) -> dict:
    """The validation bootstrap for canonical resources. Appends what was changed to `notes`."""
    routes = {r.get("name", ""): r for r in res.routes}
    assignments = {e.get("clusterName", ""): e for e in res.endpoints}
    listeners = [_inline_rds(strip_istio_only(copy.deepcopy(lis), _label("listener", lis), notes),
                             routes, notes) for lis in res.listeners]
    clusters = [_static_eds(strip_istio_only(copy.deepcopy(c), _label("cluster", c), notes),
                            assignments, notes) for c in res.clusters]
    clusters += _stub_clusters(clusters, listeners, notes)
    bootstrap: dict[str, AnyValue] = {
        "node": {"id": "sidecar~127.0.0.1~mesh-compile.validate~validate.svc.cluster.local",
                 "cluster": "mesh-compile-validate"},
        "staticResources": {"listeners": listeners, "clusters": clusters},
    }
    if _mentions_ads(clusters) or _mentions_ads(listeners):
        bootstrap["dynamicResources"] = {"adsConfig": {
            "apiType": "GRPC", "transportApiVersion": "V3",
            "grpcServices": [{"envoyGrpc": {"clusterName": ADS_STUB_CLUSTER}}]}}
    if any("internalListener" in lis for lis in listeners):
        notes.append(Note("added the envoy.bootstrap.internal_listener extension istio-proxy's bootstrap has"))
        bootstrap["bootstrapExtensions"] = [copy.deepcopy(_INTERNAL_LISTENER_EXT)]
    # Istio 1.17 output uses fields Envoy has since deprecated; allow them rather than fail on age.
    notes.append(Note("allowed deprecated Envoy fields (runtime envoy.features.enable_all_deprecated_features)"))
    bootstrap["layeredRuntime"] = {"layers": [{"name": "mesh-compile", "staticLayer": {
        "envoy.features.enable_all_deprecated_features": True}}]}
    bootstrap["admin"] = {"address": {"socketAddress": {"address": "127.0.0.1", "portValue": 0}}}
    return bootstrap


def _label(kind: str, resource: dict) -> str:
    return f"{kind} {resource_name(kind, resource) or '?'}"


# ---------------------------------------------------------------------------------------------
# Istio-only extensions

def istio_only_reason(any_json: AnyValue) -> Optional[str]:
    """Why stock Envoy cannot load this `Any` JSON (an Istio proxy extension), or None."""
    if not isinstance(any_json, dict) or not isinstance(any_json.get("@type"), str):
        return None
    url = any_json["@type"]
    if registry.find_descriptor(registry.full_name_of(url)) is None:
        return f"type {registry.full_name_of(url)} is not an Envoy type"
    if url in _TYPED_STRUCTS:
        inner = any_json.get("typeUrl", "")
        if registry.find_descriptor(registry.full_name_of(inner)) is None:
            return f"TypedStruct of {registry.full_name_of(inner)}, which is not an Envoy type"
    if url in _WASM_URLS:
        runtime = any_json.get("config", {}).get("vmConfig", {}).get("runtime")
        if runtime == "envoy.wasm.runtime.null":
            return "a Wasm plugin compiled into istio-proxy (null VM)"
    return None


def strip_istio_only(obj: AnyValue, where: str, notes: list[Note], same: AnyValue = None) -> AnyValue:
    """Remove Istio-only extensions: list items (filters) that hold one, and map entries that are one.
    `same` (a mesh_compile_xds.ads.reuse.ReuseCache): a virtual host, or its `routes` list, met again as
    the very same object gives the last result (serve reloads keep unchanged ones: build/route_memo.py)."""
    if isinstance(obj, list):
        return _strip_list(obj, where, notes, lambda item: strip_istio_only(item, where, notes, same))
    if isinstance(obj, dict):
        out = {}
        for key, value in obj.items():
            reason = istio_only_reason(value) if key != "typedConfig" else None
            if reason:
                notes.append(Note(f"removed {key!r} ({reason})", where))
                continue
            if same is not None and key == "routes" and isinstance(value, list):
                out[key] = _strip_same(value, where, notes, same)
            elif same is not None and key == "virtualHosts" and isinstance(value, list):
                out[key] = _strip_items_same(value, where, notes, same)
            else:
                out[key] = strip_istio_only(value, where, notes, same)
        return out
    return obj


def _strip_list(items: list, where: str, notes: list[Note], strip_item: Callable[[AnyValue], AnyValue]) -> list:
    """A list without the items that are Istio-only extensions, the others through strip_item."""
    kept = []
    for item in items:
        reason = _item_reason(item)
        if reason:
            notes.append(Note(f"removed {_item_name(item)} ({reason})", where))
            continue
        kept.append(strip_item(item))
    return kept


def _strip_items_same(items: list, where: str, notes: list[Note], same: AnyValue) -> list:
    """The list branch of strip_istio_only, each item (a virtual host) found by identity when it can be."""
    return _strip_list(items, where, notes, lambda item: _strip_same(item, where, notes, same)
                       if isinstance(item, dict) else strip_istio_only(item, where, notes, same))


def _strip_same(value: AnyValue, where: str, notes: list[Note], same: AnyValue) -> AnyValue:
    def strip() -> tuple[AnyValue, list[Note]]:
        its_notes: list[Note] = []
        return strip_istio_only(value, where, its_notes, same), its_notes
    found = same.reuse(value, ("strip", where), lambda: None, strip)
    notes.extend(found[1])
    return found[0]


def _item_reason(item: AnyValue) -> Optional[str]:
    if not isinstance(item, dict):
        return None
    if "configDiscovery" in item:
        return "its config comes from ECDS, which validation cannot fetch"
    return istio_only_reason(item.get("typedConfig"))


def _item_name(item: dict) -> str:
    return repr(item.get("name", "unnamed extension"))


# ---------------------------------------------------------------------------------------------
# RDS -> inline routes, EDS -> STATIC

def _inline_rds(obj: AnyValue, routes: dict[str, dict], notes: list[Note]) -> AnyValue:
    if isinstance(obj, list):
        return [_inline_rds(x, routes, notes) for x in obj]
    if not isinstance(obj, dict):
        return obj
    out = {k: _inline_rds(v, routes, notes) for k, v in obj.items()}
    if out.get("@type") == HCM_URL and isinstance(out.get("rds"), dict):
        name = out["rds"].get("routeConfigName", "")
        route = routes.get(name)
        if route is None:
            notes.append(Note("no RouteConfiguration for this RDS name; validated with an empty one", repr(name)))
            route = {"name": name}
        out = {("routeConfig" if k == "rds" else k): (copy.deepcopy(route) if k == "rds" else v)
               for k, v in out.items()}
    return out


def _static_eds(cluster: dict, assignments: dict[str, dict], notes: list[Note]) -> dict:
    if cluster.get("type") != "EDS":
        return cluster
    name = cluster.get("name", "")
    service = cluster.get("edsClusterConfig", {}).get("serviceName") or name
    assignment = assignments.get(service)
    if assignment is None:
        notes.append(Note("EDS cluster without a ClusterLoadAssignment; validated with no endpoints", repr(name)))
        assignment = {}
    out = {}
    for key, value in cluster.items():
        if key == "edsClusterConfig":
            continue
        out[key] = "STATIC" if key == "type" else value
    out["loadAssignment"] = {**copy.deepcopy(assignment), "clusterName": name}
    return out


# ---------------------------------------------------------------------------------------------
# Stubs for clusters that config sources name

def _stub_clusters(clusters: list[dict], listeners: list[dict], notes: list[Note]) -> list[dict]:
    present = {c.get("name") for c in clusters}
    wanted: list[str] = []
    for obj in (clusters, listeners):
        _collect_grpc_clusters(obj, wanted)
    if _mentions_ads(clusters) or _mentions_ads(listeners):
        wanted.append(ADS_STUB_CLUSTER)
    stubs = []
    for name in dict.fromkeys(wanted):
        if name in present:
            continue
        notes.append(Note("added an empty static cluster for the config sources that name it", repr(name)))
        stubs.append({"name": name, "type": "STATIC", "connectTimeout": "1s",
                      "loadAssignment": {"clusterName": name},
                      "typedExtensionProtocolOptions": copy.deepcopy(_HTTP2_OPTIONS)})
    return stubs


def _collect_grpc_clusters(obj: AnyValue, out: list[str]) -> None:
    if isinstance(obj, list):
        for x in obj:
            _collect_grpc_clusters(x, out)
    elif isinstance(obj, dict):
        grpc = obj.get("envoyGrpc")
        if isinstance(grpc, dict) and isinstance(grpc.get("clusterName"), str):
            out.append(grpc["clusterName"])
        for value in obj.values():
            _collect_grpc_clusters(value, out)


def _mentions_ads(obj: AnyValue) -> bool:
    """Whether some ConfigSource says `ads: {}` (served over the bootstrap's ADS stream)."""
    if isinstance(obj, list):
        return any(_mentions_ads(x) for x in obj)
    if isinstance(obj, dict):
        if isinstance(obj.get("ads"), dict):
            return True
        return any(_mentions_ads(v) for v in obj.values())
    return False
