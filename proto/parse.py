"""proto3 JSON (a plain dict) -> typed protobuf message, with errors that name the failing field.

json_format.ParseDict does the parsing. Before it runs, one walk over the dict (guided by the
descriptors, and only into parts that can hold an `Any`) does two things ParseDict cannot:
it imports the xds-protos module of every `Any` type it meets (so Envoy types we did not import
up front still resolve) and it swaps `Any` payloads of unknown types (Istio proxy extensions) for
opaque placeholders (see opaque.py), restoring their type URLs after parsing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any as AnyValue, Optional

from google.protobuf import json_format
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

from . import opaque, registry

ANY = "google.protobuf.Any"
# Well-known types with a special JSON form: nothing inside them needs the walk.
_SPECIAL_JSON = registry.SPECIAL_JSON_TYPES


class ResourceError(ValueError):
    """A resource that does not load into its Envoy type. `path` is a JSON path inside it."""

    def __init__(self, reason: str, *, kind: Optional[str] = None, name: Optional[str] = None,
                 path: Optional[str] = None) -> None:
        self.reason = reason
        self.kind = kind
        self.name = name
        self.path = path
        super().__init__(self._render())

    def _render(self) -> str:
        where = " ".join(p for p in (self.kind, repr(self.name) if self.name is not None else None) if p)
        at = f" at {self.path}" if self.path else ""
        return f"{where or 'resource'}{at}: {self.reason}"

    def located(self, kind: Optional[str], name: Optional[str]) -> "ResourceError":
        return ResourceError(self.reason, kind=kind, name=name, path=self.path)


@dataclass(frozen=True)
class OpaqueAny:
    """An `Any` whose type xds-protos does not define, kept verbatim."""

    path: str
    type_url: str


@dataclass
class Parsed:
    message: Message
    opaque: list[OpaqueAny] = field(default_factory=list)


def parse_json(full_name: str, obj: AnyValue) -> Parsed:
    """Parse `obj` as the named message type. Raises ResourceError with a JSON path."""
    try:
        msg = registry.new_message(full_name)
    except KeyError:
        raise ResourceError(f"unknown message type {full_name}") from None
    if not isinstance(obj, dict):
        raise ResourceError(f"expected a JSON object for {full_name}, got {type(obj).__name__}")
    found: list[OpaqueAny] = []
    try:
        json_format.ParseDict(_prep_message(msg.DESCRIPTOR, obj, "", found), msg)
    except ResourceError:
        raise
    except json_format.ParseError as err:
        reason, path = _split_parse_error(str(err))
        raise ResourceError(reason, path=path) from None
    except Exception as err:  # json_format lets KeyError & co. escape on malformed input
        raise ResourceError(f"cannot parse: {type(err).__name__}: {err}") from None
    if found:
        restore_opaque(msg)
    return Parsed(msg, found)


# ---------------------------------------------------------------------------------------------
# The walk before ParseDict

def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _prep_message(desc: Descriptor, obj: AnyValue, path: str, found: list[OpaqueAny]) -> AnyValue:
    if desc.full_name == ANY:
        return _prep_any(obj, path, found)
    if not isinstance(obj, dict) or desc.full_name in _SPECIAL_JSON:
        return obj
    fields = fields_by_json_key(desc)
    changed: Optional[dict] = None
    for key, value in obj.items():
        fd = fields.get(key)
        if fd is None:
            raise ResourceError(f'{desc.full_name} has no field named "{key}"', path=_join(path, key))
        if fd.message_type is None or not reaches_any(fd.message_type):
            continue
        new = _prep_field(fd, value, _join(path, key), found)
        if new is not value:
            changed = dict(obj) if changed is None else changed
            changed[key] = new
    return obj if changed is None else changed


def _prep_field(fd: FieldDescriptor, value: AnyValue, path: str, found: list[OpaqueAny]) -> AnyValue:
    if is_map(fd):
        vfd = fd.message_type.fields_by_name["value"]
        if not isinstance(value, dict) or vfd.message_type is None:
            return value
        out = {k: _prep_message(vfd.message_type, v, f"{path}[{k}]", found) for k, v in value.items()}
        return value if all(out[k] is value[k] for k in value) else out
    if fd.is_repeated:
        if not isinstance(value, list):
            return value
        out_list = [_prep_message(fd.message_type, v, f"{path}[{i}]", found) for i, v in enumerate(value)]
        return value if all(a is b for a, b in zip(out_list, value)) else out_list
    return _prep_message(fd.message_type, value, path, found)


def _prep_any(obj: AnyValue, path: str, found: list[OpaqueAny]) -> AnyValue:
    if not isinstance(obj, dict) or not isinstance(obj.get("@type"), str):
        return obj  # ParseDict reports the missing "@type"
    url = obj["@type"]
    desc = registry.find_descriptor(registry.full_name_of(url))
    if desc is None:
        found.append(OpaqueAny(path, url))
        return opaque.placeholder(obj)
    if desc.full_name == ANY:
        return {**obj, "value": _prep_any(obj.get("value"), _join(path, "value"), found)}
    if desc.full_name in _SPECIAL_JSON:
        return dict(obj)
    body = {k: v for k, v in obj.items() if k != "@type"}
    # Always a new dict: json_format deletes and re-adds "@type" while parsing an Any, which
    # would reorder the caller's dict.
    return {"@type": url, **_prep_message(desc, body, path, found)}


# ---------------------------------------------------------------------------------------------
# After ParseDict: give placeholders their original type URL back

def restore_opaque(msg: Message) -> bool:
    """Rewrite placeholder `Any`s to their original type URLs, recursing into packed payloads."""
    changed = False
    for fd, value in msg.ListFields():
        if fd.message_type is None or not reaches_any(fd.message_type):
            continue
        if is_map(fd):
            items = [value[k] for k in value] if fd.message_type.fields_by_name["value"].message_type else []
        elif fd.is_repeated:
            items = list(value)
        else:
            items = [value]
        for item in items:
            changed |= _restore_any(item) if item.DESCRIPTOR.full_name == ANY else restore_opaque(item)
    return changed


def _restore_any(any_msg: Message) -> bool:
    if any_msg.type_url == opaque.STRING_VALUE_URL:
        url = opaque.original_type_url(any_msg.value)
        if url:
            any_msg.type_url = url
            return True
        return False
    cls = registry.message_class(registry.full_name_of(any_msg.type_url))
    if cls is None or not reaches_any(cls.DESCRIPTOR):
        return False
    inner = cls()
    inner.ParseFromString(any_msg.value)
    changed = _restore_any(inner) if inner.DESCRIPTOR.full_name == ANY else restore_opaque(inner)
    if changed:
        any_msg.value = inner.SerializeToString()
    return changed


# ---------------------------------------------------------------------------------------------
# Descriptor helpers (cached: descriptors are immutable)

_json_keys: dict[str, dict[str, FieldDescriptor]] = {}
_reaches: dict[str, bool] = {}


_map_entries: dict[str, bool] = {}


def is_map(fd: FieldDescriptor) -> bool:
    mt = fd.message_type
    if mt is None:
        return False
    known = _map_entries.get(mt.full_name)
    if known is None:
        known = _map_entries[mt.full_name] = mt.GetOptions().map_entry
    return known


def fields_by_json_key(desc: Descriptor) -> dict[str, FieldDescriptor]:
    keys = _json_keys.get(desc.full_name)
    if keys is None:
        keys = {}
        for fd in desc.fields:
            keys[fd.name] = fd
            keys[fd.json_name] = fd
        _json_keys[desc.full_name] = keys
    return keys


def reaches_any(desc: Descriptor, _visiting: Optional[set[str]] = None) -> bool:
    """Whether a message of this type can contain a google.protobuf.Any somewhere inside."""
    name = desc.full_name
    if name in _reaches:
        return _reaches[name]
    if name == ANY:
        return True
    visiting = _visiting if _visiting is not None else set()
    if name in visiting:
        return False  # a cycle adds nothing new; the outermost call decides
    visiting.add(name)
    result = any(
        fd.message_type is not None and reaches_any(fd.message_type, visiting) for fd in desc.fields
    )
    visiting.discard(name)
    if result or _visiting is None:
        _reaches[name] = result
    return result


_AT = re.compile(r'\s+at\s+"?([A-Za-z_]\w*)((?:[.\[][^"\s]*?)?)"?\.*\s*$', re.S)
_FAILED_PREFIX = re.compile(r"^(?:Failed to parse \w+ field: )+")
_NO_FIELD = re.compile(r'has no field named "([^"]+)"')


def _split_parse_error(text: str) -> tuple[str, Optional[str]]:
    """Split json_format's 'Failed to parse a field: ... at Type.a[0].b' into (reason, 'a[0].b')."""
    first_line = text.partition("\n")[0]
    match = _AT.search(first_line)
    path = None
    if match:
        path = match.group(2).lstrip(".") or None
        first_line = first_line[: match.start()]
    reason = _FAILED_PREFIX.sub("", first_line).rstrip(".") or text
    unknown = _NO_FIELD.search(reason)
    if unknown:  # json_format points at the message; point at the field itself
        path = _join(path or "", unknown.group(1))
    return reason, path
