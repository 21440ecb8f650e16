"""DestinationRule trafficPolicy.tunnel -> tcp_proxy tunnelingConfig on outbound TCP/TLS chains.

Source: tunnelingconfig/apply.go Apply, the same at 1.17.8 (core/v1alpha3/) and 1.30.3 (core/): with a subset
name, that subset's own trafficPolicy.tunnel (nothing inherited from the DR's top level); without, the DR's
top-level tunnel; TunnelingConfig{Hostname: net.JoinHostPort(targetHost, targetPort), UsePost: protocol ==
"POST"}. Callers (networkfilter.go, tls.go): buildOutboundNetworkFilters passes Apply for one destination (with
its subset) and applies the DR's top level for weighted clusters; the sidecar default TCP/TLS chains pass
Apply; gateway AUTO_PASSTHROUGH chains pass Skip. Field order: envoy TcpProxy declares tunneling_config (12)
before max_downstream_connection_duration (13).
"""
import pytest

from helpers import compile_yaml
from meshes import destination_rule, doc, service

SVCS = doc(service("db", "[{name: tcp-db, port: 3306, targetPort: 3306}]", namespace="shop",
                   cluster_ip="10.96.0.20", selector=False),
           service("db2", "[{name: tcp, port: 3307, targetPort: 3307}]", namespace="shop",
                   cluster_ip="10.96.0.23", selector=False),
           destination_rule("db", "db.shop.svc.cluster.local", namespace="shop")) + """  trafficPolicy:
    connectionPool: {tcp: {maxConnectionDuration: 60s}}
    tunnel: {targetHost: egress.example.com, targetPort: 8080}
  subsets:
  - {name: v1, labels: {v: "1"}, trafficPolicy: {tunnel: {protocol: POST, targetHost: "2001:db8::1", targetPort: 443}}}
  - {name: v2, labels: {v: "2"}}
"""
TARGET = "deploy/client.shop"


def _tcp_proxy(cfg, name: str) -> dict:
    for lis in cfg.listeners:
        if lis["name"] == name:
            return lis["filterChains"][0]["filters"][-1]["typedConfig"]
    raise AssertionError(f"no listener {name}")


def _vs(route: str) -> str:
    return SVCS + f"""
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: db, namespace: shop}}
spec:
  hosts: [db.shop.svc.cluster.local]
  tcp:
  - route: {route}
"""


@pytest.mark.parametrize("version", ["1.17", "1.30"])
def test_default_chain_gets_the_dr_tunnel(version):
    cfg = compile_yaml(SVCS, TARGET, version)
    typed = _tcp_proxy(cfg, "10.96.0.20_3306")
    assert typed["tunnelingConfig"] == {"hostname": "egress.example.com:8080"}
    assert list(typed)[-2:] == ["tunnelingConfig", "maxDownstreamConnectionDuration"]
    assert "tunnelingConfig" not in _tcp_proxy(cfg, "10.96.0.23_3307")  # db2 has no DR
    from mesh_compile_xds.canonical import canonical_json
    from mesh_compile_xds.messages import to_message
    lis = next(x for x in cfg.listeners if x["name"] == "10.96.0.20_3306")
    assert canonical_json(to_message("listener", lis)) == lis


def test_subset_route_uses_the_subsets_own_tunnel():
    v1 = _tcp_proxy(compile_yaml(_vs("[{destination: {host: db, subset: v1}}]"), TARGET), "10.96.0.20_3306")
    assert v1["cluster"] == "outbound|3306|v1|db.shop.svc.cluster.local"
    assert v1["tunnelingConfig"] == {"hostname": "[2001:db8::1]:443", "usePost": True}
    v2 = _tcp_proxy(compile_yaml(_vs("[{destination: {host: db, subset: v2}}]"), TARGET), "10.96.0.20_3306")
    assert "tunnelingConfig" not in v2  # the DR's top-level tunnel is not inherited by a subset


def test_weighted_route_uses_the_dr_top_level_tunnel():
    route = "[{destination: {host: db, subset: v1}, weight: 50}, {destination: {host: db, subset: v2}, weight: 50}]"
    typed = _tcp_proxy(compile_yaml(_vs(route), TARGET), "10.96.0.20_3306")
    assert "weightedClusters" in typed
    assert typed["tunnelingConfig"] == {"hostname": "egress.example.com:8080"}
