"""JSON text as istioctl prints it: Go's json.MarshalIndent with 4 spaces over protojson output.

Go escapes `<`, `>` and `&` (and U+2028/U+2029) in strings; Python's json does not, so they are
escaped here to keep byte-for-byte parity with `istioctl proxy-config ... -o json`.
"""
from __future__ import annotations

from typing import Any, Iterator

import msgspec
import orjson

_GO_BYTES = {b"<": b"\\u003c", b">": b"\\u003e", b"&": b"\\u0026",
             "\u2028".encode(): b"\\u2028", "\u2029".encode(): b"\\u2029"}


def _go_escaped(compact: bytes) -> bytes:
    """Go's HTML escapes applied to compact JSON (they can only occur inside strings). U+2028/9 are
    rare: a one-byte search for their lead byte comes first."""
    maybe_e2 = b"\xe2" in compact
    for raw, escaped in _GO_BYTES.items():
        if (len(raw) == 1 or maybe_e2) and raw in compact:
            compact = compact.replace(raw, escaped)
    return compact


def istioctl_json_bytes(value: Any) -> bytes:
    """4-space indented JSON as UTF-8 with its final newline, keys in insertion order (the builders
    insert in .proto declaration order), and Go's HTML escapes: orjson's compact encoding, laid out
    with 4-space indentation by msgspec's C formatter (orjson only indents by 2; re-indenting its
    output in Python passed over every byte several times). The formatter copies strings and
    numbers as they are, so orjson's number forms are kept."""
    return msgspec.json.format(_compact(value), indent=4) + b"\n"


def istioctl_json(value: Any) -> str:
    return istioctl_json_bytes(value).decode("utf-8")


RESOURCES_PER_CHUNK = 256   # list items per encoder call: keeps the per-call cost off the time
CHUNK_BYTES = 4 << 20       # compact text above this is split further: bounds the memory per piece


def istioctl_json_chunks(value: Any) -> Iterator[bytes]:
    """The bytes of istioctl_json_bytes(value), in pieces: writing them as they come keeps one piece's
    text in memory instead of the whole output (the N=10000 config_dump is about 800 MB, and each
    full-size copy of it counts at peak). The containers above the list of resources (the top-level
    list of `pc cluster -o json`, or each section's list inside a config_dump:
    configs[i].dynamicActiveClusters, ...) are written here; the list is encoded a slice at a time, and
    a piece whose compact text is over CHUNK_BYTES (a route configuration with thousands of virtual
    hosts) is taken apart the same way."""
    split_depth = 3 if isinstance(value, dict) and "configs" in value else 0
    yield from _chunks(value, 0, split_depth)
    yield b"\n"


def _chunks(value: Any, depth: int, split_depth: int) -> Iterator[bytes]:
    if isinstance(value, list) and value and depth >= split_depth:
        yield from _list_in_slices(value, depth, split_depth)
    elif isinstance(value, (dict, list)) and value and depth < split_depth:
        yield from _walk(value, depth, split_depth)
    else:
        yield from _piece(value, _compact(value), depth, split_depth)


def _piece(value: Any, compact: bytes, depth: int, split_depth: int) -> Iterator[bytes]:
    """`value` at `depth` (its first line unpadded: it follows a key or a padded comma), from its
    compact text, or taken apart when that is too big."""
    if len(compact) <= CHUNK_BYTES or not isinstance(value, (dict, list)) or not value:
        yield _layout(b"[" * depth + compact + b"]" * depth, depth, pad_first=False)
    else:
        yield from _walk(value, depth, split_depth)


def _walk(value: dict | list, depth: int, split_depth: int) -> Iterator[bytes]:
    """A non-empty container written here, its items each as _chunks."""
    pad = b"\n" + b"    " * (depth + 1)
    opening, closing = (b"{", b"}") if isinstance(value, dict) else (b"[", b"]")
    items = value.items() if isinstance(value, dict) else ((None, v) for v in value)
    yield opening
    for k, (key, item) in enumerate(items):
        yield (b"," if k else b"") + pad
        if key is not None:
            yield _compact(key) + b": "
        yield from _chunks(item, depth + 1, split_depth)
    yield b"\n" + b"    " * depth + closing


def _list_in_slices(value: list, depth: int, split_depth: int) -> Iterator[bytes]:
    """A non-empty list at `depth`, up to RESOURCES_PER_CHUNK items per encoder call. A slice whose
    compact text is too big is written item by item, and a big item taken apart."""
    yield b"["
    for start in range(0, len(value), RESOURCES_PER_CHUNK):
        items = value[start:start + RESOURCES_PER_CHUNK]
        compact = _compact(items)
        lead = b"," if start else b""
        if len(compact) <= CHUNK_BYTES:
            yield lead + b"\n" + _layout(b"[" * depth + compact + b"]" * depth, depth + 1, pad_first=True)
            continue
        for k, item in enumerate(items):
            yield (b"," if start or k else b"") + b"\n" + b"    " * (depth + 1)
            yield from _piece(item, _compact(item), depth + 1, split_depth)
    yield b"\n" + b"    " * depth + b"]"


def _compact(value: Any) -> bytes:
    return _go_escaped(orjson.dumps(value))


def _layout(text: bytes, levels: int, pad_first: bool) -> bytes:
    """Compact JSON whose `levels` outermost brackets only serve to nest the rest `levels` deep:
    formatted with 4-space indentation, less those brackets' own lines ("[\n", "    [\n", ... and
    "\n    ]", "\n]": 4i + 2 bytes each, 2 * levels**2 at either end). The rest's first line keeps
    its padding only with pad_first. Nesting in the encoder costs less than re-padding every line."""
    text = msgspec.json.format(text, indent=4)
    cut = 2 * levels * levels
    return text[cut + (0 if pad_first else 4 * levels):len(text) - cut]


# A config_dump's text around its sections ({"configs": [section, ...]}), so that sections encoded
# apart (cli/parallel_dump.py) join into the bytes istioctl_json_chunks gives for the whole.
CONFIG_DUMP_OPEN = b'{\n    "configs": [\n        '
CONFIG_DUMP_BETWEEN = b",\n        "
CONFIG_DUMP_CLOSE = b"\n    ]\n}\n"


def config_dump_section_chunks(section: dict) -> Iterator[bytes]:
    """One configs[i] of a config_dump, as istioctl_json_chunks writes it inside the whole."""
    return _chunks(section, 2, 3)
