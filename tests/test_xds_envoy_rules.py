"""mesh_compile_xds.envoy_rules: Envoy's C++ load-time checks."""
from __future__ import annotations

from mesh_compile_xds import codes
from mesh_compile_xds.envoy_rules import check, duplicate_names
from mesh_compile_xds.messages import to_message
from test_xds_samples import URL, eds_cluster, http_listener, route_config

TCP = URL + "envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy"
ADDRESS = {"socketAddress": {"address": "0.0.0.0", "portValue": 80}}


def found(kind: str, resource: dict) -> list[tuple[str, str, str]]:
    return [(p.code, p.field, p.message) for p in check(to_message(kind, resource))]


def first_route(rc: dict) -> dict:
    return rc["virtualHosts"][0]["routes"][0]


def test_clean_resources_pass():
    assert found("route", route_config()) == []
    assert found("cluster", eds_cluster()) == []
    assert found("listener", http_listener()) == []


def test_negative_and_huge_durations():
    rc = route_config()
    first_route(rc)["route"]["timeout"] = "-1s"
    first_route(rc)["route"]["maxGrpcTimeout"] = "9223372036s"
    assert found("route", rc) == [
        (codes.BAD_DURATION, "virtualHosts[0].routes[0].route.timeout", "Invalid duration: Expected positive duration"),
        (codes.BAD_DURATION, "virtualHosts[0].routes[0].route.maxGrpcTimeout", "Invalid duration: Duration out-of-range"),
    ]
    first_route(rc)["route"]["timeout"] = "0s"
    first_route(rc)["route"]["maxGrpcTimeout"] = "9223372035.999999999s"
    assert found("route", rc) == []


def test_regex_that_re2_rejects():
    rc = route_config()
    first_route(rc)["match"] = {"safeRegex": {"regex": "(?<=a)b"}}
    [(code, field, message)] = found("route", rc)
    assert code == codes.BAD_REGEX and field == "virtualHosts[0].routes[0].match.safeRegex.regex"
    assert "invalid perl operator" in message


def test_regex_program_size_limit_and_its_override():
    rc = route_config()
    first_route(rc)["match"]["headers"][0]["stringMatch"] = {"safeRegex": {"regex": "a{101}"}}
    [(code, _, message)] = found("route", rc)
    assert code == codes.REGEX_TOO_BIG and "program size of 105 > max program size of 100" in message
    first_route(rc)["match"]["headers"][0]["stringMatch"] = {"safeRegex": {"regex": "a{96}"}}
    assert found("route", rc) == []
    first_route(rc)["match"]["headers"][0]["stringMatch"] = {
        "safeRegex": {"googleRe2": {"maxProgramSize": 200}, "regex": "a{101}"}}
    assert found("route", rc) == []


def test_duplicate_domains_are_compared_lower_case_and_wildcard_once():
    rc = route_config()
    rc["virtualHosts"][1]["domains"] = ["*", "REVIEWS"]
    rc["virtualHosts"].append({"name": "other", "domains": ["*"]})
    problems = found("route", rc)
    assert [(c, f) for c, f, _ in problems] == [
        (codes.DUPLICATE_DOMAIN, "virtualHosts[1].domains[1]"),
        (codes.DUPLICATE_DOMAIN, "virtualHosts[2].domains[0]"),
    ]
    assert "Duplicate entry of domain reviews in route 9080" in problems[0][2]
    assert "Only a single wildcard domain is permitted in route 9080" in problems[1][2]


def test_duplicate_virtual_host_names_are_accepted_like_envoy_does():
    rc = route_config()
    rc["virtualHosts"][1]["name"] = rc["virtualHosts"][0]["name"]
    assert found("route", rc) == []


def test_weighted_cluster_weights():
    rc = route_config()
    action = first_route(rc)["route"]
    action.pop("cluster")
    action["weightedClusters"] = {"clusters": [{"name": "a", "weight": 0}, {"name": "b", "weight": 10}]}
    assert found("route", rc) == []  # a single 0 is fine
    action["weightedClusters"]["clusters"][1]["weight"] = 0
    assert [c for c, _, m in found("route", rc) if "Sum of weights" in m] == [codes.BAD_WEIGHTS]
    del action["weightedClusters"]["clusters"][1]["weight"]
    assert [(c, f) for c, f, _ in found("route", rc)] == [
        (codes.BAD_WEIGHTS, "virtualHosts[0].routes[0].route.weightedClusters.clusters[1].weight")]


def test_router_must_be_the_last_http_filter():
    listener = http_listener()
    filters = listener["filterChains"][0]["filters"][0]["typedConfig"]["httpFilters"]
    filters.append(filters.pop(1))  # cors after router
    problems = found("listener", listener)
    assert [(c, f) for c, f, _ in problems] == [
        (codes.FILTER_ORDER, "filterChains[0].filters[0].typedConfig.httpFilters[1]"),
        (codes.FILTER_ORDER, "filterChains[0].filters[0].typedConfig.httpFilters[2]"),
    ]
    assert "must be the last filter" in problems[0][2] and "is the last filter" in problems[1][2]


def test_an_istio_typed_struct_filter_last_is_not_judged():
    listener = http_listener()
    filters = listener["filterChains"][0]["filters"][0]["typedConfig"]["httpFilters"]
    filters[-1] = {"name": "istio.stats", "typedConfig": {"@type": URL + "udpa.type.v1.TypedStruct",
                                                          "typeUrl": URL + "stats.PluginConfig"}}
    assert found("listener", listener) == []


def test_terminal_network_filter_must_be_last():
    listener = http_listener()
    chain = listener["defaultFilterChain"]
    chain["filters"].append(listener["filterChains"][0]["filters"][0])
    assert [(c, f) for c, f, _ in found("listener", listener)] == [
        (codes.FILTER_ORDER, "defaultFilterChain.filters[0]")]


def _tcp_chain(match: dict, name: str = "") -> dict:
    chain = {"filterChainMatch": match, "filters": [
        {"name": "tcp", "typedConfig": {"@type": TCP, "statPrefix": "x", "cluster": "c"}}]}
    return {**chain, "name": name} if name else chain


def test_filter_chains_with_the_same_or_overlapping_matches():
    listener = {"name": "l", "address": ADDRESS, "filterChains": [
        _tcp_chain({"serverNames": ["a", "b"]}, "one"),
        _tcp_chain({"serverNames": ["b", "c"]}, "two"),      # overlaps on "b"
        _tcp_chain({"serverNames": ["d"]}),
        _tcp_chain({"serverNames": ["d"]}),                  # same as #2
        _tcp_chain({"destinationPort": 80, "serverNames": ["a"]}),  # port differs from "any": no clash
        _tcp_chain({"prefixRanges": [{"addressPrefix": "10.1.2.3", "prefixLen": 8}]}),
        _tcp_chain({"prefixRanges": [{"addressPrefix": "10.0.0.0", "prefixLen": 8}]}),  # same CIDR
    ]}
    problems = found("listener", listener)
    assert [(c, f) for c, f, _ in problems] == [
        (codes.FILTER_CHAIN_OVERLAP, "filterChains[1].filterChainMatch"),
        (codes.FILTER_CHAIN_OVERLAP, "filterChains[3].filterChainMatch"),
        (codes.FILTER_CHAIN_OVERLAP, "filterChains[6].filterChainMatch"),
    ]
    assert "'two' has the overlapping matching rules defined as 'one'" in problems[0][2]
    assert "#3 has the same matching rules defined as #2" in problems[1][2]


def test_filter_chain_matcher_makes_filter_chain_match_irrelevant():
    listener = {"name": "l", "address": ADDRESS, "filterChains": [_tcp_chain({}, "a"), _tcp_chain({}, "b")],
                "filterChainMatcher": {"onNoMatch": {"action": {"name": "x", "typedConfig": {
                    "@type": URL + "google.protobuf.StringValue", "value": "a"}}}}}
    assert found("listener", listener) == []


def test_duplicate_resource_names():
    problems = duplicate_names("Cluster", ["a", "b", "a", None, None])
    assert [(p.code, p.name) for p in problems] == [(codes.DUPLICATE_NAME, "a")]


def test_protected_headers_may_not_be_changed():
    rc = route_config()
    first_route(rc)["requestHeadersToAdd"] = [{"header": {"key": ":authority", "value": "x"}},
                                              {"header": {"key": "x-ok", "value": "y"}}]
    rc["virtualHosts"][0]["responseHeadersToRemove"] = ["x-fine", "Host"]
    rc["requestHeadersToRemove"] = [":path"]
    assert [(c, f) for c, f, _ in found("route", rc)] == [
        (codes.HEADER_MUTATION, "requestHeadersToRemove[0]"),
        (codes.HEADER_MUTATION, "virtualHosts[0].responseHeadersToRemove[1]"),
        (codes.HEADER_MUTATION, "virtualHosts[0].routes[0].requestHeadersToAdd[0].header.key"),
    ]


def test_maglev_table_size_must_be_prime_and_listeners_need_an_address():
    cluster = eds_cluster()
    cluster["maglevLbConfig"] = {"tableSize": "1024"}
    assert [(c, f) for c, f, _ in found("cluster", cluster)] == [(codes.ENVOY_RULE, "maglevLbConfig.tableSize")]
    cluster["maglevLbConfig"] = {"tableSize": "65537"}
    assert found("cluster", cluster) == []
    listener = http_listener()
    del listener["address"]
    assert [(c, f) for c, f, _ in found("listener", listener)] == [(codes.ENVOY_RULE, "address")]
    listener["internalListener"] = {}
    assert found("listener", listener) == []
