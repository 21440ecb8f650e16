"""mesh_compile_xds.canonical: the jsonpb rules istioctl prints by."""
from __future__ import annotations

import pytest
from google.protobuf import any_pb2, duration_pb2, empty_pb2, field_mask_pb2, struct_pb2, wrappers_pb2

from mesh_compile_xds.canonical import _duration, _shortest_float32, canonical_json
from mesh_compile_xds.messages import parse_as, to_message

URL = "type.googleapis.com/"


def printed(kind: str, resource: dict) -> dict:
    return canonical_json(to_message(kind, resource))


def test_int64_prints_as_string_and_uint32_as_number():
    route = {"name": "r", "virtualHosts": [{"name": "v", "domains": ["*"], "routes": [{
        "match": {"prefix": "/"},
        "route": {"cluster": "c", "retryPolicy": {"numRetries": 2, "hostSelectionRetryMaxAttempts": 5}}}]}]}
    policy = printed("route", route)["virtualHosts"][0]["routes"][0]["route"]["retryPolicy"]
    assert policy == {"numRetries": 2, "hostSelectionRetryMaxAttempts": "5"}


def test_defaults_are_omitted_but_wrappers_are_kept():
    cluster = {"name": "c", "type": "STATIC", "lbPolicy": "ROUND_ROBIN", "respectDnsTtl": False,
               "outlierDetection": {"enforcingSuccessRate": 0}, "perConnectionBufferLimitBytes": 0}
    out = printed("cluster", cluster)
    # ROUND_ROBIN is the first enum value and respectDnsTtl a plain bool: omitted. `type` is a
    # oneof member, so STATIC (also the first value) is kept, as istioctl shows for BlackHoleCluster.
    assert out == {"name": "c", "type": "STATIC", "perConnectionBufferLimitBytes": 0,
                   "outlierDetection": {"enforcingSuccessRate": 0}}


def test_fields_follow_declaration_order_not_field_numbers():
    # Route.name is field 14 but declared first; decorator (5) after metadata (4) by declaration.
    route = {"decorator": {"operation": "x"}, "metadata": {}, "route": {"cluster": "c"},
             "match": {"prefix": "/"}, "name": "n"}
    rc = {"name": "r", "virtualHosts": [{"name": "v", "domains": ["*"], "routes": [route]}]}
    out = printed("route", rc)["virtualHosts"][0]["routes"][0]
    assert list(out) == ["name", "match", "route", "metadata", "decorator"]


def test_map_keys_and_struct_keys_are_sorted():
    cluster = {"name": "c", "metadata": {"filterMetadata": {
        "istio": {"subset": "v1", "config": "/x", "services": [{"namespace": "d", "name": "n", "host": "h"}]},
        "envoy.lb": {"b": 1, "a": 2}}}}
    meta = printed("cluster", cluster)["metadata"]["filterMetadata"]
    assert list(meta) == ["envoy.lb", "istio"]
    assert list(meta["istio"]) == ["config", "services", "subset"]
    assert list(meta["istio"]["services"][0]) == ["host", "name", "namespace"]
    assert list(meta["envoy.lb"]) == ["a", "b"]


def test_struct_numbers_print_like_go():
    cluster = {"name": "c", "metadata": {"filterMetadata": {"x": {"whole": 100, "half": 0.5, "none": None}}}}
    values = printed("cluster", cluster)["metadata"]["filterMetadata"]["x"]
    assert values == {"half": 0.5, "none": None, "whole": 100}
    assert isinstance(values["whole"], int)


def test_any_puts_type_first_and_inlines_fields():
    cluster = {"name": "c", "transportSocket": {"name": "tls", "typedConfig": {
        "sni": "a.b", "@type": URL + "envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext"}}}
    typed = printed("cluster", cluster)["transportSocket"]["typedConfig"]
    assert list(typed) == ["@type", "sni"]


def test_well_known_types_inside_any_use_a_value_key():
    holder = any_pb2.Any()
    holder.Pack(duration_pb2.Duration(seconds=1, nanos=500_000_000))
    assert canonical_json(holder) == {"@type": URL + "google.protobuf.Duration", "value": "1.500s"}
    holder.Pack(wrappers_pb2.StringValue(value="x"))
    assert canonical_json(holder) == {"@type": URL + "google.protobuf.StringValue", "value": "x"}
    holder.Pack(empty_pb2.Empty())
    assert canonical_json(holder) == {"@type": URL + "google.protobuf.Empty", "value": {}}
    inner = any_pb2.Any()
    inner.Pack(struct_pb2.Struct())
    holder.Pack(inner)
    assert canonical_json(holder) == {"@type": URL + "google.protobuf.Any",
                                      "value": {"@type": URL + "google.protobuf.Struct", "value": {}}}


def test_an_unset_any_prints_as_an_empty_object():
    wasm = parse_as("envoy.extensions.filters.http.wasm.v3.Wasm", {"config": {"name": "x", "configuration": {}}})
    assert canonical_json(wasm) == {"config": {"name": "x", "configuration": {}}}


@pytest.mark.parametrize("seconds,nanos,text", [
    (0, 0, "0s"), (10, 0, "10s"), (1, 500_000_000, "1.500s"), (0, 1_000, "0.000001s"),
    (0, 1, "0.000000001s"), (300, 0, "300s"), (-1, -500_000_000, "-1.500s"), (0, 100_000_000, "0.100s"),
])
def test_durations_have_0_3_6_or_9_fraction_digits(seconds, nanos, text):
    assert _duration(duration_pb2.Duration(seconds=seconds, nanos=nanos)) == text


def test_unknown_enum_numbers_print_as_numbers():
    out = printed("cluster", {"name": "c", "lbPolicy": 99})
    assert out["lbPolicy"] == 99


def test_bytes_print_as_base64_and_doubles_without_a_fraction():
    route = {"name": "r", "virtualHosts": [{"name": "v", "domains": ["*"], "routes": [{
        "match": {"prefix": "/"}, "directResponse": {"status": 200, "body": {"inlineBytes": "aGk="}}}]}]}
    body = printed("route", route)["virtualHosts"][0]["routes"][0]["directResponse"]["body"]
    assert body == {"inlineBytes": "aGk="}
    cluster = {"name": "c", "roundRobinLbConfig": {"slowStartConfig": {
        "aggression": {"defaultValue": 1.0, "runtimeKey": "("}}}}
    aggression = printed("cluster", cluster)["roundRobinLbConfig"]["slowStartConfig"]["aggression"]
    assert aggression == {"defaultValue": 1, "runtimeKey": "("}
    assert isinstance(aggression["defaultValue"], int)


def test_field_mask_prints_as_a_message_like_legacy_jsonpb():
    holder = any_pb2.Any()
    holder.Pack(field_mask_pb2.FieldMask(paths=["a.b", "c"]))
    assert canonical_json(holder) == {"@type": URL + "google.protobuf.FieldMask", "paths": ["a.b", "c"]}


def test_float32_prints_its_shortest_decimal():
    assert _shortest_float32(0.10000000149011612) == 0.1
    assert _shortest_float32(1.5) == 1.5
