"""JSON text as istioctl prints it: Go's json.MarshalIndent with 4 spaces over protojson output.

Go escapes `<`, `>` and `&` (and U+2028/U+2029) in strings; Python's json does not, so they are
escaped here to keep byte-for-byte parity with `istioctl proxy-config ... -o json`.
"""
from __future__ import annotations

from typing import Any

import orjson

_GO_BYTES = {b"<": b"\\u003c", b">": b"\\u003e", b"&": b"\\u0026",
             "\u2028".encode(): b"\\u2028", "\u2029".encode(): b"\\u2029"}

def _double_indent(data: bytes, compact_has_double_space: bool) -> bytes:
    """2-space indentation -> 4-space. When the compact form holds no two adjacent spaces, every pair of
    spaces in the indented form is indentation: turn each pair into a tab and let expandtabs (in C)
    widen it to 4. Otherwise one C-level replace per depth, deepest first, through a marker byte that
    JSON text never holds (control characters are always escaped)."""
    if not compact_has_double_space:
        return data.replace(b"  ", b"\t").expandtabs(4)
    depth = 0
    while b"\n" + b"  " * (depth + 1) in data:
        depth += 1
    for d in range(depth, 0, -1):
        data = data.replace(b"\n" + b"  " * d, b"\n" + b"\x01" * d)
    return data.replace(b"\x01", b"    ")


def istioctl_json_bytes(value: Any) -> bytes:
    """4-space indented JSON as UTF-8, keys in insertion order (the builders insert in .proto declaration
    order): orjson's 2-space output with the indentation doubled, and Go's HTML escapes applied."""
    double_space = b"  " in orjson.dumps(value)
    data = _double_indent(orjson.dumps(value, option=orjson.OPT_INDENT_2), double_space)
    for raw, escaped in _GO_BYTES.items():
        if raw in data:
            data = data.replace(raw, escaped)
    return data + b"\n"


def istioctl_json(value: Any) -> str:
    return istioctl_json_bytes(value).decode("utf-8")


def compact_json(value: Any) -> bytes:
    """Fast machine output (config_dump for tools and the benchmark)."""
    return orjson.dumps(value, option=orjson.OPT_INDENT_2) + b"\n"
