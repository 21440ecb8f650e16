"""Typed message -> the dict `istioctl proxy-config ... -o json` prints.

istioctl marshals with golang/protobuf's legacy `jsonpb` (pkg/util/protomarshal). Its rules,
which json_format.MessageToDict does not follow in every detail:
* fields in .proto declaration order (descriptor order), lowerCamelCase names, defaults omitted;
* map entries (and Struct fields) sorted by key;
* int64/uint64 as strings; enums by name (a number when the value is not declared);
* wrappers print their value even when it is 0/false; Duration as "1.500s" (0/3/6/9 digits);
* Any prints "@type" first; a well-known type inside Any (Duration, Struct, wrappers, Empty, Any)
  prints as {"@type": ..., "value": ...};
* FieldMask is NOT special-cased (it prints as {"paths": [...]});
* doubles print like Go's encoding/json, so 1.0 prints as 1.
"""
from __future__ import annotations

import base64
import math
import struct
from typing import Any as AnyValue, Callable

from google.protobuf.descriptor import FieldDescriptor as FD
from google.protobuf.message import Message

from . import opaque, registry
from .parse import is_map

_INT64_TYPES = frozenset({FD.TYPE_INT64, FD.TYPE_SINT64, FD.TYPE_SFIXED64, FD.TYPE_UINT64, FD.TYPE_FIXED64})
_WRAPPERS = registry.WRAPPER_TYPES


def canonical_json(msg: Message) -> dict:
    """The istioctl JSON of a message (a top-level message always gives a dict)."""
    out = _message(msg)
    if not isinstance(out, dict):  # a bare well-known type; istioctl never prints one at top level
        return {"value": out}
    return out


def _message(msg: Message) -> AnyValue:
    special = _SPECIAL.get(msg.DESCRIPTOR.full_name)
    if special is not None:
        return special(msg)
    out: dict[str, AnyValue] = {}
    # FieldDescriptor.index is the position in the .proto declaration (ListFields is by number).
    for fd, value in sorted(msg.ListFields(), key=_declaration_index):
        if not fd.is_extension:
            out[fd.json_name] = _field(fd, value)
    return out


def _declaration_index(pair: tuple[FD, AnyValue]) -> int:
    return pair[0].index


def _field(fd: FD, value: AnyValue) -> AnyValue:
    if is_map(fd):
        kfd = fd.message_type.fields_by_name["key"]
        vfd = fd.message_type.fields_by_name["value"]
        keys = sorted(value, key=_map_sort_key(kfd))
        return {_map_key_text(k): _single(vfd, value[k]) for k in keys}
    if fd.is_repeated:
        return [_single(fd, v) for v in value]
    return _single(fd, value)


def _single(fd: FD, value: AnyValue) -> AnyValue:
    t = fd.type
    if t == FD.TYPE_MESSAGE or t == FD.TYPE_GROUP:
        return _message(value)
    if t == FD.TYPE_ENUM:
        if fd.enum_type.full_name == "google.protobuf.NullValue":
            return None
        vd = fd.enum_type.values_by_number.get(value)
        return vd.name if vd is not None else value
    if t in _INT64_TYPES:
        return str(value)
    if t == FD.TYPE_DOUBLE:
        return _number(value)
    if t == FD.TYPE_FLOAT:
        return _number(_shortest_float32(value))
    if t == FD.TYPE_BYTES:
        return base64.b64encode(value).decode("ascii")
    return value


def _number(value: float) -> AnyValue:
    """A double the way Go's encoding/json prints it: NaN/Inf as strings, integral values as ints."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value.is_integer() and abs(value) < 1e21:
        return int(value)
    return value


def _shortest_float32(value: float) -> float:
    """The shortest decimal that reads back as the same float32 (what Go prints for a float32)."""
    if math.isnan(value) or math.isinf(value):
        return value
    packed = struct.pack("<f", value)
    for digits in range(1, 10):
        candidate = float(f"{value:.{digits}g}")
        if struct.pack("<f", candidate) == packed:
            return candidate
    return value


def _map_sort_key(kfd: FD) -> Callable[[AnyValue], AnyValue]:
    if kfd.type == FD.TYPE_STRING:
        return lambda k: k.encode("utf-8")  # Go compares strings bytewise
    return lambda k: k


def _map_key_text(key: AnyValue) -> str:
    if isinstance(key, bool):
        return "true" if key else "false"
    return str(key)


# ---------------------------------------------------------------------------------------------
# Well-known types

def _any(msg: Message) -> dict:
    url = msg.type_url
    if not url and not msg.value:
        return {}  # an unset Any inside its parent, e.g. Wasm `configuration: {}`
    kept = opaque.decode(msg.value)
    if kept is not None:
        return {"@type": kept.get("@type", url), **{k: v for k, v in kept.items() if k != "@type"}}
    cls = registry.message_class(registry.full_name_of(url))
    if cls is None:
        # Not ours and not in xds-protos: keep the bytes rather than fail.
        return {"@type": url, "@value": base64.b64encode(msg.value).decode("ascii")}
    inner = cls()
    inner.ParseFromString(msg.value)
    name = inner.DESCRIPTOR.full_name
    if name in _SPECIAL or name == "google.protobuf.Empty":
        return {"@type": url, "value": _message(inner)}
    body = _message(inner)
    return {"@type": url, **body}


def _duration(msg: Message) -> str:
    seconds, nanos = msg.seconds, msg.nanos
    sign = "-" if seconds < 0 or nanos < 0 else ""
    return f"{sign}{_fraction(abs(seconds), abs(nanos))}s"


def _timestamp(msg: Message) -> str:
    text = msg.ToJsonString()  # RFC 3339 with Z and 0/3/6/9 fractional digits, like jsonpb
    return text


def _fraction(seconds: int, nanos: int) -> str:
    text = f"{seconds}.{nanos:09d}"
    for suffix in ("000", "000", ".000"):
        if text.endswith(suffix):
            text = text[: -len(suffix)]
    return text


def _wrapper(msg: Message) -> AnyValue:
    return _single(msg.DESCRIPTOR.fields_by_name["value"], msg.value)


def _struct(msg: Message) -> dict:
    return {k: _value(msg.fields[k]) for k in sorted(msg.fields, key=lambda s: s.encode("utf-8"))}


def _list_value(msg: Message) -> list:
    return [_value(v) for v in msg.values]


def _value(msg: Message) -> AnyValue:
    kind = msg.WhichOneof("kind")
    if kind is None or kind == "null_value":
        return None
    if kind == "number_value":
        return _number(msg.number_value)
    if kind == "string_value":
        return msg.string_value
    if kind == "bool_value":
        return msg.bool_value
    if kind == "struct_value":
        return _struct(msg.struct_value)
    return _list_value(msg.list_value)


_SPECIAL: dict[str, Callable[[Message], AnyValue]] = {
    "google.protobuf.Any": _any,
    "google.protobuf.Duration": _duration,
    "google.protobuf.Timestamp": _timestamp,
    "google.protobuf.Struct": _struct,
    "google.protobuf.ListValue": _list_value,
    "google.protobuf.Value": _value,
    **{name: _wrapper for name in _WRAPPERS},
}
