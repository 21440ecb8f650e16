"""protoc-gen-validate rules from Envoy's protos, checked in Python.

Envoy runs the generated validators on every resource it receives (and on every typed config it
instantiates) and NACKs the update on the first violation. The Python protobuf runtime ignores
these `(validate.rules)` annotations, so this module reads them from the descriptors and applies
them: strings (lengths, patterns, well-known header regexes, ...), numbers (ranges, in/not_in),
enums (defined_only), durations, repeated/map sizes, required messages and required oneofs.
Messages follow PGV's wording ("value must be greater than 0s"). Not checked: email, uri and
uri_ref string formats, and timestamp rules relative to "now".
"""
from __future__ import annotations

import ipaddress
import re as pyre
from dataclasses import dataclass
from typing import Any as AnyValue, Callable, Optional

import re2
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message
from validate import validate_pb2

from mesh_compile.diagnostics import ERROR, Problem

from . import codes, registry
from .parse import ANY, is_map

_NO_RECURSE = registry.SPECIAL_JSON_TYPES
_WRAPPERS = registry.WRAPPER_TYPES
_HEADER_NAME = r"^:?[0-9a-zA-Z!#$%&'*+-.^_|~`]+$"
_HEADER_VALUE = "^[^\u0000-\u0008\u000A-\u001F\u007F]*$"
_HEADER_LOOSE = "^[^\u0000\u000A\u000D]*$"
_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOSTNAME = pyre.compile(rf"^(?=.{{1,253}}$){_LABEL}(\.{_LABEL})*\.?$")
_UUID = pyre.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")


def check(msg: Message) -> list[Problem]:
    """Every PGV violation in a message, including inside the payloads of its `Any` fields."""
    out: list[Problem] = []
    _walk(msg, "", out)
    return out


# ---------------------------------------------------------------------------------------------
# Per-type plans (descriptors never change, so this is computed once per message type)

@dataclass(frozen=True)
class _Plan:
    skip: bool
    required_oneofs: tuple[tuple[str, str], ...]  # (oneof name, its name in paths)
    ruled: tuple[tuple[FieldDescriptor, validate_pb2.FieldRules], ...]  # checked even when unset
    ruled_names: frozenset[str]


_plans: dict[str, _Plan] = {}


def _plan(desc: Descriptor) -> _Plan:
    plan = _plans.get(desc.full_name)
    if plan is not None:
        return plan
    opts = desc.GetOptions()
    skip = opts.Extensions[validate_pb2.disabled] or opts.Extensions[validate_pb2.ignored]
    oneofs = tuple((o.name, _camel(o.name)) for o in desc.oneofs
                   if o.GetOptions().Extensions[validate_pb2.required])
    ruled = []
    for fd in desc.fields:
        fopts = fd.GetOptions()
        if fopts.HasExtension(validate_pb2.rules):
            ruled.append((fd, fopts.Extensions[validate_pb2.rules]))
    plan = _Plan(skip, oneofs, tuple(ruled), frozenset(fd.name for fd, _ in ruled))
    _plans[desc.full_name] = plan
    return plan


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


# ---------------------------------------------------------------------------------------------
# The walk

def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _report(out: list[Problem], path: str, text: str) -> None:
    out.append(Problem(ERROR, f"Envoy constraint: {text}", field=path or None, code=codes.CONSTRAINT))


def _walk(msg: Message, path: str, out: list[Problem]) -> None:
    name = msg.DESCRIPTOR.full_name
    if name == ANY:
        _walk_any(msg, path, out)
        return
    if name in _NO_RECURSE:
        return
    plan = _plan(msg.DESCRIPTOR)
    if plan.skip:
        return
    for oneof, json_name in plan.required_oneofs:
        if msg.WhichOneof(oneof) is None:
            _report(out, _join(path, json_name), "value is required")
    for fd, rules in plan.ruled:
        oneof = fd.containing_oneof
        if oneof is not None and msg.WhichOneof(oneof.name) != fd.name:
            continue  # PGV checks only the member that is set
        _check_field(msg, fd, rules, _join(path, fd.json_name), out)
    for fd, _ in msg.ListFields():  # messages without rules of their own: just look inside
        if fd.message_type is not None and fd.name not in plan.ruled_names:
            _check_field(msg, fd, None, _join(path, fd.json_name), out)


def _walk_any(msg: Message, path: str, out: list[Problem]) -> None:
    cls = registry.message_class(registry.full_name_of(msg.type_url)) if msg.type_url else None
    if cls is None:
        return  # unknown (Istio-only) or empty
    inner = cls()
    try:
        inner.ParseFromString(msg.value)
    except Exception:
        return  # an opaque placeholder, see opaque.py
    _walk(inner, path, out)


def _check_field(msg: Message, fd: FieldDescriptor, rules: Optional[validate_pb2.FieldRules],
                 path: str, out: list[Problem]) -> None:
    value = getattr(msg, fd.name)
    if is_map(fd):
        _check_map(fd, value, rules, path, out)
    elif fd.is_repeated:
        _check_repeated(fd, value, rules, path, out)
    elif fd.message_type is not None:
        present = msg.HasField(fd.name)
        if rules is not None:
            if not present and _required(rules):
                _report(out, path, "value is required")
            if present:
                _check_message_rules(value, rules, path, out)
        if present and not (rules is not None and rules.message.skip):
            _walk(value, path, out)
    elif rules is not None:
        _check_scalar(fd, value, rules, path, out)


def _required(rules: validate_pb2.FieldRules) -> bool:
    kind = rules.WhichOneof("type")
    if rules.message.required:
        return True
    return kind in ("duration", "timestamp", "any") and getattr(rules, kind).required


def _check_repeated(fd: FieldDescriptor, values: AnyValue, rules: Optional[validate_pb2.FieldRules],
                    path: str, out: list[Problem]) -> None:
    items = list(values)
    if rules is not None and rules.WhichOneof("type") == "repeated":
        r = rules.repeated
        if not (r.ignore_empty and not items):
            if r.HasField("min_items") and len(items) < r.min_items:
                _report(out, path, f"value must contain at least {r.min_items} item(s)")
            if r.HasField("max_items") and len(items) > r.max_items:
                _report(out, path, f"value must contain no more than {r.max_items} item(s)")
            if r.unique and fd.message_type is None and len(set(items)) != len(items):
                _report(out, path, "repeated value must contain unique items")
            if r.HasField("items"):
                for i, item in enumerate(items):
                    _check_item(fd, item, r.items, f"{path}[{i}]", out)
    if fd.message_type is not None:
        for i, item in enumerate(items):
            _walk(item, f"{path}[{i}]", out)


def _check_map(fd: FieldDescriptor, mapping: AnyValue, rules: Optional[validate_pb2.FieldRules],
               path: str, out: list[Problem]) -> None:
    kfd = fd.message_type.fields_by_name["key"]
    vfd = fd.message_type.fields_by_name["value"]
    if rules is not None and rules.WhichOneof("type") == "map":
        r = rules.map
        if not (r.ignore_empty and not mapping):
            if r.HasField("min_pairs") and len(mapping) < r.min_pairs:
                _report(out, path, f"value must contain at least {r.min_pairs} pair(s)")
            if r.HasField("max_pairs") and len(mapping) > r.max_pairs:
                _report(out, path, f"value must contain no more than {r.max_pairs} pair(s)")
            for key in mapping:
                if r.HasField("keys"):
                    _check_item(kfd, key, r.keys, f"{path}[{key}]", out)
                if r.HasField("values"):
                    _check_item(vfd, mapping[key], r.values, f"{path}[{key}]", out)
    if vfd.message_type is not None:
        for key in mapping:
            _walk(mapping[key], f"{path}[{key}]", out)


def _check_item(fd: FieldDescriptor, value: AnyValue, rules: validate_pb2.FieldRules, path: str,
                out: list[Problem]) -> None:
    """Rules for one list item / map key / map value (message items are walked by the caller)."""
    if fd.message_type is not None:
        _check_message_rules(value, rules, path, out)
    else:
        _check_scalar(fd, value, rules, path, out)


def _check_message_rules(value: Message, rules: validate_pb2.FieldRules, path: str,
                         out: list[Problem]) -> None:
    kind = rules.WhichOneof("type")
    name = value.DESCRIPTOR.full_name
    if kind == "duration" and name == "google.protobuf.Duration":
        if rules.duration.HasField("const") and _nanos(value) != _nanos(rules.duration.const):
            _report(out, path, f"value must equal {_go_duration(_nanos(rules.duration.const))}")
        _range_rules(rules.duration, _nanos(value), _nanos, _go_duration, path, out)
        _in_rules(rules.duration, _nanos(value), _nanos, _go_duration, path, out)
    elif kind == "timestamp" and name == "google.protobuf.Timestamp":
        _range_rules(rules.timestamp, _nanos(value), _nanos, lambda n: f"{n}ns", path, out)
    elif kind == "any" and name == ANY:
        r = rules.any
        if r.required and not value.type_url:
            _report(out, path, "value is required")
        allowed = list(getattr(r, "in"))
        if allowed and value.type_url not in allowed:
            _report(out, path, f"type URL must be in list {allowed}")
        if value.type_url in list(r.not_in):
            _report(out, path, f"type URL must not be in list {list(r.not_in)}")
    elif name in _WRAPPERS and kind not in (None, "message"):
        _check_scalar(value.DESCRIPTOR.fields_by_name["value"], value.value, rules, path, out)


# ---------------------------------------------------------------------------------------------
# Scalars

def _check_scalar(fd: FieldDescriptor, value: AnyValue, rules: validate_pb2.FieldRules, path: str,
                  out: list[Problem]) -> None:
    kind = rules.WhichOneof("type")
    if kind is None or kind in ("message", "repeated", "map", "any", "duration", "timestamp"):
        return
    r = getattr(rules, kind)
    if kind == "string":
        _check_string(r, value, path, out)
    elif kind == "bytes":
        _check_bytes(r, value, path, out)
    elif kind == "bool":
        if r.HasField("const") and value != r.const:
            _report(out, path, f"value must equal {str(r.const).lower()}")
    elif kind == "enum":
        _check_enum(fd, r, value, path, out)
    else:  # numbers
        if getattr(r, "ignore_empty", False) and value == 0:
            return
        if r.HasField("const") and value != r.const:
            _report(out, path, f"value must equal {_num(r.const)}")
        _range_rules(r, value, lambda v: v, _num, path, out)
        _in_rules(r, value, lambda v: v, _num, path, out)


def _check_enum(fd: FieldDescriptor, r: validate_pb2.EnumRules, value: int, path: str,
                out: list[Problem]) -> None:
    if r.HasField("const") and value != r.const:
        _report(out, path, f"value must equal {r.const}")
    if r.defined_only and fd.enum_type is not None and value not in fd.enum_type.values_by_number:
        _report(out, path, "value must be one of the defined enum values")
    _in_rules(r, value, lambda v: v, str, path, out)


def _check_string(r: validate_pb2.StringRules, value: str, path: str, out: list[Problem]) -> None:
    if r.ignore_empty and value == "":
        return
    runes, size = len(value), len(value.encode("utf-8"))
    checks: list[tuple[bool, Callable[[], str]]] = [
        (r.HasField("const") and value != r.const, lambda: f'value must equal "{r.const}"'),
        (r.HasField("len") and runes != r.len, lambda: f"value length must be {r.len} runes"),
        (r.HasField("min_len") and runes < r.min_len, lambda: f"value length must be at least {r.min_len} runes"),
        (r.HasField("max_len") and runes > r.max_len, lambda: f"value length must be at most {r.max_len} runes"),
        (r.HasField("len_bytes") and size != r.len_bytes, lambda: f"value length must be {r.len_bytes} bytes"),
        (r.HasField("min_bytes") and size < r.min_bytes, lambda: f"value length must be at least {r.min_bytes} bytes"),
        (r.HasField("max_bytes") and size > r.max_bytes, lambda: f"value length must be at most {r.max_bytes} bytes"),
        (r.HasField("prefix") and not value.startswith(r.prefix), lambda: f'value does not have prefix "{r.prefix}"'),
        (r.HasField("suffix") and not value.endswith(r.suffix), lambda: f'value does not have suffix "{r.suffix}"'),
        (r.HasField("contains") and r.contains not in value,
         lambda: f'value does not contain substring "{r.contains}"'),
        (r.HasField("not_contains") and r.not_contains in value, lambda: f'value contains substring "{r.not_contains}"'),
    ]
    for failed, text in checks:
        if failed:
            _report(out, path, text())
    if r.HasField("pattern") and not _search(r.pattern, value):
        _report(out, path, f'value does not match regex pattern "{r.pattern}"')
    _in_rules(r, value, lambda v: v, lambda v: f'"{v}"', path, out)
    _well_known_string(r, value, path, out)


def _well_known_string(r: validate_pb2.StringRules, value: str, path: str, out: list[Problem]) -> None:
    which = r.WhichOneof("well_known")
    if which is None:
        return
    if which == "well_known_regex":
        pattern = {validate_pb2.HTTP_HEADER_NAME: _HEADER_NAME if r.strict else _HEADER_LOOSE,
                   validate_pb2.HTTP_HEADER_VALUE: _HEADER_VALUE if r.strict else _HEADER_LOOSE}.get(r.well_known_regex)
        if pattern and not _search(pattern, value):
            _report(out, path, f'value does not match regex pattern "{pattern}"')
        return
    if not getattr(r, which):
        return
    valid = {"ip": _is_ip(value), "ipv4": _is_ip(value, 4), "ipv6": _is_ip(value, 6),
             "hostname": bool(_HOSTNAME.match(value)), "uuid": bool(_UUID.match(value)),
             "address": _is_ip(value) or bool(_HOSTNAME.match(value))}.get(which, True)
    if not valid:
        _report(out, path, f"value must be a valid {which.replace('ipv', 'IPv').replace('ip', 'IP')}")


def _check_bytes(r: validate_pb2.BytesRules, value: bytes, path: str, out: list[Problem]) -> None:
    if r.ignore_empty and not value:
        return
    if r.HasField("len") and len(value) != r.len:
        _report(out, path, f"value length must be {r.len} bytes")
    if r.HasField("min_len") and len(value) < r.min_len:
        _report(out, path, f"value length must be at least {r.min_len} bytes")
    if r.HasField("max_len") and len(value) > r.max_len:
        _report(out, path, f"value length must be at most {r.max_len} bytes")
    if r.HasField("prefix") and not value.startswith(r.prefix):
        _report(out, path, "value does not have the required prefix")


def _is_ip(value: str, version: Optional[int] = None) -> bool:
    try:
        ip = ipaddress.ip_address(value)
    except ValueError:
        return False
    return version is None or ip.version == version


_compiled: dict[str, AnyValue] = {}


def _search(pattern: str, value: str) -> bool:
    regex = _compiled.get(pattern)
    if regex is None:
        options = re2.Options()
        options.log_errors = False
        regex = re2.compile(pattern, options)
        _compiled[pattern] = regex
    return regex.search(value) is not None


# ---------------------------------------------------------------------------------------------
# Ranges, shared by numbers and durations

def _range_rules(r: AnyValue, value: AnyValue, conv: Callable, fmt: Callable, path: str,
                 out: list[Problem]) -> None:
    lo = ("gt", conv(r.gt)) if r.HasField("gt") else ("gte", conv(r.gte)) if r.HasField("gte") else None
    hi = ("lt", conv(r.lt)) if r.HasField("lt") else ("lte", conv(r.lte)) if r.HasField("lte") else None
    below = lo is not None and (value <= lo[1] if lo[0] == "gt" else value < lo[1])
    above = hi is not None and (value >= hi[1] if hi[0] == "lt" else value > hi[1])
    if lo and hi:
        left, right = ("(" if lo[0] == "gt" else "["), (")" if hi[0] == "lt" else "]")
        if hi[1] > lo[1]:
            if below or above:
                _report(out, path, f"value must be inside range {left}{fmt(lo[1])}, {fmt(hi[1])}{right}")
        elif below and above:  # an exclusive range: the value must lie outside [hi, lo]
            outer_l, outer_r = ("[" if hi[0] == "lt" else "("), ("]" if lo[0] == "gt" else ")")
            _report(out, path, f"value must be outside range {outer_l}{fmt(hi[1])}, {fmt(lo[1])}{outer_r}")
    elif below:
        word = "greater than" if lo[0] == "gt" else "greater than or equal to"
        _report(out, path, f"value must be {word} {fmt(lo[1])}")
    elif above:
        word = "less than" if hi[0] == "lt" else "less than or equal to"
        _report(out, path, f"value must be {word} {fmt(hi[1])}")


def _in_rules(r: AnyValue, value: AnyValue, conv: Callable, fmt: Callable, path: str,
              out: list[Problem]) -> None:
    allowed = [conv(v) for v in getattr(r, "in")]
    if allowed and value not in allowed:
        _report(out, path, f"value must be in list [{', '.join(fmt(v) for v in allowed)}]")
    banned = [conv(v) for v in r.not_in]
    if value in banned:
        _report(out, path, f"value must not be in list [{', '.join(fmt(v) for v in banned)}]")


def _num(value: AnyValue) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _nanos(duration: Message) -> int:
    return duration.seconds * 1_000_000_000 + duration.nanos


def _go_duration(nanos: int) -> str:
    """A duration the way Go's time.Duration prints it (PGV's messages use that form)."""
    if nanos == 0:
        return "0s"
    sign, n = ("-" if nanos < 0 else ""), abs(nanos)
    if n < 1_000_000_000:
        if n < 1_000:
            return f"{sign}{n}ns"
        unit, div = ("µs", 1_000) if n < 1_000_000 else ("ms", 1_000_000)
        return sign + _fraction(n, div) + unit
    seconds = _fraction(n % 60_000_000_000, 1_000_000_000) + "s"
    minutes = n // 60_000_000_000
    if minutes == 0:
        return sign + seconds
    hours, minutes = divmod(minutes, 60)
    return f"{sign}{hours}h{minutes}m{seconds}" if hours else f"{sign}{minutes}m{seconds}"


def _fraction(value: int, div: int) -> str:
    whole, rest = divmod(value, div)
    if rest == 0:
        return str(whole)
    return f"{whole}.{rest:0{len(str(div)) - 1}d}".rstrip("0")
