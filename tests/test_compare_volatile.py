"""The volatile list: what is normalised away, only that, and the user's globs."""
from __future__ import annotations

import json

import pytest

from helpers import SHARED
from mesh_compile.compare.normalize import normalize, read_path
from mesh_compile.compare.structural import Difference, compare
from mesh_compile.compare.volatile import (BOOTSTRAP_CLUSTERS, PROXY_IP, VOLATILE, IgnoreSet, describe, glob_regex,
                                           read_ignore_file, strip)

ENDPOINT_DATA = SHARED / "reference/istio/istio-istio/istioctl/pkg/writer/envoy/configdump/testdata/endpoint"


def _cla(name: str, **extra) -> dict:
    return {"clusterName": name, **extra}


def test_bootstrap_and_static_resources_are_dropped():
    snap = normalize({"configs": [
        {"@type": "type.googleapis.com/envoy.admin.v3.ClustersConfigDump",
         "staticClusters": [{"cluster": {"name": "my_static", "type": "STATIC"}}],
         "dynamicActiveClusters": [{"cluster": {"name": n, "connectTimeout": "1s"}} for n in ("agent", "outbound|80||a")]},
        {"@type": "type.googleapis.com/envoy.admin.v3.ListenersConfigDump",
         "dynamicListeners": [{"activeState": {"listener": {"name": n, "address": {}}}}
                              for n in ("0.0.0.0_15090", "0.0.0.0_15021", "0.0.0.0_80")]},
    ]})
    out = strip(snap)
    assert list(out["clusters"]) == ["outbound|80||a"]
    assert list(out["listeners"]) == ["0.0.0.0_80"]
    assert snap.resources["clusters"].keys() == {"my_static", "agent", "outbound|80||a"}, "the snapshot is untouched"


def test_every_bootstrap_cluster_name_is_dropped_from_lists():
    snap = normalize([_cla(n, endpoints=[{"lbEndpoints": [{}]}]) for n in (*BOOTSTRAP_CLUSTERS, "outbound|1||x")])
    assert list(strip(snap)["endpoints"]) == ["outbound|1||x"]


def test_envoy_defaults_are_removed_only_at_their_default():
    lb = {"endpoint": {"address": {"socketAddress": {"address": "10.0.0.1", "portValue": 80}}, "healthCheckConfig": {}}}
    odd = {"endpoint": {"address": {}, "healthCheckConfig": {"portValue": 9}}}
    snap = normalize([_cla("a", endpoints=[{"lbEndpoints": [lb, odd]}], policy={"overprovisioningFactor": 140}),
                      _cla("b", endpoints=[{"lbEndpoints": [lb]}], policy={"overprovisioningFactor": 150}),
                      _cla("empty", policy={"overprovisioningFactor": 140})])
    out = strip(snap)["endpoints"]
    assert out["a"] == {"clusterName": "a", "endpoints": [{"lbEndpoints": [
        {"endpoint": {"address": {"socketAddress": {"address": "10.0.0.1", "portValue": 80}}}}, odd]}]}
    assert out["b"]["policy"] == {"overprovisioningFactor": 150}
    assert "empty" not in out
    assert snap.resources["endpoints"]["a"]["endpoints"][0]["lbEndpoints"][0]["endpoint"]["healthCheckConfig"] == {}


def test_proxy_ip_is_masked_in_listener_names_and_addresses():
    listener = {"name": "10.1.0.9_15006", "address": {"socketAddress": {"address": "10.1.0.9", "portValue": 15006}}}
    other = {"name": "10.2.0.1_80", "address": {"socketAddress": {"address": "10.2.0.1", "portValue": 80}}}
    snap = normalize([listener, other])
    assert list(strip(snap)["listeners"]) == ["10.1.0.9_15006", "10.2.0.1_80"]
    out = strip(snap, ["10.1.0.9"])["listeners"]
    assert out[f"{PROXY_IP}_15006"] == {"name": f"{PROXY_IP}_15006",
                                         "address": {"socketAddress": {"address": PROXY_IP, "portValue": 15006}}}
    assert out["10.2.0.1_80"] == other
    # from the bootstrap of a /config_dump
    dump = {"configs": [{"@type": "type.googleapis.com/envoy.admin.v3.BootstrapConfigDump",
                         "bootstrap": {"node": {"metadata": {"INSTANCE_IPS": "10.1.0.9"}}}},
                        {"@type": "type.googleapis.com/envoy.admin.v3.ListenersConfigDump",
                         "dynamicListeners": [{"activeState": {"listener": listener}}]}]}
    assert list(strip(normalize(dump))["listeners"]) == [f"{PROXY_IP}_15006"]


def test_real_endpoint_dump_equals_istioctl_output_in_both_casings():
    if not ENDPOINT_DATA.is_dir():
        pytest.skip("../shared/reference/istio is not present")
    snake = read_path(str(ENDPOINT_DATA / "configdump.json"))
    printed = read_path(str(ENDPOINT_DATA / "emptyfilter_output.json"))
    assert snake.snake_case and not printed.snake_case
    raw = compare(snake.resources, printed.resources, ("endpoints",))
    assert raw, "without the volatile list they differ (static and empty assignments)"
    assert compare(strip(snake), strip(printed), ("endpoints",)) == []
    from test_compare_casing import protobuf_json
    camel = normalize(protobuf_json(json.loads((ENDPOINT_DATA / "configdump.json").read_text()), snake=False))
    assert compare(strip(camel), strip(printed), ("endpoints",)) == []
    # one changed endpoint address in the printed form is found
    data = json.loads((ENDPOINT_DATA / "emptyfilter_output.json").read_text())
    target = next(c for c in data if c["clusterName"].startswith("outbound|9080||reviews"))
    target["endpoints"][0]["lbEndpoints"][1]["endpoint"]["address"]["socketAddress"]["portValue"] = 9081
    diffs = compare(strip(snake), strip(normalize(data)), ("endpoints",))
    assert [(d.resource_name, d.json_path, d.old, d.new) for d in diffs] == [
        (target["clusterName"], ".endpoints[0].lbEndpoints[1].endpoint.address.socketAddress.portValue", 9080, 9081)]


# ---- globs -----------------------------------------------------------------------------------------
def _diff(kind: str, name: str, parts: tuple) -> Difference:
    from mesh_compile.compare.structural import format_path
    return Difference(kind, name, format_path(parts), 1, 2, parts)


@pytest.mark.parametrize("glob,hit", [
    ("routes/80", True),                               # the whole resource
    ("routes/8", False),                               # not a prefix at a boundary
    ("routes/*.virtualHosts", True),
    ("routes/*.virtualHosts[*].routes[*].route", True),
    ("routes/*.virtualHosts[*].routes[1]", False),
    ('routes/80.virtualHosts["a:80"]', True),          # brackets are literal
    ("*.timeout", True),
    ("*.time", False),
    ("clusters/*", False),
    ("routes/8?", True),
])
def test_ignore_globs_match_a_path_or_an_ancestor(glob, hit):
    d = _diff("routes", "80", ("virtualHosts", "a:80", "routes", 0, "route", "timeout"))
    assert d.full_path == 'routes/80.virtualHosts["a:80"].routes[0].route.timeout'
    assert IgnoreSet([glob]).matches(d.prefixes()) is hit


def test_names_with_dots_are_not_split_by_globs():
    d = _diff("routes", "http.8080", ("virtualHosts",))
    assert not IgnoreSet(["routes/http"]).matches(d.prefixes())
    assert IgnoreSet(["routes/http.8080"]).matches(d.prefixes())


def test_compare_applies_ignores():
    old = {"clusters": {"c": {"name": "c", "connectTimeout": "1s", "metadata": {"filterMetadata": {"istio": {"a": 1}}}}}}
    new = {"clusters": {"c": {"name": "c", "connectTimeout": "2s", "metadata": {"filterMetadata": {"istio": {"a": 2}}}}}}
    assert len(compare(old, new)) == 2
    assert [d.json_path for d in compare(old, new, ignore=IgnoreSet(["clusters/*.metadata"]))] == [".connectTimeout"]
    assert compare(old, new, ignore=IgnoreSet(["clusters/c"])) == []


def test_ignore_file(tmp_path):
    path = tmp_path / "ignore.txt"
    path.write_text("# volatile in our cluster\n\nclusters/*.metadata\n  *.timeout  \n")
    assert read_ignore_file(str(path)) == ["clusters/*.metadata", "*.timeout"]


def test_glob_is_literal_except_star_and_question_mark():
    assert glob_regex("a|b[0].c").fullmatch("a|b[0].c")
    assert not glob_regex("a.c").fullmatch("abc")


def test_describe_lists_every_rule():
    text = describe()
    for rule in VOLATILE:
        assert rule.pattern in text
