"""mesh_compile_xds.opaque: carrying Any payloads of types Envoy does not define."""
from __future__ import annotations

from google.protobuf import json_format, wrappers_pb2
from google.protobuf.any_pb2 import Any

from mesh_compile_xds import opaque

MX = {"@type": "type.googleapis.com/envoy.tcp.metadataexchange.config.MetadataExchange",
      "protocol": "istio-peer-exchange", "additional": {"z": 1, "a": [True, None]}}


def packed(obj: dict) -> bytes:
    holder = Any()
    json_format.ParseDict(opaque.placeholder(obj), holder)
    return holder.value


def test_placeholder_round_trips_the_json_in_key_order():
    decoded = opaque.decode(packed(MX))
    assert decoded == MX and list(decoded) == list(MX) and list(decoded["additional"]) == ["z", "a"]
    assert opaque.original_type_url(packed(MX)) == MX["@type"]


def test_long_payloads_round_trip():
    big = {"@type": "type.googleapis.com/x.Y", "blob": "x" * 100_000}
    assert opaque.decode(packed(big)) == big


def test_ordinary_payloads_are_not_mistaken_for_placeholders():
    assert opaque.decode(b"") is None
    assert opaque.decode(wrappers_pb2.StringValue(value="hello").SerializeToString()) is None
    assert opaque.decode(b"\x0a\x03abc") is None
    assert opaque.decode(b"\x12\x00garbage") is None
