"""Encoding a large RouteConfiguration one VirtualHost at a time, so an edit re-encodes one host.

A sidecar's port-80 route config holds a virtual host per service: at N=1000, parsing it with
protobuf's ParseDict took seconds on every `serve --watch` reload, although an edit of one
VirtualService changes one host. Protobuf's wire format lets a message be written field by field: a
repeated message field is its items, each as (tag, length, bytes), and deterministic serialization
writes fields in field-number order. RouteConfiguration's `name` is field 1 and `virtual_hosts` field
2, so the whole message is: the name, then each host's own encoding, then every other field. Each
host's bytes are cached by its JSON content (and by identity, for a host handed over again as the very
same object); the result is the same bytes as encoding the whole
message (tests/test_ads_splice.py checks this on compiled route configs).
"""
from __future__ import annotations

from functools import partial
from typing import Optional

from .reuse import ReuseCache, content_key

VIRTUAL_HOST = "envoy.config.route.v3.VirtualHost"
SPLIT_AT = 16          # fewer hosts than this: encoding the whole message is as cheap
_NAME_TAG = 0x0A       # field 1 (name), wire type 2 (length-delimited)
_HOSTS_TAG = b"\x12"   # field 2 (virtual_hosts), wire type 2


def spliced(item: dict) -> bool:
    """Whether route_config_bytes encodes `item` host by host. Such a config is not worth a content key
    of its own: its unchanged hosts are found by identity, and an edited config would miss anyway."""
    hosts = item.get("virtualHosts")
    return isinstance(hosts, list) and len(hosts) >= SPLIT_AT


def reuse_key(kind: str, item: dict, route_config: bool) -> Optional[tuple[str, bytes]]:
    """The content key `item` is reused by; None for a route config encoded host by host (spliced)."""
    return None if route_config and spliced(item) else content_key(kind, item)


def route_config_bytes(item: dict, cache: ReuseCache) -> Optional[bytes]:
    """The deterministic encoding of RouteConfiguration `item`, built from cached per-host parts; None
    when it should be encoded whole (few hosts, or some part does not parse: the whole message then
    reports the error with its full path)."""
    from mesh_compile_xds.messages import ResourceError, to_message

    hosts = item.get("virtualHosts")
    if not isinstance(hosts, list) or len(hosts) < SPLIT_AT:
        return None
    try:   # each host: the very host of the last build (route_memo.py), or one with the same content
        parts = [cache.reuse(host, "virtualHost", partial(content_key, "virtualHost", host),
                             partial(_host_bytes, host)) for host in hosts]
    except ResourceError:
        return None
    shell = {k: v for k, v in item.items() if k != "virtualHosts"}
    try:
        rest = to_message("route", shell).SerializeToString(deterministic=True)
    except ResourceError:
        return None
    head = _name_field_end(rest)
    return b"".join([rest[:head], *(_HOSTS_TAG + _varint(len(p)) + p for p in parts), rest[head:]])


def _host_bytes(host: dict) -> bytes:
    from mesh_compile_xds.parse import parse_json
    return parse_json(VIRTUAL_HOST, host).message.SerializeToString(deterministic=True)


def _name_field_end(data: bytes) -> int:
    """Where field 1 ends in `data` (0 when the message has no name: it then starts with field 3+)."""
    if not data or data[0] != _NAME_TAG:
        return 0
    length, pos = _read_varint(data, 1)
    return pos + length


def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7


def _varint(value: int) -> bytes:
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)
