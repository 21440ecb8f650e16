"""DestinationRule trafficPolicy -> outbound cluster fields (traffic_policy.py, cluster_parts.py).

Sources: 1.30.3 cluster_traffic_policy.go applyOutlierDetection (enforcing values only beside a given count;
healthyPanicThreshold = minHealthPercent), setWarmup (aggression 1, minWeightPercent 10, runtimeKey "("; 1.24.0
is the first tag reading `warmup`), applyLocalityLoadBalancer (1.24+: distribute, or failover with outlier
detection), shouldH2Upgrade (DR UPGRADE upgrades any port, DEFAULT defers to the mesh), cluster.go
applyTCPKeepalive (mesh keepalive overridden field by field, whole seconds); istio-facts.md 5.4-5.6.
"""
from helpers import cluster, compile_yaml
from meshes import destination_rule, doc, service

SVC = doc(service("reviews", "[{name: http, port: 9080}, {name: tcp, port: 3306}]"),
          destination_rule("reviews", "reviews") + "  trafficPolicy:\n")
NAME = "outbound|9080||reviews.default.svc.cluster.local"
TCP_NAME = "outbound|3306||reviews.default.svc.cluster.local"


def _c(policy: str, version: str = "1.30", name: str = NAME, mesh: dict | None = None) -> dict:
    text = SVC + "\n".join("    " + line for line in policy.strip().splitlines())
    return cluster(compile_yaml(text, "deploy/productpage.default", version=version, mesh=mesh), name)


def test_outlier_enforcing_only_beside_given_counts():
    c = _c("outlierDetection: {consecutiveGatewayErrors: 3, interval: 5s}")
    assert c["outlierDetection"] == {"interval": "5s", "enforcingSuccessRate": 0,
                                     "consecutiveGatewayFailure": 3, "enforcingConsecutiveGatewayFailure": 100}
    assert c["commonLbConfig"] == {"healthyPanicThreshold": {}}


def test_min_health_percent_sets_panic_threshold():
    c = _c("outlierDetection: {consecutive5xxErrors: 1, minHealthPercent: 30}")
    assert c["commonLbConfig"]["healthyPanicThreshold"] == {"value": 30.0}


def test_warmup_slow_start_1_24_plus():
    policy = "loadBalancer: {simple: ROUND_ROBIN, warmup: {duration: 60s}}"
    c = _c(policy)
    assert "lbPolicy" not in c
    assert c["roundRobinLbConfig"] == {"slowStartConfig": {
        "slowStartWindow": "60s", "aggression": {"defaultValue": 1.0, "runtimeKey": "("},
        "minWeightPercent": {"value": 10.0}}}
    assert "roundRobinLbConfig" not in _c(policy, version="1.23")


def test_warmup_duration_secs_gives_the_window_only():
    c = _c("loadBalancer: {simple: LEAST_REQUEST, warmupDurationSecs: 30s}", version="1.17")
    assert c["lbPolicy"] == "LEAST_REQUEST"
    assert c["leastRequestLbConfig"] == {"slowStartConfig": {"slowStartWindow": "30s"}}


def test_locality_weighted_config_1_24_plus():
    distribute = """loadBalancer:
  localityLbSetting:
    distribute: [{from: us/*, to: {us/*: 100}}]"""
    assert _c(distribute)["commonLbConfig"] == {"localityWeightedLbConfig": {}}
    failover = """loadBalancer:
  localityLbSetting:
    failover: [{from: us, to: eu}]"""
    assert _c(failover)["commonLbConfig"] == {}  # failover needs outlier detection
    with_od = failover + "\noutlierDetection: {consecutive5xxErrors: 1}"
    assert _c(with_od)["commonLbConfig"] == {"healthyPanicThreshold": {}, "localityWeightedLbConfig": {}}


def test_tcp_keepalive_mesh_then_dr():
    c = _c("connectionPool: {tcp: {tcpKeepalive: {time: 7200s}}}", mesh={"tcpKeepalive": {"probes": 3, "time": "60s"}})
    assert c["upstreamConnectionOptions"] == {"tcpKeepalive": {"keepaliveProbes": 3, "keepaliveTime": 7200}}
    assert list(c)[-2:] == ["upstreamConnectionOptions", "filters"]


def test_h2_upgrade_policy():
    http = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions"
    # DR UPGRADE upgrades even a TCP port; DEFAULT defers to the mesh policy (HTTP ports only)
    tcp = _c("connectionPool: {http: {h2UpgradePolicy: UPGRADE}}", name=TCP_NAME)
    assert tcp["typedExtensionProtocolOptions"][http]["explicitHttpConfig"] == {"http2ProtocolOptions": {}}
    dflt = _c("connectionPool: {http: {h2UpgradePolicy: DEFAULT}}", mesh={"h2UpgradePolicy": "UPGRADE"})
    assert dflt["typedExtensionProtocolOptions"][http]["explicitHttpConfig"] == {"http2ProtocolOptions": {}}
    off = _c("connectionPool: {http: {h2UpgradePolicy: DO_NOT_UPGRADE}}", mesh={"h2UpgradePolicy": "UPGRADE"})
    assert "typedExtensionProtocolOptions" not in off
