"""JSON text as istioctl prints it: Go's json.MarshalIndent with 4 spaces over protojson output.

Go escapes `<`, `>` and `&` (and U+2028/U+2029) in strings; Python's json does not, so they are
escaped here to keep byte-for-byte parity with `istioctl proxy-config ... -o json`.
"""
from __future__ import annotations

from typing import Any, Iterator

import orjson

_GO_BYTES = {b"<": b"\\u003c", b">": b"\\u003e", b"&": b"\\u0026",
             "\u2028".encode(): b"\\u2028", "\u2029".encode(): b"\\u2029"}

def _double_indent(data: bytes, compact_has_double_space: bool) -> bytes:
    """2-space indentation -> 4-space. When the compact form holds no two adjacent spaces, every pair of
    spaces in the indented form is indentation (an even run at a line start), so one C-level replace
    of each pair by four spaces does it. Otherwise one C-level replace per depth, deepest first,
    through a marker byte that JSON text never holds (control characters are always escaped)."""
    if not compact_has_double_space:
        return data.replace(b"  ", b"    ")
    depth = 0
    while b"\n" + b"  " * (depth + 1) in data:
        depth += 1
    for d in range(depth, 0, -1):
        data = data.replace(b"\n" + b"  " * d, b"\n" + b"\x01" * d)
    return data.replace(b"\x01", b"    ")


def istioctl_json_bytes(value: Any) -> bytes:
    """4-space indented JSON as UTF-8, keys in insertion order (the builders insert in .proto declaration
    order): orjson's 2-space output with the indentation doubled, and Go's HTML escapes applied."""
    # What needs doing is found in the smaller compact form (a one-byte search first, as U+2028/9
    # are rare), which is then dropped: at N=10000 each form of the output is hundreds of MB.
    compact = orjson.dumps(value)
    double_space = b"  " in compact
    maybe_e2 = b"\xe2" in compact
    to_escape = [raw for raw in _GO_BYTES if (len(raw) == 1 or maybe_e2) and raw in compact]
    del compact
    # The final newline comes from orjson: appending it here would copy the whole output once more.
    data = _double_indent(orjson.dumps(value, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE),
                          double_space)
    for raw in to_escape:
        data = data.replace(raw, _GO_BYTES[raw])
    return data


def istioctl_json(value: Any) -> str:
    return istioctl_json_bytes(value).decode("utf-8")


RESOURCES_PER_CHUNK = 256


def istioctl_json_chunks(value: Any) -> Iterator[bytes]:
    """The bytes of istioctl_json_bytes(value), in pieces of at most RESOURCES_PER_CHUNK resources:
    the list of resources (the top-level list of `pc cluster -o json`, or each section's list inside a
    config_dump: configs[i].dynamicActiveClusters, ...) is encoded a slice at a time, the containers
    above it here. Writing the pieces as they come keeps a slice's text in memory instead of the whole
    output (the N=10000 config_dump is about 800 MB, and each full-size copy of it counts at peak),
    while slices keep the per-call cost of the encoder off the time."""
    split_depth = 3 if isinstance(value, dict) and "configs" in value else 0
    yield from _chunks(value, 0, split_depth)
    yield b"\n"


def _chunks(value: Any, depth: int, split_depth: int) -> Iterator[bytes]:
    if not isinstance(value, (dict, list)) or not value or depth > split_depth and not _is_big(value):
        yield _indented(istioctl_json_bytes(value)[:-1], depth)    # without its final newline
        return
    if isinstance(value, list) and (depth == split_depth or len(value) > RESOURCES_PER_CHUNK):
        yield from _list_in_slices(value, depth, split_depth)
        return
    pad = b"\n" + b"    " * (depth + 1)
    opening, closing = (b"{", b"}") if isinstance(value, dict) else (b"[", b"]")
    items = value.items() if isinstance(value, dict) else ((None, v) for v in value)
    yield opening
    for k, (key, item) in enumerate(items):
        yield (b"," if k else b"") + pad
        if key is not None:
            yield istioctl_json_bytes(key)[:-1] + b": "
        yield from _chunks(item, depth + 1, split_depth)
    yield b"\n" + b"    " * depth + closing


def _list_in_slices(value: list, depth: int, split_depth: int) -> Iterator[bytes]:
    """A non-empty list at `depth`, up to RESOURCES_PER_CHUNK items per encoder call: each slice's text
    without its brackets ("[\n    item,\n    item\n]") is the items at the right depth once shifted.
    A big item (a route configuration with thousands of virtual hosts) is split on its own."""
    yield b"["
    first, start = True, 0
    while start < len(value):
        if _is_big(value[start]):
            yield (b"" if first else b",") + b"\n" + b"    " * (depth + 1)
            yield from _chunks(value[start], depth + 1, split_depth)
            start += 1
        else:
            end = start + 1
            while end < len(value) and end - start < RESOURCES_PER_CHUNK and not _is_big(value[end]):
                end += 1
            text = istioctl_json_bytes(value[start:end])[2:-3]
            yield (b"" if first else b",") + b"\n" + _indented(text, depth, first_line=True)
            start = end
        first = False
    yield b"\n" + b"    " * depth + b"]"


def _is_big(value: Any, levels: int = 2) -> bool:
    """A list longer than RESOURCES_PER_CHUNK, or a dict holding one within `levels` levels of dicts: a
    route configuration's virtualHosts, directly or inside its config_dump entry ({"routeConfig": ...})."""
    if isinstance(value, list):
        return len(value) > RESOURCES_PER_CHUNK
    if isinstance(value, dict) and levels:
        for item in value.values():
            if isinstance(item, list) and len(item) > RESOURCES_PER_CHUNK:
                return True
            if isinstance(item, dict) and levels > 1 and _is_big(item, levels - 1):
                return True
    return False


def _indented(text: bytes, depth: int, first_line: bool = False) -> bytes:
    """`text` (encoded at depth 0) moved to `depth`: every line but the first gains the padding (the
    first sits after a key or a comma already padded), or every line with `first_line`."""
    if not depth:
        return text
    pad = b"    " * depth
    if b"\n" in text:
        text = text.replace(b"\n", b"\n" + pad)
    return pad + text if first_line else text
