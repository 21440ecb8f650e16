"""mesh_compile_xds.parse: JSON -> message, error paths, opaque Any placeholders."""
from __future__ import annotations

import pytest

from mesh_compile_xds import registry
from mesh_compile_xds.parse import ResourceError, _split_parse_error, parse_json, reaches_any

URL = "type.googleapis.com/"
ROUTE_CONFIG = "envoy.config.route.v3.RouteConfiguration"


def vhost_route(**route) -> dict:
    return {"name": "r", "virtualHosts": [{"name": "v", "domains": ["*"], "routes": [route]}]}


def test_snake_case_and_camel_case_both_load():
    a = parse_json(ROUTE_CONFIG, {"name": "r", "validate_clusters": False}).message
    b = parse_json(ROUTE_CONFIG, {"name": "r", "validateClusters": False}).message
    assert a == b and a.HasField("validate_clusters")


def test_map_keys_appear_in_error_paths():
    bad = vhost_route(match={"prefix": "/"}, typedPerFilterConfig={"envoy.filters.http.fault": {
        "@type": URL + "envoy.extensions.filters.http.fault.v3.HTTPFault", "delay": {"fixedDelay": "x"}}})
    with pytest.raises(ResourceError) as caught:
        parse_json(ROUTE_CONFIG, bad)
    assert caught.value.path == "virtualHosts[0].routes[0].typedPerFilterConfig[envoy.filters.http.fault].delay.fixedDelay"
    assert "Duration" in caught.value.reason


def test_unknown_field_inside_a_known_any_is_named():
    bad = vhost_route(match={"prefix": "/"}, typedPerFilterConfig={"f": {
        "@type": URL + "envoy.extensions.filters.http.fault.v3.HTTPFault", "dely": {}}})
    with pytest.raises(ResourceError) as caught:
        parse_json(ROUTE_CONFIG, bad)
    assert caught.value.path == "virtualHosts[0].routes[0].typedPerFilterConfig[f].dely"


def test_any_without_type_is_an_error_not_a_crash():
    with pytest.raises(ResourceError) as caught:
        parse_json(ROUTE_CONFIG, vhost_route(match={"prefix": "/"}, typedPerFilterConfig={"f": {"a": 1}}))
    assert "@type" in caught.value.reason


def test_malformed_well_known_any_is_an_error_not_a_crash():
    bad = vhost_route(match={"prefix": "/"}, typedPerFilterConfig={"f": {"@type": URL + "google.protobuf.Duration"}})
    with pytest.raises(ResourceError):
        parse_json(ROUTE_CONFIG, bad)


def test_unknown_message_type_is_a_resource_error():
    with pytest.raises(ResourceError):
        parse_json("envoy.config.nothing.v3.Nothing", {})


def test_opaque_payloads_anywhere_are_restored_with_their_paths():
    opaque = {"@type": URL + "istio.envoy.config.filter.http.alpn.v2alpha1.FilterConfig",
              "alpnOverride": [{"alpnOverride": ["istio-http/1.0"]}]}
    hcm = {"@type": URL + "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
           "statPrefix": "x", "httpFilters": [{"name": "istio.alpn", "typedConfig": opaque}]}
    listener = {"name": "l", "filterChains": [{"filters": [{"name": "hcm", "typedConfig": hcm}]}]}
    parsed = parse_json("envoy.config.listener.v3.Listener", listener)
    assert [o.path for o in parsed.opaque] == ["filterChains[0].filters[0].typedConfig.httpFilters[0].typedConfig"]
    # The Any two levels down carries the original type URL after parsing.
    packed = parsed.message.filter_chains[0].filters[0].typed_config
    inner = registry.new_message(registry.full_name_of(packed.type_url))
    inner.ParseFromString(packed.value)
    assert inner.http_filters[0].typed_config.type_url == opaque["@type"]


def test_reaches_any_follows_nested_types():
    assert reaches_any(registry.find_descriptor("envoy.config.cluster.v3.Cluster"))
    assert not reaches_any(registry.find_descriptor("envoy.config.core.v3.SocketAddress"))


@pytest.mark.parametrize("text,reason,path", [
    ('Failed to parse a field: Failed to parse b field: Duration must end with letter "s": x. at T.a[0].b.',
     'Duration must end with letter "s": x', "a[0].b"),
    ('Failed to parse a field: Message type "X" has no field named "q" at "T.a[1]".\n Available Fields...',
     'Message type "X" has no field named "q"', "a[1].q"),
    ("something odd", "something odd", None),
])
def test_json_format_messages_are_split_into_reason_and_path(text, reason, path):
    assert _split_parse_error(text) == (reason, path)
