"""Sidecar inbound clusters `inbound|<port>||` (compiler/build/inbound.py).

Expected shapes come from istiod: 1.30.3 cluster.go buildInboundClustersFromServiceInstances and
cluster_builder.go buildInboundCluster / buildCluster (ORIGINAL_DST because meshConfig.inboundTrafficPolicy
defaults to PASSTHROUGH, so bind is ""; upstreamBindConfig 127.0.0.6:0; cleanupInterval maxSecondsValue
9223372035s since 1.23.0; CommonLbConfig{} always; addTelemetryMetadata services), 1.17.8
v1alpha3/cluster.go buildClustersFromServiceInstances (EnableInboundPassthrough -> ORIGINAL_DST, no
cleanupInterval) and istio-facts.md 5.1/5.10 (name inbound|<target port>||, sidecars only).
"""
from helpers import cluster, compile_yaml

MESH = """
apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: default}
spec:
  selector: {app: reviews}
  ports:
  - {name: http, port: 9080, targetPort: web}
  - {name: grpc, port: 7070}
  - {port: 9999, targetPort: 8888}
---
apiVersion: v1
kind: Service
metadata: {name: reviews-alias, namespace: default}
spec:
  selector: {app: reviews}
  ports: [{name: http, port: 9080, targetPort: 9080}]
---
apiVersion: v1
kind: Service
metadata: {name: other, namespace: default}
spec:
  selector: {app: other}
  ports: [{name: http, port: 80, targetPort: 8081}]
---
apiVersion: v1
kind: Pod
metadata: {name: reviews-v1-abc, namespace: default, labels: {app: reviews, version: v1}}
spec: {containers: [{name: reviews, image: x, ports: [{name: web, containerPort: 9080}]}]}
status: {podIP: 10.244.0.10}
"""

DR = """
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: default}
spec:
  host: reviews
  trafficPolicy:
    connectionPool:
      tcp: {maxConnections: 7, connectTimeout: 3s}
      http: {idleTimeout: 30s}
    outlierDetection: {consecutive5xxErrors: 2}
    tls: {mode: ISTIO_MUTUAL}
"""


def _inbound(cfg) -> dict[str, dict]:
    return {c["name"]: c for c in cfg.clusters if c["name"].startswith("inbound|")}


def test_one_cluster_per_workload_port_named_by_target_port():
    cfg = compile_yaml(MESH, "reviews-v1-abc.default")
    # named targetPort `web` resolves through the container port; 7070 has no targetPort; 9999 -> 8888
    assert sorted(_inbound(cfg)) == ["inbound|7070||", "inbound|8888||", "inbound|9080||"]


def test_shape_1_30():
    c = cluster(compile_yaml(MESH, "reviews-v1-abc.default"), "inbound|9080||")
    assert list(c) == ["name", "altStatName", "type", "connectTimeout", "lbPolicy", "circuitBreakers",
                       "cleanupInterval", "upstreamBindConfig", "commonLbConfig", "metadata"]
    assert c["type"] == "ORIGINAL_DST" and c["lbPolicy"] == "CLUSTER_PROVIDED"
    assert c["cleanupInterval"] == "9223372035s"
    assert c["upstreamBindConfig"] == {"sourceAddress": {"address": "127.0.0.6", "portValue": 0}}
    assert c["commonLbConfig"] == {}
    assert "trackRemaining" not in c["circuitBreakers"]["thresholds"][0]
    assert "filters" not in c and "transportSocket" not in c and "transportSocketMatches" not in c
    # both services listen on workload port 9080 with service port 9080: both are in the metadata
    assert c["metadata"]["filterMetadata"]["istio"]["services"] == [
        {"host": "reviews.default.svc.cluster.local", "name": "reviews", "namespace": "default"},
        {"host": "reviews-alias.default.svc.cluster.local", "name": "reviews-alias", "namespace": "default"}]


def test_shape_1_17_and_boundaries():
    c17 = cluster(compile_yaml(MESH, "reviews-v1-abc.default", version="1.17"), "inbound|9080||")
    assert "cleanupInterval" not in c17 and "altStatName" not in c17
    assert c17["circuitBreakers"]["thresholds"][0]["trackRemaining"] is True
    assert c17["commonLbConfig"] == {}  # no load balancer inbound, so no localityWeightedLbConfig
    assert "default_original_port" not in c17["metadata"]["filterMetadata"]["istio"]  # outbound only
    assert "cleanupInterval" not in cluster(compile_yaml(MESH, "reviews-v1-abc.default", version="1.22"),
                                            "inbound|9080||")
    assert "cleanupInterval" in cluster(compile_yaml(MESH, "reviews-v1-abc.default", version="1.23"),
                                        "inbound|9080||")


def test_protocol_options_follow_the_service_port():
    cfg = compile_yaml(MESH, "reviews-v1-abc.default")
    grpc = cluster(cfg, "inbound|7070||")["typedExtensionProtocolOptions"]
    assert grpc["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"]["explicitHttpConfig"] == {
        "http2ProtocolOptions": {}}
    auto = cluster(cfg, "inbound|8888||")["typedExtensionProtocolOptions"]
    assert auto["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"]["useDownstreamProtocolConfig"] == {
        "httpProtocolOptions": {}, "http2ProtocolOptions": {}}
    assert "typedExtensionProtocolOptions" not in cluster(cfg, "inbound|9080||")


def test_only_the_connection_pool_of_the_dr_applies():
    c = cluster(compile_yaml(MESH + DR, "reviews-v1-abc.default"), "inbound|9080||")
    assert c["connectTimeout"] == "3s"
    assert c["circuitBreakers"]["thresholds"][0]["maxConnections"] == 7
    opts = c["typedExtensionProtocolOptions"]["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"]
    assert opts["commonHttpProtocolOptions"] == {"idleTimeout": "30s"}
    assert "outlierDetection" not in c and "transportSocket" not in c
    assert c["metadata"]["filterMetadata"]["istio"]["config"] == \
        "/apis/networking.istio.io/v1/namespaces/default/destination-rule/reviews"


def test_no_inbound_clusters_for_gateways_or_unselected_proxies():
    cfg = compile_yaml(MESH, "istio-ingressgateway.istio-system")
    assert not _inbound(cfg)
    cfg = compile_yaml(MESH, "deploy/productpage.default")
    assert not _inbound(cfg)


def test_outputs_load_in_declaration_order():
    from mesh_compile_xds.canonical import canonical_json
    from mesh_compile_xds.messages import to_message
    for c in _inbound(compile_yaml(MESH + DR, "reviews-v1-abc.default")).values():
        assert canonical_json(to_message("cluster", c)) == c
        assert list(canonical_json(to_message("cluster", c))) == list(c)
