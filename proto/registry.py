"""Which protobuf message types we can name, and how to find one from an `Any` type URL.

xds-protos holds ~600 generated Envoy modules; importing them all costs about a second, so the
types our compiler emits are imported up front (`register_all_types`) and anything else is found
lazily: a type URL names a proto package, and the package's folder holds the `*_pb2` modules
that define it. Only folders under the proto roots below are ever imported, so a type URL taken
from user input cannot make us import arbitrary code.
"""
from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path
from typing import Optional

from google.protobuf import descriptor_pool, message_factory
from google.protobuf.descriptor import Descriptor
from google.protobuf.message import Message

TYPE_URL_PREFIX = "type.googleapis.com/"

# Top-level Python packages that hold generated protos (xds-protos and protobuf itself).
_PROTO_ROOTS = ("envoy", "udpa", "xds", "validate", "google", "opencensus", "opentelemetry", "cel")

# Every module an `Any` in Istio-shaped output may name, plus the admin dump types.
_EAGER_MODULES = (
    "google.protobuf.any_pb2",
    "google.protobuf.duration_pb2",
    "google.protobuf.empty_pb2",
    "google.protobuf.field_mask_pb2",
    "google.protobuf.struct_pb2",
    "google.protobuf.timestamp_pb2",
    "google.protobuf.wrappers_pb2",
    "envoy.config.cluster.v3.cluster_pb2",
    "envoy.config.listener.v3.listener_pb2",
    "envoy.config.route.v3.route_pb2",
    "envoy.config.endpoint.v3.endpoint_pb2",
    "envoy.config.bootstrap.v3.bootstrap_pb2",
    "envoy.admin.v3.config_dump_pb2",
    "envoy.extensions.filters.network.http_connection_manager.v3.http_connection_manager_pb2",
    "envoy.extensions.filters.network.tcp_proxy.v3.tcp_proxy_pb2",
    "envoy.extensions.filters.http.router.v3.router_pb2",
    "envoy.extensions.filters.http.fault.v3.fault_pb2",
    "envoy.extensions.filters.http.cors.v3.cors_pb2",
    "envoy.extensions.filters.http.grpc_stats.v3.config_pb2",
    "envoy.extensions.filters.http.wasm.v3.wasm_pb2",
    "envoy.extensions.filters.http.stateful_session.v3.stateful_session_pb2",
    "envoy.extensions.filters.listener.tls_inspector.v3.tls_inspector_pb2",
    "envoy.extensions.filters.listener.http_inspector.v3.http_inspector_pb2",
    "envoy.extensions.filters.listener.original_dst.v3.original_dst_pb2",
    "envoy.extensions.transport_sockets.tls.v3.tls_pb2",
    "envoy.extensions.transport_sockets.tls.v3.secret_pb2",
    "envoy.extensions.transport_sockets.raw_buffer.v3.raw_buffer_pb2",
    "envoy.extensions.upstreams.http.v3.http_protocol_options_pb2",
    "envoy.extensions.retry.host.previous_hosts.v3.previous_hosts_pb2",
    "envoy.extensions.retry.priority.previous_priorities.v3.previous_priorities_config_pb2",
    "envoy.extensions.network.dns_resolver.cares.v3.cares_dns_resolver_pb2",
    "envoy.extensions.access_loggers.file.v3.file_pb2",
    "udpa.type.v1.typed_struct_pb2",
    "xds.type.v3.typed_struct_pb2",
)

# Well-known types with a special JSON form (wrappers print their bare value, etc.).
WRAPPER_TYPES = frozenset("google.protobuf." + n for n in (
    "BoolValue BytesValue StringValue Int32Value UInt32Value Int64Value UInt64Value FloatValue DoubleValue"
).split())
SPECIAL_JSON_TYPES = WRAPPER_TYPES | frozenset("google.protobuf." + n for n in (
    "Duration Timestamp Struct Value ListValue FieldMask Empty"
).split())

_registered = False
_searched_packages: set[str] = set()
_class_cache: dict[str, Optional[type]] = {}


def register_all_types() -> None:
    """Import every module whose types our output's `Any` fields may name. Idempotent."""
    global _registered
    if _registered:
        return
    for name in _EAGER_MODULES:
        importlib.import_module(name)
    _registered = True


def full_name_of(type_url: str) -> str:
    """`type.googleapis.com/envoy.config.cluster.v3.Cluster` -> `envoy.config.cluster.v3.Cluster`."""
    return type_url.rsplit("/", 1)[-1]


def find_descriptor(full_name: str) -> Optional[Descriptor]:
    """The descriptor of a message type, importing its xds-protos package if needed; None if unknown."""
    register_all_types()
    pool = descriptor_pool.Default()
    try:
        return pool.FindMessageTypeByName(full_name)
    except KeyError:
        pass
    # Nested types (`pkg.Outer.Inner`) live in the package of their outer type: try each prefix.
    parts = full_name.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        if _import_package(".".join(parts[:cut])):
            try:
                return pool.FindMessageTypeByName(full_name)
            except KeyError:
                continue
    return None


def message_class(full_name: str) -> Optional[type]:
    """The generated class for a message type, or None when xds-protos does not define it."""
    if full_name in _class_cache:
        return _class_cache[full_name]
    desc = find_descriptor(full_name)
    cls = message_factory.GetMessageClass(desc) if desc is not None else None
    if cls is not None:
        _class_cache[full_name] = cls
    return cls


def new_message(full_name: str) -> Message:
    """An empty message of the named type; KeyError when the type is unknown."""
    cls = message_class(full_name)
    if cls is None:
        raise KeyError(full_name)
    return cls()


def _import_package(package: str) -> bool:
    """Import every `*_pb2` module of one proto package folder; True if any was found."""
    if package in _searched_packages:
        return False
    _searched_packages.add(package)
    if package.split(".", 1)[0] not in _PROTO_ROOTS or not all(p.isidentifier() for p in package.split(".")):
        return False
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return False
    if spec is None or not spec.submodule_search_locations:
        return False
    found = False
    for folder in spec.submodule_search_locations:
        for path in sorted(Path(folder).glob("*_pb2.py")):
            try:
                importlib.import_module(f"{package}.{path.stem}")
                found = True
            except Exception:  # a broken generated module must not break type lookup
                continue
    return found
