"""Gateway route configs against istio-facts.md section 4."""
from helpers import compile_yaml, route_config
from meshes import SEP, doc, gateway, service, virtual_service

GW = doc(gateway("gw") + """  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["*.example.com", "other/b.example.org"]
""", service("httpbin", "[{name: http, port: 8000, targetPort: 8080}]", cluster_ip="10.96.0.30", selector=False))

VS = SEP + virtual_service("httpbin", "a.example.com, c.example.com, b.example.org", gateways="gw") + """  http:
  - match: [{uri: {prefix: /get}}]
    route: [{destination: {host: httpbin}}]
"""


def test_no_virtual_service_gives_blackhole():
    cfg = compile_yaml(GW, "deploy/istio-ingressgateway.istio-system")
    rc = route_config(cfg, "http.8080")
    assert rc["virtualHosts"] == [{"name": "blackhole:80", "domains": ["*"]}]
    assert [lis["name"] for lis in cfg.listeners] == ["0.0.0.0_8080"]


def test_hosts_intersect_collapse_and_ns_scoping():
    cfg = compile_yaml(GW + VS, "deploy/istio-ingressgateway.istio-system")
    rc = route_config(cfg, "http.8080")
    # b.example.org is only for VirtualServices in namespace `other`; a and c share one route list and
    # collapse into the vhost of the alphabetically first host (facts 4.3)
    assert [(v["name"], v["domains"]) for v in rc["virtualHosts"]] == [
        ("a.example.com:80", ["a.example.com", "c.example.com"])]
    route = rc["virtualHosts"][0]["routes"][0]
    # single-port destination: its own port, not the server port (facts 2.5)
    assert route["route"]["cluster"] == "outbound|8000||httpbin.default.svc.cluster.local"
    assert route["decorator"] == {"operation": "httpbin.default.svc.cluster.local:8000/get*"}
    assert route["match"] == {"prefix": "/get", "caseSensitive": True}
    assert list(rc) == ["name", "virtualHosts", "validateClusters", "maxDirectResponseBodySizeBytes",
                        "ignorePortInHostMatching"]


def test_1_17_gateway_has_no_max_direct_response_body():
    cfg = compile_yaml(GW + VS, "deploy/istio-ingressgateway.istio-system", version="1.17")
    assert "maxDirectResponseBodySizeBytes" not in route_config(cfg, "http.8080")


def test_catch_all_routes_move_last_when_virtual_services_merge():
    other = SEP + virtual_service("first", "a.example.com", gateways="gw") + """  http:
  - route: [{destination: {host: httpbin}}]
"""
    cfg = compile_yaml(GW + other + VS, "deploy/istio-ingressgateway.istio-system")
    vh = [v for v in route_config(cfg, "http.8080")["virtualHosts"] if v["name"] == "a.example.com:80"][0]
    assert [r["match"].get("prefix") for r in vh["routes"]] == ["/get", "/"]


def test_match_level_gateway_names_resolve_like_the_virtual_service_gateways():
    """The legacy `gw.default.svc.cluster.local` in a match names the same Gateway as `gw` (facts 2.4;
    istiod's validation accepts it with a warning, while `./gw` is rejected there)."""
    vs = SEP + virtual_service("scoped", "a.example.com", gateways="gw") + """  http:
  - match: [{uri: {prefix: /short}, gateways: [gw]}, {uri: {prefix: /fqdn}, gateways: [gw.default.svc.cluster.local]},
            {uri: {prefix: /other}, gateways: [elsewhere]}]
    route: [{destination: {host: httpbin}}]
"""
    cfg = compile_yaml(GW + vs, "deploy/istio-ingressgateway.istio-system")
    vh = route_config(cfg, "http.8080")["virtualHosts"][0]
    assert [r["match"]["prefix"] for r in vh["routes"]] == ["/short", "/fqdn"]
