"""SNI-DNAT clusters against istiod's cluster.go buildOutboundSniDnatClusters and cluster_builder.go /
cluster_traffic_policy.go SniDnatClusterMode (1.17.8 v1alpha3/, 1.30.3 core/); facts 4.4 and 5.1."""
import pytest

from helpers import cluster, compile_yaml
from meshes import SEP, deployment, destination_rule, doc, external_dns_service_entry, gateway, pod, service

GW = "deploy/istio-ingressgateway.istio-system"
MESH = doc(
    service("web", "[{name: http, port: 80, targetPort: 8080}, {name: dns, port: 53, protocol: UDP}]",
            namespace="shop", cluster_ip="10.96.0.21", selector=False),
    destination_rule("web", "web.shop.svc.cluster.local", namespace="shop") + """\
  trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}
  subsets: [{name: v1, labels: {version: v1}}]
""",
    external_dns_service_entry("ext", "api.example.com", "{number: 443, name: tls, protocol: TLS}", namespace="shop"),
)
CROSS = SEP + gateway("cross", namespace="istio-system") + """\
  - port: {number: 15443, name: tls, protocol: TLS}
    hosts: ["*.local"]
    tls: {mode: AUTO_PASSTHROUGH}
"""
DEFAULT = "outbound_.80_._.web.shop.svc.cluster.local"
SUBSET = "outbound_.80_.v1_.web.shop.svc.cluster.local"


def names(cfg):
    return [c["name"] for c in cfg.clusters]


def test_none_without_an_auto_passthrough_server():
    # cluster.go: only when MergedGateway.ContainsAutoPassthroughGateways
    assert not [n for n in names(compile_yaml(MESH, GW)) if n.startswith("outbound_.")]


@pytest.mark.parametrize("version", ["1.17", "1.30"])
def test_after_blackhole_one_per_port_and_subset(version):
    # gateways: outbound clusters, BlackHoleCluster, then the SNI-DNAT ones; UDP ports and MESH_EXTERNAL
    # services are skipped; subsets from the DestinationRule
    got = names(compile_yaml(MESH + CROSS, GW, version))
    tail = got[got.index("BlackHoleCluster") + 1:]
    assert tail == [DEFAULT, SUBSET]


@pytest.mark.parametrize("version", ["1.17", "1.30"])
def test_no_upstream_tls_even_with_istio_mutual(version):
    # applyTrafficPolicy: SniDnatClusterMode skips buildUpstreamTLSSettings; the client's mTLS passes through
    cfg = compile_yaml(MESH + CROSS, GW, version)
    assert "transportSocket" in cluster(cfg, "outbound|80||web.shop.svc.cluster.local")
    for name in (DEFAULT, SUBSET):
        c = cluster(cfg, name)
        assert "transportSocket" not in c and "transportSocketMatches" not in c


def test_named_everywhere_by_the_sni_key():
    # BuildDNSSrvSubsetKey names the cluster; maybeApplyEdsConfig uses the cluster name as EDS service name;
    # buildCluster altStatName DelimitedStatsPrefix(name) (1.24+)
    c = cluster(compile_yaml(MESH + CROSS, GW), SUBSET)
    assert c["altStatName"] == SUBSET + ";"
    assert c["type"] == "EDS"
    assert c["edsClusterConfig"]["serviceName"] == SUBSET
    # metadata as for the normal subset cluster: the DR, the service, the subset
    istio = c["metadata"]["filterMetadata"]["istio"]
    assert istio["subset"] == "v1"
    assert istio["config"] == "/apis/networking.istio.io/v1/namespaces/shop/destination-rule/web"
    assert istio["services"] == [{"host": "web.shop.svc.cluster.local", "name": "web", "namespace": "shop"}]


def test_sidecars_never_get_them():
    mesh = MESH + CROSS + SEP + deployment("app", "app: app", namespace="shop")
    assert not [n for n in names(compile_yaml(mesh, "deploy/app.shop")) if n.startswith("outbound_.")]


def test_listener_chains_name_existing_clusters():
    # every AUTO_PASSTHROUGH chain's tcp_proxy cluster is one of the SNI-DNAT clusters
    cfg = compile_yaml(MESH + CROSS, GW)
    [lis] = [x for x in cfg.listeners if x["name"] == "0.0.0.0_15443"]
    targets = [c["filters"][-1]["typedConfig"]["cluster"] for c in lis["filterChains"]]
    assert targets == [DEFAULT, SUBSET]
    assert set(targets) <= set(names(cfg))


PODS = SEP + doc(
    pod("web-a", "app: web, version: v1, security.istio.io/tlsMode: istio", "10.244.0.11",
        namespace="shop", ready=True),
    pod("web-b", "app: web, version: v2, security.istio.io/tlsMode: disabled", "10.244.0.12",
        namespace="shop", ready=True),
)


def test_eds_keeps_only_mtls_endpoints():
    # endpoint_builder.go: for IsDNSSrvSubsetKey clusters, EndpointsWithMTLSFilter drops endpoints whose
    # transport-socket match is not tlsMode istio (the gateway forwards opaque mTLS, it cannot check it)
    # (without the DestinationRule's ISTIO_MUTUAL, which would mark every endpoint mTLS: mtls_checker.go)
    text = MESH.replace("  ports: [{name: http, port: 80", "  selector: {app: web}\n  ports: [{name: http, port: 80", 1)
    text = text.replace("  trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}\n", "")
    cfg = compile_yaml(text + CROSS + PODS, GW)
    by_name = {a["clusterName"]: a for a in cfg.endpoints}
    addrs = lambda a: [e["endpoint"]["address"]["socketAddress"]["address"]
                       for loc in a.get("endpoints", []) for e in loc["lbEndpoints"]]
    assert sorted(addrs(by_name["outbound|80||web.shop.svc.cluster.local"])) == ["10.244.0.11", "10.244.0.12"]
    assert addrs(by_name[DEFAULT]) == ["10.244.0.11"]
    assert addrs(by_name[SUBSET]) == ["10.244.0.11"]
    assert by_name[DEFAULT]["endpoints"][0]["loadBalancingWeight"] == 1


def test_parse_sni_key():
    from mesh_compile.build.sni_dnat import parse_sni_key

    # model.BuildDNSSrvSubsetKey / ParseSubsetKey: `_` stands for the empty subset
    assert parse_sni_key(DEFAULT) == ("outbound", 80, "", "web.shop.svc.cluster.local")
    assert parse_sni_key(SUBSET) == ("outbound", 80, "v1", "web.shop.svc.cluster.local")
    assert parse_sni_key("outbound|80||web.shop.svc.cluster.local") is None


SIMPLE_DR = MESH.replace("trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}", "trafficPolicy: {tls: {mode: SIMPLE}}")
HTTP_OPTIONS = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions"


def test_no_auto_sni_options_without_tls():
    # cluster_traffic_policy.go@1.30.3 applyTrafficPolicy: SniDnatClusterMode skips buildUpstreamTLSSettings /
    # applyUpstreamTLSSettings, so cluster_tls.go setAutoSniAndAutoSanValidation never runs and no
    # httpProtocolOptions are created; clusterWrapper.build (cluster_builder.go@1.30.3) then adds no
    # typedExtensionProtocolOptions (its default explicitHttpConfig comes only with other options)
    cfg = compile_yaml(SIMPLE_DR + CROSS, GW, "1.30")
    normal = cluster(cfg, "outbound|80||web.shop.svc.cluster.local")
    assert normal["typedExtensionProtocolOptions"][HTTP_OPTIONS]["upstreamHttpProtocolOptions"] == {
        "autoSni": True, "autoSanValidation": True}
    for name in (DEFAULT, SUBSET):
        assert "typedExtensionProtocolOptions" not in cluster(cfg, name)


def test_other_http_options_kept_without_auto_sni():
    # applyConnectionPool still runs in SniDnatClusterMode (cluster_traffic_policy.go@1.30.3): idleTimeout
    # gives commonHttpProtocolOptions, and clusterWrapper.build its default explicitHttpConfig (HTTP/1.1)
    text = SIMPLE_DR.replace("{tls: {mode: SIMPLE}}",
                             "{tls: {mode: SIMPLE}, connectionPool: {http: {idleTimeout: 30s}}}")
    cfg = compile_yaml(text + CROSS, GW, "1.30")
    options = cluster(cfg, DEFAULT)["typedExtensionProtocolOptions"][HTTP_OPTIONS]
    assert "upstreamHttpProtocolOptions" not in options
    assert options["commonHttpProtocolOptions"] == {"idleTimeout": "30s"}
    assert options["explicitHttpConfig"] == {"httpProtocolOptions": {}}
