"""snake_case proto field names (Envoy's raw /config_dump) -> lowerCamelCase (proto3 JSON, istioctl -o json).

Only proto *field names* are converted. Keys that are data must stay as they are: the keys of proto maps
(`typedPerFilterConfig["envoy.filters.http.cors"]`), and everything inside a `google.protobuf.Struct`
(`filterMetadata.istio.config`, an access log's `json_format`, a TypedStruct's `value`). protobuf's own
JSON printer knows which fields those are from the descriptors; we have no descriptors here (compiler/ does
not import protobuf), so they are listed below by field name. The lists hold snake_case names; the
camelCase spelling of each is derived, so either casing of the input is recognised.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

# map<string, Message>: keep the keys, convert the field names inside each value.
MAP_OF_MESSAGES = frozenset({
    "typed_per_filter_config",           # RouteConfiguration, VirtualHost, Route, WeightedCluster.ClusterWeight
    "typed_extension_protocol_options",  # Cluster
    "typed_filter_metadata",             # core.Metadata: map<string, Any>
    "policies",                          # RBAC: map<string, Policy>
    "providers",                         # jwt_authn: map<string, JwtProvider>
    "requirement_map",                   # jwt_authn: map<string, JwtRequirement>
    "source_codes",                      # lua: map<string, DataSource>
    "named_endpoints",                   # ClusterLoadAssignment: map<string, Endpoint>
})

# Struct or map<string, scalar|Struct>: keep the whole value verbatim, keys and contents.
VERBATIM = frozenset({
    "filter_metadata",                   # core.Metadata: map<string, Struct>
    "per_filter_config",                 # (v2) map<string, Struct>
    "extension_protocol_options",        # Cluster (deprecated) map<string, Struct>
    "json_format",                       # access log / local reply SubstitutionFormatString: Struct
    "key_values",                        # wasm EnvironmentVariables: map<string, string>
    "dimensions",                        # Istio stats filter metrics: map<string, string>
})

# A field that is a Struct only inside a field of a given name (elsewhere the same name is a message):
# parent field -> child field kept verbatim. The parent may hold one object or a list of them.
VERBATIM_CHILD = {
    "transport_socket_matches": "match",     # Cluster.TransportSocketMatch.match: Struct
    "node": "metadata",                      # core.Node.metadata (bootstrap): Struct
    "user_agent_build_version": "metadata",  # core.BuildVersion.metadata: Struct
}

# Any values whose `value` is a Struct (or a JSON value) rather than a message.
VERBATIM_VALUE_TYPES = ("udpa.type.v1.TypedStruct", "xds.type.v3.TypedStruct", "google.protobuf.Struct",
                        "google.protobuf.Value", "google.protobuf.ListValue")


@lru_cache(maxsize=4096)
def camel(name: str) -> str:
    """protobuf's JSON name: drop each `_` and upper-case the character after it (`http2_protocol_options`
    -> `http2ProtocolOptions`)."""
    if "_" not in name:
        return name
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


_MAPS = MAP_OF_MESSAGES | {camel(n) for n in MAP_OF_MESSAGES}
_VERBATIM = VERBATIM | {camel(n) for n in VERBATIM}
_CHILD = {**VERBATIM_CHILD, **{camel(k): v for k, v in VERBATIM_CHILD.items()}}


def to_camel(value: Any) -> Any:
    """A copy of `value` with every proto field name in lowerCamelCase. Idempotent on camelCase input.
    Scalars and lists of scalars are shared with the input, not copied (nothing here mutates)."""
    if isinstance(value, dict):
        return _dict(value)
    if isinstance(value, list):
        return _list(value)
    return value


def _list(items: list) -> list:
    # proto lists are homogeneous: a list whose first element is a scalar holds only scalars
    if not items or not isinstance(items[0], (dict, list)):
        return items
    return [to_camel(v) for v in items]


def _dict(value: dict) -> dict:
    type_url = value.get("@type")
    verbatim_value = isinstance(type_url, str) and type_url.endswith(VERBATIM_VALUE_TYPES)
    out: dict[str, Any] = {}
    for key, item in value.items():
        name = camel(key) if "_" in key else key
        if not isinstance(item, (dict, list)) or key == "@type":
            out[name] = item
        elif key in _VERBATIM or (verbatim_value and key == "value"):
            out[name] = item
        elif key in _MAPS and isinstance(item, dict):
            out[name] = {k: to_camel(v) for k, v in item.items()}
        elif key in _CHILD:
            keep = _CHILD[key]
            out[name] = [_keep_field(v, keep) for v in item] if isinstance(item, list) else _keep_field(item, keep)
        else:
            out[name] = _dict(item) if isinstance(item, dict) else _list(item)
    return out


def _keep_field(item: Any, keep: str) -> Any:
    """Convert one object but leave its field `keep` (a Struct) as it is."""
    if not isinstance(item, dict):
        return to_camel(item)
    return {camel(k): (v if k == keep else to_camel(v)) for k, v in item.items()}
