"""mesh_compile_xds.pgv: Envoy's protoc-gen-validate annotations, checked in Python."""
from __future__ import annotations

import pytest

from mesh_compile_xds import codes
from mesh_compile_xds.messages import to_message
from mesh_compile_xds.pgv import _go_duration, check
from test_xds_samples import assignment, eds_cluster, http_listener, route_config


def violations(kind: str, resource: dict) -> list[tuple[str, str]]:
    problems = check(to_message(kind, resource))
    assert all(p.code == codes.CONSTRAINT and p.level == "Error" for p in problems)
    return [(p.field, p.message.removeprefix("Envoy constraint: ")) for p in problems]


@pytest.mark.parametrize("kind,build", [("route", route_config), ("cluster", eds_cluster),
                                        ("listener", http_listener), ("endpoint", assignment)])
def test_istio_shaped_resources_satisfy_every_rule(kind, build):
    assert violations(kind, build()) == []


def test_string_min_len():
    cluster = eds_cluster()
    cluster["name"] = ""
    assert ("name", "value length must be at least 1 runes") in violations("cluster", cluster)


def test_duration_gt_zero_uses_go_duration_wording():
    cluster = eds_cluster()
    cluster["connectTimeout"] = "0s"
    assert violations("cluster", cluster) == [("connectTimeout", "value must be greater than 0s")]


def test_enum_defined_only():
    cluster = eds_cluster()
    cluster["lbPolicy"] = 42
    assert violations("cluster", cluster) == [("lbPolicy", "value must be one of the defined enum values")]


def test_repeated_min_items_on_weighted_clusters():
    route = route_config()
    route["virtualHosts"][0]["routes"][0]["route"] = {"weightedClusters": {"clusters": []}}
    assert violations("route", route) == [
        ("virtualHosts[0].routes[0].route.weightedClusters.clusters", "value must contain at least 1 item(s)")]


def test_required_oneof_and_required_message():
    route = route_config()
    del route["virtualHosts"][0]["routes"][0]["route"]       # Route.action is a required oneof
    del route["virtualHosts"][1]["routes"][0]["match"]       # Route.match is a required message
    found = violations("route", route)
    assert ("virtualHosts[0].routes[0].action", "value is required") in found
    assert ("virtualHosts[1].routes[0].match", "value is required") in found


def test_wrapper_values_are_checked_when_set():
    endpoints = assignment()
    endpoints["endpoints"][0]["loadBalancingWeight"] = 0
    assert violations("endpoint", endpoints) == [
        ("endpoints[0].loadBalancingWeight", "value must be greater than or equal to 1")]
    del endpoints["endpoints"][0]["loadBalancingWeight"]  # unset: nothing to check
    assert violations("endpoint", endpoints) == []


def test_numeric_upper_bound():
    cluster = eds_cluster()
    cluster["outlierDetection"] = {"enforcingSuccessRate": 101}
    assert violations("cluster", cluster) == [
        ("outlierDetection.enforcingSuccessRate", "value must be less than or equal to 100")]


def test_header_name_well_known_regex():
    route = route_config()
    route["virtualHosts"][0]["routes"][0]["match"]["headers"][0]["name"] = "end user\n"
    found = violations("route", route)
    assert len(found) == 1 and found[0][0] == "virtualHosts[0].routes[0].match.headers[0].name"
    assert found[0][1].startswith("value does not match regex pattern")


def test_rules_inside_any_payloads_are_checked():
    listener = http_listener()
    hcm = listener["filterChains"][0]["filters"][0]["typedConfig"]
    hcm["statPrefix"] = ""
    assert violations("listener", listener) == [
        ("filterChains[0].filters[0].typedConfig.statPrefix", "value length must be at least 1 runes")]


def test_only_the_set_member_of_a_oneof_is_checked():
    # RouteAction.cluster (min_len 1) is in a oneof with weighted_clusters; unset members are skipped.
    route = route_config()
    route["virtualHosts"][0]["routes"][0]["route"] = {
        "weightedClusters": {"clusters": [{"name": "a", "weight": 1}]}}
    assert violations("route", route) == []


@pytest.mark.parametrize("nanos,text", [
    (0, "0s"), (1, "1ns"), (1_500, "1.5µs"), (1_000_000, "1ms"), (1_000_000_000, "1s"),
    (300_000_000_000, "5m0s"), (3_600_000_000_000, "1h0m0s"), (90_500_000_000, "1m30.5s"), (-2_000_000, "-2ms"),
])
def test_go_duration_strings(nanos, text):
    assert _go_duration(nanos) == text
