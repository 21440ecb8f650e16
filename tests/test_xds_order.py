"""mesh_compile_xds.order: key order without a protobuf round trip."""
from __future__ import annotations

import pytest

from mesh_compile_xds.messages import ResourceError, canonical_json, order_resource, to_message
from mesh_compile_xds.order import order_keys
from test_xds_messages import SAMPLES, ordered
from test_xds_samples import URL


def scrambled(value):
    """The same data with every dict's keys reversed."""
    if isinstance(value, dict):
        return {k: scrambled(value[k]) for k in reversed(list(value))}
    if isinstance(value, list):
        return [scrambled(v) for v in value]
    return value


@pytest.mark.parametrize("kind,build", SAMPLES, ids=[f"{k}-{i}" for i, (k, _) in enumerate(SAMPLES)])
def test_order_resource_matches_the_protobuf_round_trip(kind, build):
    resource = scrambled(build())
    assert ordered(order_resource(kind, resource)) == ordered(canonical_json(to_message(kind, resource)))


def test_struct_and_map_keys_are_sorted_and_unknown_keys_go_last():
    cluster = {"zzz": 1, "metadata": {"filterMetadata": {"istio": {"b": {"y": 1, "x": 2}, "a": [{"d": 1, "c": 2}]}}},
               "name": "c"}
    out = order_resource("cluster", cluster)
    assert list(out) == ["name", "metadata", "zzz"]
    istio = out["metadata"]["filterMetadata"]["istio"]
    assert list(istio) == ["a", "b"] and list(istio["b"]) == ["x", "y"] and list(istio["a"][0]) == ["c", "d"]


def test_any_of_an_unknown_type_keeps_its_own_order_after_type():
    typed = {"b": 1, "@type": URL + "istio.Unknown", "a": 2}
    assert list(order_keys("google.protobuf.Any", typed)) == ["@type", "b", "a"]


def test_values_are_not_changed():
    cluster = {"connectTimeout": "10.0s", "name": "c"}  # not canonical ("10s"), but left alone
    assert order_resource("cluster", cluster) == {"name": "c", "connectTimeout": "10.0s"}


def test_unknown_kinds_and_types():
    with pytest.raises(ResourceError):
        order_resource("secret", {})
    with pytest.raises(KeyError):
        order_keys("no.such.Type", {})
