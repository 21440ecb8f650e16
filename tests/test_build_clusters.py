"""Clusters against istio-facts.md section 5 (default EDS cluster, DR policies, subsets, fixed clusters)."""
import pytest

from helpers import cluster, compile_yaml
from meshes import SEP, destination_rule, doc, pod, service

MESH = doc(
    service("reviews", "[{name: http, port: 9080}]", cluster_ip="10.96.0.20"),
    pod("reviews-v1-abc", "app: reviews, version: v1", "10.244.0.10",
        spec="serviceAccountName: bookinfo-reviews, containers: [{name: reviews, image: x}]"),
    destination_rule("reviews", "reviews") + """\
  trafficPolicy:
    connectionPool:
      tcp: {maxConnections: 10}
      http: {http2MaxRequests: 1, http1MaxPendingRequests: 5}
  subsets:
  - {name: v1, labels: {version: v1}}
  - name: v2
    labels: {version: v2}
    trafficPolicy:
      loadBalancer: {simple: ROUND_ROBIN}
""",
)


def test_default_cluster_shape_1_30():
    cfg = compile_yaml(MESH.split("---\napiVersion: networking")[0], "deploy/productpage.default")
    c = cluster(cfg, "outbound|9080||reviews.default.svc.cluster.local")
    assert list(c) == ["transportSocketMatches", "name", "altStatName", "type", "edsClusterConfig",
                       "connectTimeout", "lbPolicy", "circuitBreakers", "commonLbConfig", "metadata", "filters"]
    assert c["altStatName"] == "outbound|9080||reviews.default.svc.cluster.local;"
    assert c["edsClusterConfig"] == {"edsConfig": {"ads": {}, "initialFetchTimeout": "0s", "resourceApiVersion": "V3"},
                                     "serviceName": "outbound|9080||reviews.default.svc.cluster.local"}
    assert c["connectTimeout"] == "10s" and c["lbPolicy"] == "LEAST_REQUEST"
    big = 4294967295
    assert c["circuitBreakers"] == {"thresholds": [{"maxConnections": big, "maxPendingRequests": big,
                                                    "maxRequests": big, "maxRetries": big}]}
    assert c["commonLbConfig"] == {}
    assert c["metadata"] == {"filterMetadata": {"istio": {"services": [
        {"host": "reviews.default.svc.cluster.local", "name": "reviews", "namespace": "default"}]}}}
    tls = c["transportSocketMatches"][0]["transportSocket"]["typedConfig"]
    assert tls["sni"] == "outbound_.9080_._.reviews.default.svc.cluster.local"
    sans = tls["commonTlsContext"]["combinedValidationContext"]["defaultValidationContext"]["matchSubjectAltNames"]
    assert sans == [{"exact": "spiffe://cluster.local/ns/default/sa/bookinfo-reviews"}]
    assert c["transportSocketMatches"][1]["name"] == "tlsMode-disabled"


def test_1_17_cluster_differences():
    cfg = compile_yaml(MESH, "deploy/productpage.default", version="1.17")
    c = cluster(cfg, "outbound|9080||reviews.default.svc.cluster.local")
    assert "altStatName" not in c
    assert c["circuitBreakers"]["thresholds"][0]["trackRemaining"] is True
    assert c["commonLbConfig"] == {"localityWeightedLbConfig": {}}
    assert c["filters"][0]["typedConfig"]["@type"] == "type.googleapis.com/envoy.tcp.metadataexchange.config.MetadataExchange"
    assert c["metadata"]["filterMetadata"]["istio"]["config"] == \
        "/apis/networking.istio.io/v1alpha3/namespaces/default/destination-rule/reviews"


def test_connection_pool_and_subset_merge():
    cfg = compile_yaml(MESH, "deploy/productpage.default")
    names = [c["name"] for c in cfg.clusters if "reviews" in c["name"]]
    assert names == ["outbound|9080||reviews.default.svc.cluster.local",
                     "outbound|9080|v1|reviews.default.svc.cluster.local",
                     "outbound|9080|v2|reviews.default.svc.cluster.local"]
    t = cluster(cfg, "outbound|9080|v1|reviews.default.svc.cluster.local")["circuitBreakers"]["thresholds"][0]
    assert (t["maxConnections"], t["maxPendingRequests"], t["maxRequests"], t["maxRetries"]) == (10, 5, 1, 4294967295)
    v2 = cluster(cfg, "outbound|9080|v2|reviews.default.svc.cluster.local")
    assert "lbPolicy" not in v2            # ROUND_ROBIN is the proto default
    assert v2["circuitBreakers"]["thresholds"][0]["maxRequests"] == 1   # inherited block
    assert v2["metadata"]["filterMetadata"]["istio"]["subset"] == "v2"


def test_fixed_clusters_sidecar_and_gateway():
    side = compile_yaml(MESH, "deploy/productpage.default")
    names = [c["name"] for c in side.clusters]
    assert {"BlackHoleCluster", "PassthroughCluster", "InboundPassthroughCluster"} <= set(names)
    old = compile_yaml(MESH, "deploy/productpage.default", version="1.17")
    # cluster_builder.go@1.17.8 buildInboundPassthroughClusters: one per IP family the proxy has (IPv4 here)
    assert [c["name"] for c in old.clusters if c["name"].startswith("InboundPassthrough")] == [
        "InboundPassthroughClusterIpv4"]
    gw = compile_yaml(MESH, "deploy/istio-ingressgateway.istio-system")
    gw_names = {c["name"] for c in gw.clusters}
    assert "BlackHoleCluster" in gw_names and "PassthroughCluster" not in gw_names


def test_service_entry_dns_cluster_and_no_auto_mtls():
    se = """
apiVersion: networking.istio.io/v1alpha3
kind: ServiceEntry
metadata: {name: jsonplaceholder, namespace: istioinaction}
spec:
  hosts: [jsonplaceholder.typicode.com]
  ports: [{number: 80, name: http, protocol: HTTP}]
  resolution: DNS
  location: MESH_EXTERNAL
"""
    cfg = compile_yaml(se, "deploy/forum.istioinaction")
    c = cluster(cfg, "outbound|80||jsonplaceholder.typicode.com")
    assert c["type"] == "STRICT_DNS" and "transportSocketMatches" not in c
    assert c["loadAssignment"]["endpoints"][0]["lbEndpoints"][0]["endpoint"]["address"]["socketAddress"] == \
        {"address": "jsonplaceholder.typicode.com", "portValue": 80}
    assert c["metadata"]["filterMetadata"]["istio"]["external"] is True
    assert c["respectDnsTtl"] is True and c["dnsRefreshRate"] == "60s"


IPV6_POD = SEP + pod("v6pod", "app: v6", "fd00::11", ready=True)


def _inbound_passthrough(cfg):
    return [c for c in cfg.clusters if c["name"].startswith("InboundPassthrough")]


def test_inbound_passthrough_ipv4_pod():
    # model/context.go@1.17.8 DiscoverIPMode (all IPv4 -> IPv4) + cluster_builder.go@1.17.8
    # buildInboundPassthroughClusters: only InboundPassthroughClusterIpv4, bound to 127.0.0.6:0
    [old] = _inbound_passthrough(compile_yaml(MESH, "deploy/productpage.default", version="1.17"))
    assert old["name"] == "InboundPassthroughClusterIpv4"
    assert old["upstreamBindConfig"] == {"sourceAddress": {"address": "127.0.0.6", "portValue": 0}}
    # cluster_builder.go@1.30.3 buildInboundPassthroughCluster: IPv4 source, no extra source addresses
    [new] = _inbound_passthrough(compile_yaml(MESH, "deploy/productpage.default"))
    assert new["upstreamBindConfig"] == {"sourceAddress": {"address": "127.0.0.6", "portValue": 0}}


@pytest.mark.parametrize("version,name", [("1.17", "InboundPassthroughClusterIpv6"),
                                          ("1.30", "InboundPassthroughCluster")])
def test_inbound_passthrough_ipv6_pod(version, name):
    # an IPv6-only proxy: SupportsIPv4 false -> no Ipv4 cluster (1.17.8); src InboundPassthroughBindIpv6
    # "::6" (1.30.3 cluster_builder.go buildInboundPassthroughCluster)
    [c] = _inbound_passthrough(compile_yaml(MESH + IPV6_POD, "v6pod.default", version=version))
    assert c["name"] == name
    assert c["upstreamBindConfig"] == {"sourceAddress": {"address": "::6", "portValue": 0}}


@pytest.mark.parametrize("version", ["1.17", "1.30"])
def test_metadata_keys_print_sorted(version):
    """filterMetadata.istio is a protobuf Struct, whose keys protojson prints sorted (facts 5.2)."""
    cfg = compile_yaml(MESH, "deploy/productpage.default", version=version)
    istio = cluster(cfg, "outbound|9080|v1|reviews.default.svc.cluster.local")["metadata"]["filterMetadata"]["istio"]
    assert "config" in istio and "subset" in istio
    assert list(istio) == sorted(istio)


def test_parts_of_one_policy_are_built_once_per_build():
    """Clusters whose DR blocks are the same objects share the parts made from them (build/memo.py); the
    values are as above, this checks only that the sharing happens, as the N=1000 build relies on it."""
    cfg = compile_yaml(MESH, "deploy/productpage.default")
    names = [f"outbound|9080|{s}|reviews.default.svc.cluster.local" for s in ("", "v1", "v2")]
    default, v1, v2 = (cluster(cfg, n) for n in names)
    assert default["circuitBreakers"] is v1["circuitBreakers"] is v2["circuitBreakers"]   # v2 inherits the pool
    assert default["filters"] is v1["filters"]
    tls = [c["transportSocketMatches"][0]["transportSocket"]["typedConfig"] for c in (default, v1)]
    assert tls[0]["commonTlsContext"] is tls[1]["commonTlsContext"]
    assert (tls[0]["sni"], tls[1]["sni"]) == ("outbound_.9080_._.reviews.default.svc.cluster.local",
                                              "outbound_.9080_.v1_.reviews.default.svc.cluster.local")
