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


def istioctl_json_chunks(value: Any, split_depth: int = 3) -> Iterator[bytes]:
    """The bytes of istioctl_json_bytes(value), in pieces: containers down to `split_depth` are written
    here, the values below them (for a config_dump: each resource) are encoded one at a time. Writing
    the pieces as they come keeps one resource's text in memory instead of the whole output (the
    N=10000 config_dump is about 800 MB, and each full-size copy of it counts at peak)."""
    yield from _chunks(value, 0, split_depth)
    yield b"\n"


def _chunks(value: Any, depth: int, split_depth: int) -> Iterator[bytes]:
    if depth >= split_depth or not isinstance(value, (dict, list)) or not value:
        text = istioctl_json_bytes(value)[:-1]           # without its final newline
        yield text.replace(b"\n", b"\n" + b"    " * depth) if depth and b"\n" in text else text
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
