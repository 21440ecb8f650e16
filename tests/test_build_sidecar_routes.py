"""Sidecar route configs against istio-facts.md sections 1 and 13 (the worked bookinfo example)."""
from helpers import compile_yaml, route_config, vhost
from meshes import SEP, destination_rule, doc, external_dns_service_entry, service, sidecar, virtual_service

BOOKINFO = doc(
    service("reviews", "[{name: http, port: 9080}]", cluster_ip="10.96.0.20"),
    service("details", "[{name: http, port: 9080}]", cluster_ip="10.96.0.21"),
    service("productpage", "[{name: http, port: 9080}]", cluster_ip="10.96.0.22"),
    destination_rule("reviews", "reviews") + """\
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
  - {name: v3, labels: {version: v3}}
""",
    virtual_service("reviews", "reviews") + """\
  http:
  - match:
    - headers:
        end-user: {exact: jason}
    route:
    - destination: {host: reviews, subset: v2}
  - route:
    - destination: {host: reviews, subset: v3}
""",
)

R130 = {
    "retryOn": "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes",
    "numRetries": 2,
    "retryHostPredicate": [{"name": "envoy.retry_host_predicates.previous_hosts", "typedConfig": {
        "@type": "type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate"}}],
    "hostSelectionRetryMaxAttempts": "5",
}


def test_worked_example_1_30():
    cfg = compile_yaml(BOOKINFO, "deploy/productpage.default")
    rc = route_config(cfg, "9080")
    assert [vh["name"] for vh in rc["virtualHosts"]] == [
        "details.default.svc.cluster.local:9080", "productpage.default.svc.cluster.local:9080",
        "reviews.default.svc.cluster.local:9080", "allow_any"]
    reviews = vhost(rc, "reviews.default.svc.cluster.local:9080")
    assert reviews["domains"] == ["reviews.default.svc.cluster.local", "reviews.default.svc.cluster.local.",
                                  "reviews", "reviews.default.svc", "reviews.default", "10.96.0.20"]
    meta = {"filterMetadata": {"istio": {"config": "/apis/networking.istio.io/v1/namespaces/default/virtual-service/reviews"}}}
    assert reviews["routes"] == [
        {"match": {"prefix": "/", "caseSensitive": True,
                   "headers": [{"name": "end-user", "stringMatch": {"exact": "jason"}}]},
         "route": {"cluster": "outbound|9080|v2|reviews.default.svc.cluster.local", "timeout": "0s",
                   "retryPolicy": R130, "maxGrpcTimeout": "0s"},
         "metadata": meta,
         "decorator": {"operation": "reviews.default.svc.cluster.local:9080/*"}},
        {"match": {"prefix": "/"},
         "route": {"cluster": "outbound|9080|v3|reviews.default.svc.cluster.local", "timeout": "0s",
                   "retryPolicy": R130, "maxGrpcTimeout": "0s"},
         "metadata": meta,
         "decorator": {"operation": "reviews.default.svc.cluster.local:9080/*"}},
    ]
    assert reviews["includeRequestAttemptCount"] is True
    details = vhost(rc, "details.default.svc.cluster.local:9080")
    assert details["routes"] == [{"name": "default", "match": {"prefix": "/"},
                                  "route": {"cluster": "outbound|9080||details.default.svc.cluster.local",
                                            "timeout": "0s", "retryPolicy": R130, "maxGrpcTimeout": "0s"},
                                  "decorator": {"operation": "details.default.svc.cluster.local:9080/*"}}]
    assert rc["virtualHosts"][-1] == {
        "name": "allow_any", "domains": ["*"],
        "routes": [{"name": "allow_any", "match": {"prefix": "/"},
                    "route": {"cluster": "PassthroughCluster", "timeout": "0s", "maxGrpcTimeout": "0s"}}],
        "includeRequestAttemptCount": True}
    assert list(rc)[2:] == ["validateClusters", "maxDirectResponseBodySizeBytes", "ignorePortInHostMatching"]
    assert rc["validateClusters"] is False and rc["maxDirectResponseBodySizeBytes"] == 1048576


def test_worked_example_1_17_differences():
    cfg = compile_yaml(BOOKINFO, "deploy/productpage.default", version="1.17")
    reviews = vhost(route_config(cfg, "9080"), "reviews.default.svc.cluster.local:9080")
    assert "reviews.default.svc.cluster.local." not in reviews["domains"]
    route = reviews["routes"][0]
    assert route["route"]["retryPolicy"]["retriableStatusCodes"] == [503]
    assert route["metadata"]["filterMetadata"]["istio"]["config"].startswith("/apis/networking.istio.io/v1alpha3/")


def test_other_namespace_short_forms_are_reversed():
    cfg = compile_yaml(BOOKINFO, "deploy/sleep.foo")
    reviews = vhost(route_config(cfg, "9080"), "reviews.default.svc.cluster.local:9080")
    assert reviews["domains"] == ["reviews.default.svc.cluster.local", "reviews.default.svc.cluster.local.",
                                  "reviews.default", "reviews.default.svc", "10.96.0.20"]


WEIGHTED = BOOKINFO.replace("""  - match:
    - headers:
        end-user: {exact: jason}
    route:
    - destination: {host: reviews, subset: v2}
  - route:
    - destination: {host: reviews, subset: v3}""", """  - route:
    - destination: {host: reviews, subset: v1}
      weight: 80
    - destination: {host: reviews, subset: v2}
      weight: 20""")


def test_weighted_split_per_version():
    for version, total in (("1.30", None), ("1.17", 100)):
        cfg = compile_yaml(WEIGHTED, "deploy/productpage.default", version=version)
        route = vhost(route_config(cfg, "9080"), "reviews.default.svc.cluster.local:9080")["routes"][0]
        wc = route["route"]["weightedClusters"]
        assert wc["clusters"] == [{"name": "outbound|9080|v1|reviews.default.svc.cluster.local", "weight": 80},
                                  {"name": "outbound|9080|v2|reviews.default.svc.cluster.local", "weight": 20}]
        assert wc.get("totalWeight") == total
        assert route["decorator"] == {"operation": "reviews:9080/*"}


def test_registry_only_gives_block_all():
    cfg = compile_yaml(BOOKINFO, "deploy/productpage.default", mesh={"outboundTrafficPolicy": {"mode": "REGISTRY_ONLY"}})
    last = route_config(cfg, "9080")["virtualHosts"][-1]
    assert last == {"name": "block_all", "domains": ["*"],
                    "routes": [{"name": "block_all", "match": {"prefix": "/"}, "directResponse": {"status": 502}}],
                    "includeRequestAttemptCount": True}


def test_catch_all_stops_later_routes():
    text = BOOKINFO.replace("""    route:
    - destination: {host: reviews, subset: v2}
  - route:""", """    - uri: {prefix: /}
    route:
    - destination: {host: reviews, subset: v2}
  - route:""")
    cfg = compile_yaml(text, "deploy/productpage.default")
    routes = vhost(route_config(cfg, "9080"), "reviews.default.svc.cluster.local:9080")["routes"]
    # the header match comes first; the prefix-/ block without headers is catch-all, so v3 is dropped
    assert [r["route"]["cluster"].split("|")[2] for r in routes] == ["v2", "v2"]


# --- TCP-declared services on an HTTP route config's port -------------------------------------------------------
# 1.30.3 httproute.go BuildSidecarOutboundVirtualHosts: servicesByName holds every service with the listener's
# port, whatever its protocol; route.go separateVSHostsAndServices then treats a VS host matching one as a
# registry host (foundSvcMatch), so it is no extra `host:80` vhost; BuildSidecarVirtualHostWrapper /
# buildSidecarVirtualHostsForVirtualService give vhosts only to IsHTTPOrSniffed ports (no default route, no
# VS vhost for the TCP service itself).
TCP_ON_80 = doc(
    service("web", "[{name: http, port: 80}]", cluster_ip="10.96.0.30", selector=False),
    external_dns_service_entry("db", "db.example.com", "{number: 80, name: tcp, protocol: TCP}"),
    virtual_service("wild", '"*.example.com"') + """\
  http:
  - route: [{destination: {host: web.default.svc.cluster.local}}]
""",
)
EGRESS_80 = SEP + sidecar() + """\
  egress:
  - port: {number: 80, protocol: HTTP, name: http}
    hosts: ["./*"]
"""


def test_wildcard_vs_host_matching_a_tcp_service_is_no_extra_vhost():
    for text in (TCP_ON_80, TCP_ON_80 + EGRESS_80):
        rc = route_config(compile_yaml(text, "deploy/sleep.default"), "80")
        names = [vh["name"] for vh in rc["virtualHosts"]]
        assert "*.example.com:80" not in names and "db.example.com:80" not in names, names
        assert "web.default.svc.cluster.local:80" in names


def test_route_parts_are_shared_by_the_ports_route_configs():
    """A VirtualService on a two-port service is translated once per port (facts 1.3); the parts that do not
    depend on the port (match, retry policy) are made once (build/memo.py), while the clusters
    keep their own ports (route.GetDestinationCluster: the listener port for a destination without one)."""
    mesh = doc(
        service("ratings", "[{name: http, port: 9080}, {name: http-alt, port: 9090}]", cluster_ip="10.96.0.30"),
        virtual_service("ratings", "ratings") + """\
  http:
  - match:
    - headers:
        end-user: {exact: jason}
    route:
    - destination: {host: ratings}
""",
    )
    cfg = compile_yaml(mesh, "deploy/productpage.default")
    routes = [vhost(route_config(cfg, p), f"ratings.default.svc.cluster.local:{p}")["routes"][0]
              for p in ("9080", "9090")]
    assert [r["route"]["cluster"] for r in routes] == ["outbound|9080||ratings.default.svc.cluster.local",
                                                       "outbound|9090||ratings.default.svc.cluster.local"]
    assert routes[0]["match"]["headers"] == [{"name": "end-user", "stringMatch": {"exact": "jason"}}]
    assert routes[0]["match"] is routes[1]["match"]
    assert routes[0]["route"]["retryPolicy"] is routes[1]["route"]["retryPolicy"]
