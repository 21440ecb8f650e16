"""Keeping `Any` payloads whose type xds-protos does not define (Istio proxy extensions).

Istio's output names types that only exist in istio-proxy, e.g. 1.17's
`type.googleapis.com/envoy.tcp.metadataexchange.config.MetadataExchange` or
`istio.envoy.config.filter.http.alpn.v2alpha1.FilterConfig`. Without their schema the JSON cannot
be encoded as real protobuf, so we carry it verbatim: the `Any` keeps the original type URL and
its value holds a `google.protobuf.StringValue` whose text is a marker plus the original JSON.
canonical_json recognises the marker and prints the JSON back unchanged (same keys, same order).

Consequence: such a message is fine for printing and validation, but its binary form is not what
istio-proxy would decode; stock Envoy rejects these types anyway.
"""
from __future__ import annotations

import json
from typing import Any as AnyValue, Optional

from google.protobuf import wrappers_pb2

STRING_VALUE_URL = "type.googleapis.com/google.protobuf.StringValue"
_MARKER = "mesh-compile:opaque-any:"
_MARKER_BYTES = _MARKER.encode()


def placeholder(original: dict) -> dict:
    """A JSON `Any` that json_format can parse and that remembers `original` (which has "@type")."""
    text = _MARKER + json.dumps(original, ensure_ascii=False, separators=(",", ":"))
    return {"@type": STRING_VALUE_URL, "value": text}


def decode(value: bytes) -> Optional[dict]:
    """The original JSON object if `value` is one of our placeholders, else None."""
    # A serialized StringValue is tag 0x0A, a varint length (at most 5 bytes), then the text:
    # check for the marker cheaply before parsing so ordinary payloads cost almost nothing.
    if not value or value[0] != 0x0A or _MARKER_BYTES not in value[: 6 + len(_MARKER_BYTES)]:
        return None
    wrapper = wrappers_pb2.StringValue()
    try:
        wrapper.ParseFromString(value)
    except Exception:
        return None
    if not wrapper.value.startswith(_MARKER):
        return None
    try:
        original: AnyValue = json.loads(wrapper.value[len(_MARKER):])
    except ValueError:
        return None
    return original if isinstance(original, dict) else None


def original_type_url(value: bytes) -> Optional[str]:
    """The type URL remembered in a placeholder payload, or None."""
    original = decode(value)
    url = original.get("@type") if original else None
    return url if isinstance(url, str) else None
