"""JSON text as istioctl prints it: Go's json.MarshalIndent with 4 spaces over protojson output.

Go escapes `<`, `>` and `&` (and U+2028/U+2029) in strings; Python's json does not, so they are
escaped here to keep byte-for-byte parity with `istioctl proxy-config ... -o json`.
"""
from __future__ import annotations

import json
from typing import Any

import orjson

_GO_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def _go_escape(text: str) -> str:
    if not any(ch in text for ch in _GO_ESCAPES):
        return text
    return "".join(_GO_ESCAPES.get(ch, ch) for ch in text)


def istioctl_json(value: Any) -> str:
    """4-space indented JSON, keys in insertion order (the builders insert in .proto declaration order)."""
    return _go_escape(json.dumps(value, indent=4, ensure_ascii=False)) + "\n"


def compact_json(value: Any) -> bytes:
    """Fast machine output (config_dump for tools and the benchmark)."""
    return orjson.dumps(value, option=orjson.OPT_INDENT_2) + b"\n"
