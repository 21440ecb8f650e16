"""DestinationRule trafficPolicy.proxyProtocol and .retryBudget -> outbound cluster fields.

Sources (istiod at the tags, read by hand; no value below comes from our own output):
- proxyProtocol: 1.30.3 pilot/pkg/networking/core/cluster_traffic_policy.go applyUpstreamProxyProtocol (called in
  applyTrafficPolicy after applyUpstreamTLSSettings): wraps cluster.TransportSocket and each
  TransportSocketMatches[].TransportSocket in a socket named wellknown.TransportSocketPROXY
  ("envoy.transport_sockets.upstream_proxy_protocol", pkg/wellknown/wellknown.go) holding
  ProxyProtocolUpstreamTransport{Config{Version}, TransportSocket}; with neither, it sets a wrapper around
  util.RawBufferTransport() (name "raw_buffer", util/internal_upstream.go). 1.21.0 is the first tag with the
  function; 1.21.0/1.22.8 had no raw-buffer branch (1.23.0 added it). 1.17.8 has no proxyProtocol at all.
- retryBudget: 1.30.3 cluster_traffic_policy.go applyRetryBudget (from applyConnectionPool): Percent{20.0} and
  minRetryConcurrency 3 by default; 1.27.0/1.27.9 default Percent{0.2}; 1.26.0 has no applyRetryBudget.
- subsets: 1.30.3 util.go GetPortLevelTrafficPolicy/shadowCopyPortTrafficPolicy (a port-level entry keeps only
  the four blocks), mergeTrafficPolicy (subset ProxyProtocol/RetryBudget replace the DR's when set),
  ShallowCopyTrafficPolicy (1.28.10 copies no RetryBudget; 1.29.2+ does).
"""
import pytest

from helpers import cluster, compile_yaml
from meshes import SEP, destination_rule, doc, external_dns_service_entry, service, virtual_service

SVC = doc(service("reviews", "[{name: http, port: 9080}, {name: tcp, port: 3306}]"),
          destination_rule("reviews", "reviews"))
EXTERNAL = doc(external_dns_service_entry("ext", "api.example.com", "{number: 443, name: tls, protocol: TLS}"),
               destination_rule("ext", "api.example.com") + "  trafficPolicy:\n    proxyProtocol: {version: V2}\n")
NAME = "outbound|9080||reviews.default.svc.cluster.local"
V1_NAME = "outbound|9080|v1|reviews.default.svc.cluster.local"
EXT_NAME = "outbound|443||api.example.com"
PP_SOCKET = "envoy.transport_sockets.upstream_proxy_protocol"
PP_TYPE = "type.googleapis.com/envoy.extensions.transport_sockets.proxy_protocol.v3.ProxyProtocolUpstreamTransport"
TARGET = "deploy/productpage.default"


def _spec(body: str) -> str:
    return SVC + "\n".join("  " + line for line in body.strip().splitlines())


def _round_trips(c: dict) -> None:
    """The cluster loads into Envoy's Cluster type and prints back with the same keys in the same order."""
    from mesh_compile_xds.canonical import canonical_json
    from mesh_compile_xds.messages import to_message
    assert canonical_json(to_message("cluster", c)) == c
    assert list(canonical_json(to_message("cluster", c))) == list(c)


def _pp(version_config: dict, inner: dict) -> dict:
    return {"name": PP_SOCKET, "typedConfig": {"@type": PP_TYPE, "config": version_config, "transportSocket": inner}}


def test_proxy_protocol_wraps_each_auto_mtls_match():
    c = cluster(compile_yaml(_spec("trafficPolicy: {proxyProtocol: {version: V2}}"), TARGET), NAME)
    istio, disabled = c["transportSocketMatches"]
    assert istio["name"] == "tlsMode-istio" and disabled["name"] == "tlsMode-disabled"
    inner = istio["transportSocket"]["typedConfig"]["transportSocket"]
    assert istio["transportSocket"] == _pp({"version": "V2"}, inner)
    assert inner["name"] == "envoy.transport_sockets.tls"
    assert disabled["transportSocket"] == _pp({"version": "V2"}, {
        "name": "envoy.transport_sockets.raw_buffer",
        "typedConfig": {"@type": "type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer"}})
    assert "transportSocket" not in c
    _round_trips(c)


def test_proxy_protocol_v1_wraps_the_simple_tls_socket():
    # V1 is enum value 0 in Istio's and Envoy's Version enums: the proto default prints as an empty config
    c = cluster(compile_yaml(_spec("trafficPolicy: {tls: {mode: SIMPLE}, proxyProtocol: {version: V1}}"), TARGET), NAME)
    socket = c["transportSocket"]
    assert socket["name"] == PP_SOCKET and socket["typedConfig"]["config"] == {}
    assert socket["typedConfig"]["transportSocket"]["name"] == "envoy.transport_sockets.tls"
    assert "transportSocketMatches" not in c
    _round_trips(c)


@pytest.mark.parametrize("version,wrapped", [("1.30", True), ("1.23", True), ("1.22", False), ("1.20", False)])
def test_proxy_protocol_without_any_socket(version, wrapped):
    c = cluster(compile_yaml(EXTERNAL, TARGET, version), EXT_NAME)
    if wrapped:
        assert c["transportSocket"] == _pp({"version": "V2"}, {
            "name": "raw_buffer",
            "typedConfig": {"@type": "type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer"}})
        _round_trips(c)
    else:
        assert "transportSocket" not in c


def test_proxy_protocol_ignored_before_1_21():
    c = cluster(compile_yaml(_spec("trafficPolicy: {proxyProtocol: {version: V2}}"), TARGET, "1.20"), NAME)
    assert c["transportSocketMatches"][0]["transportSocket"]["name"] == "envoy.transport_sockets.tls"


def test_proxy_protocol_dropped_by_a_port_level_entry_kept_by_subsets():
    body = """trafficPolicy:
  proxyProtocol: {version: V2}
  portLevelSettings: [{port: {number: 3306}, tls: {mode: ISTIO_MUTUAL}}]
subsets:
- {name: v1, labels: {version: v1}, trafficPolicy: {loadBalancer: {simple: RANDOM}}}
- {name: v2, labels: {version: v2}, trafficPolicy: {proxyProtocol: {version: V1}}}"""
    cfg = compile_yaml(_spec(body), TARGET)
    tcp = cluster(cfg, "outbound|3306||reviews.default.svc.cluster.local")
    assert tcp["transportSocket"]["name"] == "envoy.transport_sockets.tls"
    v1 = cluster(cfg, V1_NAME)["transportSocketMatches"][0]["transportSocket"]
    assert v1["name"] == PP_SOCKET and v1["typedConfig"]["config"] == {"version": "V2"}
    v2 = cluster(cfg, "outbound|9080|v2|reviews.default.svc.cluster.local")["transportSocketMatches"][0]
    assert v2["transportSocket"]["typedConfig"]["config"] == {}


@pytest.mark.parametrize("version,expected", [
    ("1.30", {"budgetPercent": {"value": 20.0}, "minRetryConcurrency": 3}),
    ("1.28", {"budgetPercent": {"value": 20.0}, "minRetryConcurrency": 3}),
    ("1.27", {"budgetPercent": {"value": 0.2}, "minRetryConcurrency": 3}),
    ("1.26", None),
])
def test_retry_budget_defaults(version, expected):
    c = cluster(compile_yaml(_spec("trafficPolicy: {retryBudget: {}}"), TARGET, version), NAME)
    thresholds = c["circuitBreakers"]["thresholds"][0]
    assert thresholds.get("retryBudget") == expected
    if expected is not None:
        keys = [k for k in thresholds if k != "trackRemaining"]
        assert keys[-2:] == ["maxRetries", "retryBudget"]
        _round_trips(c)


def test_retry_budget_given_values():
    body = "trafficPolicy: {retryBudget: {percent: 12.5, minRetryConcurrency: 7}, connectionPool: {http: {maxRetries: 4}}}"
    c = cluster(compile_yaml(_spec(body), TARGET, "1.28"), NAME)
    assert c["circuitBreakers"] == {"thresholds": [{
        "maxConnections": 4294967295, "maxPendingRequests": 4294967295, "maxRequests": 4294967295,
        "maxRetries": 4, "retryBudget": {"budgetPercent": {"value": 12.5}, "minRetryConcurrency": 7},
        "trackRemaining": True}]}
    _round_trips(c)


@pytest.mark.parametrize("version,inherited", [("1.30", True), ("1.29", True), ("1.28", False)])
def test_retry_budget_in_subsets(version, inherited):
    body = """trafficPolicy: {retryBudget: {minRetryConcurrency: 9}}
subsets:
- {name: v1, labels: {version: v1}, trafficPolicy: {loadBalancer: {simple: RANDOM}}}
- {name: v2, labels: {version: v2}}"""
    cfg = compile_yaml(_spec(body), TARGET, version)
    v1 = cluster(cfg, V1_NAME)["circuitBreakers"]["thresholds"][0]
    assert ("retryBudget" in v1) is inherited
    v2 = cluster(cfg, "outbound|9080|v2|reviews.default.svc.cluster.local")["circuitBreakers"]["thresholds"][0]
    assert v2["retryBudget"]["minRetryConcurrency"] == 9  # no subset policy: the DR's policy as it is


def test_translated_fields_are_no_longer_reported():
    from mesh_compile.index.unsupported import unsupported_features
    from mesh_compile.load.loader import load_text
    from mesh_compile.model.objects import parse_object
    body = """trafficPolicy:
  proxyProtocol: {version: V1}
  retryBudget: {percent: 5}
  tunnel: {targetHost: h, targetPort: 1}
subsets:
- {name: v1, labels: {version: v1}, trafficPolicy: {retryBudget: {}}}"""
    vs = SEP + virtual_service("r", "reviews") + """  http:
  - match: [{headers: {"@request.auth.claims.sub": {exact: me}}}]
    route: [{destination: {host: reviews}}]
"""
    objects = [parse_object(raw)[0] for raw in load_text(_spec(body) + vs, "t.yaml").objects]
    assert unsupported_features(o for o in objects if o is not None) == []
