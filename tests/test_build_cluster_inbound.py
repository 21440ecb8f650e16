"""Sidecar inbound clusters `inbound|<port>||` (compiler/build/inbound.py).

Expected shapes come from istiod: 1.30.3 cluster.go buildInboundClustersFromServiceInstances and
cluster_builder.go buildInboundCluster / buildCluster (ORIGINAL_DST because meshConfig.inboundTrafficPolicy
defaults to PASSTHROUGH, so bind is ""; upstreamBindConfig 127.0.0.6:0; cleanupInterval maxSecondsValue
9223372035s since 1.23.0; CommonLbConfig{} always; addTelemetryMetadata services), 1.17.8
v1alpha3/cluster.go buildClustersFromServiceInstances (EnableInboundPassthrough -> ORIGINAL_DST, no
cleanupInterval) and istio-facts.md 5.1/5.10 (name inbound|<target port>||, sidecars only).
"""
from helpers import cluster, compile_yaml
from meshes import SEP, destination_rule, doc, pod, service, sidecar

MESH = doc(
    service("reviews", "[{name: http, port: 9080, targetPort: web}, {name: grpc, port: 7070}, "
                       "{port: 9999, targetPort: 8888}]"),
    service("reviews-alias", "[{name: http, port: 9080, targetPort: 9080}]", app="reviews"),
    service("other", "[{name: http, port: 80, targetPort: 8081}]"),
    pod("reviews-v1-abc", "app: reviews, version: v1", "10.244.0.10",
        spec="containers: [{name: reviews, image: x, ports: [{name: web, containerPort: 9080}]}]"),
)

DR = SEP + destination_rule("reviews", "reviews") + """\
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


# --- Sidecar ingress listeners (compiler/build/inbound_sidecar.py) -----------------------------------------------
# 1.30.3 cluster.go buildInboundClusters (ingress listeners replace the service instances), 
# buildInboundClustersFromSidecar (defaultEndpoint rules), findOrCreateService; cluster_builder.go
# buildInboundCluster (STATIC when buildInboundLocalityLbEndpoints has an endpoint, cleanupInterval only for
# ORIGINAL_DST, no upstreamBindConfig for 127.0.0.1 / ::1), buildCluster (loadAssignment for STATIC),
# cluster_traffic_policy.go applyTrafficPolicy (lbPolicy CLUSTER_PROVIDED only for ORIGINAL_DST), util.go
# BuildAddress (unix:// -> pipe), listener_address.go getPassthroughBindIPs (::6 for IPv6-only).

INGRESS = doc(
    service("httpbin", "[{name: http, port: 8000, targetPort: 80}]"),
    pod("httpbin-abc", "app: httpbin", "10.244.0.7", spec="containers: [{name: httpbin, image: x}]"),
    sidecar("httpbin-ingress", selector="app: httpbin") + """\
  ingress:
  - port: {number: 9080, protocol: HTTP, name: http}
    defaultEndpoint: 127.0.0.1:8080
  - port: {number: 9443, protocol: TCP, name: tcp}
    defaultEndpoint: 0.0.0.0:8443
  - port: {number: 80, protocol: HTTP, name: http-svc}
  - port: {number: 7000, protocol: TCP, name: uds}
    defaultEndpoint: unix:///var/run/app.sock
  - port: {number: 7001, protocol: TCP, name: bad}
    defaultEndpoint: nope
""",
)


def _load(address: dict, name: str) -> dict:
    return {"clusterName": name, "endpoints": [{"lbEndpoints": [{"endpoint": {"address": address}}]}]}


def test_sidecar_ingress_replaces_service_clusters():
    names = sorted(_inbound(compile_yaml(INGRESS, "httpbin-abc.default")))
    # one per ingress listener; the bad defaultEndpoint (not host:port) is skipped; no service-built ones
    # beyond the listener on the service's target port 80
    assert names == ["inbound|7000||", "inbound|80||", "inbound|9080||", "inbound|9443||"]


def test_sidecar_ingress_localhost_endpoint_is_static_without_bind():
    c = cluster(compile_yaml(INGRESS, "httpbin-abc.default"), "inbound|9080||")
    assert list(c) == ["name", "altStatName", "type", "connectTimeout", "loadAssignment", "circuitBreakers",
                       "commonLbConfig", "metadata"]
    assert c["type"] == "STATIC" and "lbPolicy" not in c and "cleanupInterval" not in c
    assert c["loadAssignment"] == _load({"socketAddress": {"address": "127.0.0.1", "portValue": 8080}},
                                        "inbound|9080||")
    # no proxy service targets 9080: the stand-in service named after the Sidecar (1.24+: listed)
    assert c["metadata"] == {"filterMetadata": {"istio": {"services": [
        {"host": "httpbin-ingress.default", "name": "httpbin-ingress", "namespace": "default"}]}}}


def test_sidecar_ingress_pod_ip_endpoint_binds_passthrough():
    c = cluster(compile_yaml(INGRESS, "httpbin-abc.default"), "inbound|9443||")
    assert c["loadAssignment"] == _load({"socketAddress": {"address": "10.244.0.7", "portValue": 8443}},
                                        "inbound|9443||")
    assert c["upstreamBindConfig"] == {"sourceAddress": {"address": "127.0.0.6", "portValue": 0}}


def test_sidecar_ingress_without_endpoint_is_original_dst_for_the_real_service():
    c = cluster(compile_yaml(INGRESS, "httpbin-abc.default"), "inbound|80||")
    assert c["type"] == "ORIGINAL_DST" and c["lbPolicy"] == "CLUSTER_PROVIDED" and "loadAssignment" not in c
    assert c["cleanupInterval"] == "9223372035s"
    # findOrCreateService: httpbin targets port 80, so it is the cluster's service
    assert c["metadata"]["filterMetadata"]["istio"]["services"] == [
        {"host": "httpbin.default.svc.cluster.local", "name": "httpbin", "namespace": "default"}]


def test_sidecar_ingress_unix_socket_is_a_pipe():
    c = cluster(compile_yaml(INGRESS, "httpbin-abc.default"), "inbound|7000||")
    assert c["loadAssignment"] == _load({"pipe": {"path": "/var/run/app.sock"}}, "inbound|7000||")


def test_sidecar_ingress_ipv6_proxy():
    text = INGRESS.replace("10.244.0.7", "fd00::7").replace("0.0.0.0:8443", "'[::]:8443'").replace(
        "127.0.0.1:8080", "'[::1]:8080'")
    cfg = compile_yaml(text, "httpbin-abc.default")
    assert cluster(cfg, "inbound|9443||")["loadAssignment"]["endpoints"][0]["lbEndpoints"][0]["endpoint"] == {
        "address": {"socketAddress": {"address": "fd00::7", "portValue": 8443}}}
    assert cluster(cfg, "inbound|9443||")["upstreamBindConfig"]["sourceAddress"]["address"] == "::6"
    assert "upstreamBindConfig" not in cluster(cfg, "inbound|9080||")


def test_sidecar_ingress_metadata_by_release():
    # 1.19-1.23: nil inboundServices -> addTelemetryMetadata returns: no metadata without a DR
    assert "metadata" not in cluster(compile_yaml(INGRESS, "httpbin-abc.default", version="1.23"), "inbound|9080||")
    assert "metadata" not in cluster(compile_yaml(INGRESS, "httpbin-abc.default", version="1.19"), "inbound|80||")
    # 1.17/1.18: buildDefaultCluster falls back to the proxy's instances, kept when the service port (8000)
    # is the listener's number - never here, so an empty services list
    c17 = cluster(compile_yaml(INGRESS, "httpbin-abc.default", version="1.17"), "inbound|80||")
    assert c17["metadata"] == {"filterMetadata": {"istio": {"services": []}}}
    assert "cleanupInterval" not in c17


def test_validate_finds_no_missing_inbound_cluster(tmp_path):
    # the ingress chains (listener_inbound.py) route to inbound|<number>||: every one must now exist
    # (the `nope` defaultEndpoint, which istiod's validation rejects, left out: its chain has no cluster)
    from mesh_compile.cli.main import run
    f = tmp_path / "mesh.yaml"
    f.write_text(INGRESS.split("  - port: {number: 7001")[0])
    code, out, _ = run(["validate", "httpbin-abc.default", "-f", str(f)])
    assert code == 0 and "IST0101" not in out, out


# --- Sidecar connection pools on inbound clusters ---------------------------------------------------------------
# 1.30.3 cluster_builder.go buildInboundCluster: after the DR's port-level policy, `if sidecarConnPool :=
# proxy.SidecarScope.InboundConnectionPoolForPort(clusterPort); sidecarConnPool != nil` copies the policy and sets
# policy.ConnectionPool = sidecarConnPool (the DR's pool is replaced whole; its istio.config metadata stays).
# model/sidecar.go InboundConnectionPoolForPort: an ingress listener whose Port.Number == clusterPort and that has
# a connectionPool, else Sidecar.inboundConnectionPool. clusterPort: the workload (target) port for
# service-built clusters (cluster.go buildInboundClustersFromServiceInstances epPort), the listener's number for
# ingress ones (buildInboundClustersFromSidecar). First in 1.21.0 (v1alpha3/cluster_builder.go); 1.20.8 has no
# InboundConnectionPoolForPort. Unset connectTimeout: meshConfig.connectTimeout default 10s (facts 5.2).

POOL_SIDECAR = SEP + sidecar("reviews", selector="app: reviews") + """\
  inboundConnectionPool:
    tcp: {maxConnections: 5}
"""


def test_sidecar_inbound_connection_pool_replaces_the_dr_pool():
    c = cluster(compile_yaml(MESH + DR + POOL_SIDECAR, "reviews-v1-abc.default"), "inbound|9080||")
    assert c["circuitBreakers"]["thresholds"][0]["maxConnections"] == 5
    assert c["connectTimeout"] == "10s"                         # the DR's 3s went with its pool
    assert "typedExtensionProtocolOptions" not in c             # and so did its http idleTimeout
    assert c["metadata"]["filterMetadata"]["istio"]["config"] == \
        "/apis/networking.istio.io/v1/namespaces/default/destination-rule/reviews"
    assert cluster(compile_yaml(MESH + POOL_SIDECAR, "reviews-v1-abc.default"),
                   "inbound|8888||")["circuitBreakers"]["thresholds"][0]["maxConnections"] == 5


def test_sidecar_inbound_connection_pool_before_1_21_is_ignored():
    c = cluster(compile_yaml(MESH + DR + POOL_SIDECAR, "reviews-v1-abc.default", version="1.20"), "inbound|9080||")
    assert c["connectTimeout"] == "3s"
    assert c["circuitBreakers"]["thresholds"][0]["maxConnections"] == 7


def test_ingress_listener_pool_wins_for_its_port():
    text = INGRESS.split("  - port: {number: 7001")[0].replace(
        "    defaultEndpoint: 127.0.0.1:8080\n",
        "    defaultEndpoint: 127.0.0.1:8080\n    connectionPool:\n"
        "      tcp: {maxConnections: 9, connectTimeout: 2s}\n      http: {idleTimeout: 20s}\n")
    text += "  inboundConnectionPool: {tcp: {maxConnections: 4}}\n"
    cfg = compile_yaml(text, "httpbin-abc.default")
    c = cluster(cfg, "inbound|9080||")
    assert c["connectTimeout"] == "2s"
    assert c["circuitBreakers"]["thresholds"][0]["maxConnections"] == 9
    opts = c["typedExtensionProtocolOptions"]["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"]
    assert opts["commonHttpProtocolOptions"] == {"idleTimeout": "20s"}
    for other in ("inbound|80||", "inbound|9443||", "inbound|7000||"):
        assert cluster(cfg, other)["circuitBreakers"]["thresholds"][0]["maxConnections"] == 4
    assert cluster(cfg, "inbound|80||")["connectTimeout"] == "10s"


def test_ingress_pools_no_longer_warn_and_tls_is_a_note():
    from mesh_compile.index.unsupported import unsupported_features
    from mesh_compile.load.loader import load_text
    from mesh_compile.model.objects import parse_object
    text = INGRESS + """  - port: {number: 7002, protocol: HTTP, name: pooled}
    connectionPool: {tcp: {maxConnections: 5}}
  - port: {number: 7003, protocol: HTTP, name: secure}
    tls: {mode: SIMPLE, privateKey: /k.pem, serverCertificate: /c.pem}
  inboundConnectionPool: {tcp: {maxConnections: 4}}
"""
    objects = [parse_object(raw)[0] for raw in load_text(text, "t.yaml").objects]
    problems = unsupported_features([o for o in objects if o is not None])
    # the tls (ignored by a default istiod: test_build_listener_inbound.py) gets an Info, the pools nothing
    assert [(p.level, p.field) for p in problems] == [("Info", "spec.ingress[6].tls")]
