"""VirtualService delegation (compiler/build/delegate.py).

Expected values come from istiod pilot/pkg/model/virtualservice.go (mergeHTTPRoute, mergeHTTPMatchRequest,
hasConflict; 1.17.8 and 1.30.3) and its tests virtualservice_test.go (TestHasConflict,
TestMergeHTTPMatchRequests), and istio-facts.md section 3 "Delegate VS".
"""
import pytest

from helpers import compile_yaml, route_config, vhost
from meshes import SEP, doc, service, virtual_service
from mesh_compile.build.delegate import has_conflict, merge_matches
from mesh_compile.model.virtual_service import HTTPMatchRequest

SERVICES = doc(service("productpage", "[{name: http, port: 9080}]", cluster_ip="10.96.0.22"),
               service("reviews", "[{name: http, port: 9080}]", namespace="bookinfo", cluster_ip="10.96.0.20"))

ROOT = SEP + virtual_service("root", "reviews.bookinfo.svc.cluster.local") + """  http:
  - name: r
    match: [{uri: {prefix: /reviews}}]
    timeout: 5s
    delegate: {name: leaf, namespace: bookinfo}
  - name: rest
    route:
    - destination: {host: productpage}
"""

LEAF = SEP + virtual_service("leaf", namespace="bookinfo") + """  exportTo: [{export}]
  http:
  - name: v2
    match: [{uri: {exact: /reviews/v2}, name: m}]
    route:
    - destination: {host: reviews, subset: v2}
  - name: bad
    match: [{uri: {prefix: /other}}]
    route:
    - destination: {host: reviews, subset: v3}
"""


def _routes(export: str = '"*"', version: str = "1.30") -> list[dict]:
    text = SERVICES + ROOT + LEAF.replace("{export}", export)
    cfg = compile_yaml(text, "deploy/productpage.default", version=version)
    return vhost(route_config(cfg, "9080"), "reviews.bookinfo.svc.cluster.local:9080")["routes"]


def test_delegate_routes_merge_into_the_root():
    routes = _routes()
    # mergeHTTPRoute: names joined with '-' (route and match), the root's timeout fills the gap,
    # short names resolve in the delegate's namespace, metadata names the root VS (facts 3);
    # the conflicting `/other` route (not under /reviews) is dropped; the root's next route follows.
    assert [r.get("name") for r in routes] == ["r-v2.m", "rest"]
    first = routes[0]
    assert first["match"] == {"path": "/reviews/v2", "caseSensitive": True}
    assert first["route"]["cluster"] == "outbound|9080|v2|reviews.bookinfo.svc.cluster.local"
    assert first["route"]["timeout"] == "5s"
    assert first["metadata"]["filterMetadata"]["istio"]["config"].endswith("/namespaces/default/virtual-service/root")
    assert routes[1]["route"]["cluster"] == "outbound|9080||productpage.default.svc.cluster.local"


def test_delegate_not_exported_to_the_root_namespace_drops_only_that_route():
    # "delegate virtual service ... is not exported to <root ns>": the root route is skipped
    routes = _routes(export='"."')
    assert [r.get("name") for r in routes] == ["rest"]


def test_delegate_exported_by_namespace_name():
    assert [r.get("name") for r in _routes(export="default")] == ["r-v2.m", "rest"]


def test_delegate_is_never_used_directly():
    # a VS without hosts binds no host: the leaf alone leaves reviews with its default route
    text = SERVICES + LEAF.replace("{export}", '"*"')
    cfg = compile_yaml(text, "deploy/productpage.default")
    routes = vhost(route_config(cfg, "9080"), "reviews.bookinfo.svc.cluster.local:9080")["routes"]
    assert [r["name"] for r in routes] == ["default"]


def _m(**kw) -> HTTPMatchRequest:
    return HTTPMatchRequest.model_validate(kw)


# (root, leaf, conflict) from virtualservice_test.go TestHasConflict
CONFLICTS = [
    ({"uri": {"regex": "^/productpage"}}, {"uri": {"prefix": "/productpage/v2"}}, True),
    ({"uri": {"regex": "^/productpage"}}, {}, False),
    ({}, {"uri": {"regex": "^/productpage"}}, False),
    ({"uri": {"prefix": "/productpage"}}, {"uri": {"regex": "^/productpage"}}, True),
    ({"uri": {"prefix": "/productpage"}}, {"uri": {"prefix": "/productpage/v2"}}, False),
    ({"uri": {"prefix": "/productpage/v2"}}, {"uri": {"prefix": "/productpage"}}, True),
    ({"headers": {"h": {"exact": "a"}}}, {"headers": {"h": {"exact": "b"}}}, True),
    ({"headers": {"h": {"exact": "a"}}}, {"headers": {"h": {"exact": "a"}}}, False),
    ({"headers": {"h": {"prefix": "a"}}}, {"headers": {"h": {"exact": "ab"}}}, False),
    ({"headers": {"h": {"prefix": "b"}}}, {"headers": {"h": {"prefix": "a"}}}, True),
    ({"headers": {"h": {"exact": "a"}}}, {"headers": {"g": {"exact": "a"}}}, False),
    ({"withoutHeaders": {"h": {"exact": "a"}}}, {"withoutHeaders": {"h": {"exact": "b"}}}, True),
    ({"port": 8080}, {"port": 9090}, True),
    ({"port": 8080}, {}, False),
    ({"sourceLabels": {"app": "a"}}, {"sourceLabels": {"app": "b"}}, True),
    ({"sourceNamespace": "a"}, {"sourceNamespace": "b"}, True),
    ({"gateways": ["ns/g1"]}, {"gateways": ["ns/g1", "ns/g2"]}, True),
    ({"ignoreUriCase": True}, {}, True),
]


@pytest.mark.parametrize("root,leaf,expected", CONFLICTS)
def test_has_conflict(root, leaf, expected):
    assert has_conflict(_m(**root), _m(**leaf)) is expected


def test_merge_matches_fills_from_the_root():
    # TestMergeHTTPMatchRequests "multiple header merge"-style: maps are unions, the leaf's uri wins,
    # names join with '-'
    root = [_m(name="a", uri={"prefix": "/productpage"}, headers={"x": {"exact": "1"}}, port=9080)]
    leaf = [_m(name="b", uri={"exact": "/productpage/v1"}, headers={"y": {"exact": "2"}})]
    merged, conflict = merge_matches(root, leaf)
    assert not conflict and len(merged) == 1
    out = merged[0]
    assert out.name == "a-b"
    assert out.uri.exact == "/productpage/v1"
    assert set(out.headers) == {"x", "y"}
    assert out.port == 9080


def test_merge_matches_conflict_when_one_leaf_fits_nowhere():
    # "url mismatch": expected nil
    merged, conflict = merge_matches([_m(uri={"prefix": "/productpage"})], [_m(uri={"exact": "/reviews"})])
    assert conflict and merged == []
