"""Sidecar outbound listeners against istiod's listener.go / tls.go / networkfilter.go (1.17.8 v1alpha3/,
1.30.3 core/). Every expected value below is read from that code, as cited; none from our output."""
import pytest

from helpers import compile_yaml
from meshes import SEP, destination_rule, doc, external_dns_service_entry, service, virtual_service

# listener_builder.go getListeners: every sidecar also gets these (tests/test_build_listener_virtual.py)
VIRTUAL = {"virtualOutbound", "virtualInbound"}


def _outbound(listeners):
    return [lis for lis in listeners if lis["name"] not in VIRTUAL]

SVCS = doc(
    service("db", "[{name: tcp-db, port: 3306, targetPort: 3306}]",
            namespace="shop", cluster_ip="10.96.0.20", selector=False),
    service("db2", "[{name: tcp, port: 3307, targetPort: 3307}]",
            namespace="shop", cluster_ip="10.96.0.23", selector=False),
    service("web", "[{name: http, port: 80, targetPort: 8080}, {name: plain, port: 9000, targetPort: 9000}]",
            namespace="shop", cluster_ip="10.96.0.21", selector=False),
    service("secure", "[{name: https, port: 443, targetPort: 8443}]",
            namespace="shop", cluster_ip="10.96.0.22", selector=False),
    service("mongo", "[{name: mongo, port: 27017, targetPort: 27017}]",
            namespace="shop", cluster_ip="10.96.0.24", selector=False),
)

TCP_SPLIT = SEP + virtual_service("db-split", "db.shop.svc.cluster.local", namespace="shop") + """\
  tcp:
  - match: [{port: 3306}]
    route:
    - destination: {host: db, subset: v1}
      weight: 80
    - destination: {host: db2, port: {number: 3307}}
      weight: 20
    - destination: {host: db2, port: {number: 3307}, subset: none}
      weight: 0
"""

SE_TLS = SEP + external_dns_service_entry("ext-tls", "api.example.com", "{number: 443, name: tls, protocol: TLS}",
                                         namespace="shop")

TARGET = "deploy/client.shop"


def listener(cfg, name):
    for lis in cfg.listeners:
        if lis["name"] == name:
            return lis
    raise AssertionError(f"no listener {name}: {[x['name'] for x in cfg.listeners]}")


def tcp_config(chain):
    filters = chain["filters"]
    assert filters[-1]["name"] == "envoy.filters.network.tcp_proxy"
    return filters[-1]["typedConfig"]


@pytest.mark.parametrize("version", ["1.17", "1.30"])
def test_listener_names_follow_protocol_selection(version):
    # listener.go buildSidecarOutboundListener: HTTP ports bind 0.0.0.0, TCP and auto ports the service VIP;
    # getListenerName is <bind>_<port>. Port names: tcp-db/tcp -> TCP, http -> HTTP, https -> HTTPS (TLS
    # listener protocol), plain -> auto (sniffed), mongo -> Mongo (TCP).
    cfg = compile_yaml(SVCS, TARGET, version)
    names = {lis["name"] for lis in _outbound(cfg.listeners)}
    assert names == {"0.0.0.0_80", "10.96.0.21_9000", "10.96.0.20_3306", "10.96.0.23_3307",
                     "10.96.0.22_443", "10.96.0.24_27017"}
    for lis in _outbound(cfg.listeners):
        assert lis["trafficDirection"] == "OUTBOUND" and lis["bindToPort"] is False


def test_tcp_port_without_virtual_service_goes_to_its_cluster():
    # tls.go buildSidecarOutboundTCPFilterChainOpts: no VS -> BuildSubsetKey(outbound, "", host, port) and
    # statPrefix = clusterName; a single match-all chain stays in filterChains (buildListenerFromEntry).
    lis = listener(compile_yaml(SVCS, TARGET), "10.96.0.23_3307")
    assert lis["address"] == {"socketAddress": {"address": "10.96.0.23", "portValue": 3307}}
    assert len(lis["filterChains"]) == 1 and "defaultFilterChain" not in lis
    assert "filterChainMatch" not in lis["filterChains"][0]
    assert tcp_config(lis["filterChains"][0]) == {
        "@type": "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy",
        "statPrefix": "outbound|3307||db2.shop.svc.cluster.local",
        "cluster": "outbound|3307||db2.shop.svc.cluster.local"}
    # no inspector is needed; 1.20.0+ buildListenerFromEntry sets listenerFiltersTimeout 0s and
    # continueOnListenerFiltersTimeout true on every outbound listener
    assert "listenerFilters" not in lis
    assert lis["listenerFiltersTimeout"] == "0s" and lis["continueOnListenerFiltersTimeout"] is True


@pytest.mark.parametrize("version,timeouts", [("1.19", False), ("1.20", True)])
def test_listener_filter_timeout_without_http_inspector(version, timeouts):
    # 1.17.8-1.19 listener.go removeListenerFilterTimeout: outbound listeners without an http_inspector
    # lose listenerFiltersTimeout and continueOnListenerFiltersTimeout; sniffed ones keep mesh's 0s
    cfg = compile_yaml(SVCS, TARGET, version)
    tcp = listener(cfg, "10.96.0.23_3307")
    assert ("listenerFiltersTimeout" in tcp) is timeouts and ("continueOnListenerFiltersTimeout" in tcp) is timeouts
    sniffed = listener(cfg, "10.96.0.21_9000")
    assert sniffed["listenerFiltersTimeout"] == "0s" and sniffed["continueOnListenerFiltersTimeout"] is True


@pytest.mark.parametrize("version,api", [("1.17", "v1alpha3"), ("1.30", "v1")])
def test_tcp_route_with_weights(version, api):
    # networkfilter.go buildOutboundNetworkFiltersWithWeightedClusters: statPrefix "<vs>.<ns>", only
    # weight > 0 destinations; the chain carries BuildConfigInfoMetadata of the VS.
    cfg = compile_yaml(SVCS + TCP_SPLIT, TARGET, version)
    chain = listener(cfg, "10.96.0.20_3306")["filterChains"][0]
    typed = tcp_config(chain)
    assert typed["statPrefix"] == "db-split.shop"
    assert typed["weightedClusters"] == {"clusters": [
        {"name": "outbound|3306|v1|db.shop.svc.cluster.local", "weight": 80},
        {"name": "outbound|3307||db2.shop.svc.cluster.local", "weight": 20}]}
    assert "cluster" not in typed
    assert chain["metadata"] == {"filterMetadata": {"istio": {
        "config": f"/apis/networking.istio.io/{api}/namespaces/shop/virtual-service/db-split"}}}


def test_tcp_route_for_another_port_does_not_apply():
    # tls.go matchTCP: match.port must equal the listener port; otherwise the default route is added.
    text = SVCS + TCP_SPLIT.replace("port: 3306}", "port: 9999}")
    typed = tcp_config(listener(compile_yaml(text, TARGET), "10.96.0.20_3306")["filterChains"][0])
    assert typed["cluster"] == "outbound|3306||db.shop.svc.cluster.local"


def test_tcp_route_single_destination_uses_cluster_name_as_stat_prefix():
    text = SVCS + SEP + virtual_service("db-one", "db.shop.svc.cluster.local", namespace="shop") + """\
  tcp:
  - route: [{destination: {host: db2.shop.svc.cluster.local}}]
"""
    # networkfilter.go buildOutboundNetworkFilters, len(routes) == 1; GetDestinationCluster picks the
    # destination service's only port (3307) when the VS names none.
    typed = tcp_config(listener(compile_yaml(text, TARGET), "10.96.0.20_3306")["filterChains"][0])
    assert typed["statPrefix"] == typed["cluster"] == "outbound|3307||db2.shop.svc.cluster.local"


@pytest.mark.parametrize("version,inspectors", [
    # 1.17.8 buildListener: the tls_inspector comes with every http_inspector on sidecar outbound
    ("1.17", ["envoy.filters.listener.tls_inspector", "envoy.filters.listener.http_inspector"]),
    # 1.20.0+ buildListenerFromEntry: tls_inspector only for SNI/ALPN chains
    ("1.30", ["envoy.filters.listener.http_inspector"]),
])
def test_sniffed_port_has_http_and_tcp_chains(version, inspectors):
    lis = listener(compile_yaml(SVCS, TARGET, version), "10.96.0.21_9000")
    [http] = lis["filterChains"]
    # plaintextHTTPALPNs without PILOT_HTTP10, RawBufferTransportProtocol
    assert http["filterChainMatch"] == {"transportProtocol": "raw_buffer", "applicationProtocols": ["http/1.1", "h2c"]}
    hcm = http["filters"][0]["typedConfig"]
    # buildSidecarOutboundHTTPListenerOpts: a sniffed service on its own VIP gets RDS "<hostname>:<port>"
    assert hcm["rds"]["routeConfigName"] == "web.shop.svc.cluster.local:9000"
    # the TCP chain matches everything, so it becomes the default chain
    assert tcp_config(lis["defaultFilterChain"])["cluster"] == "outbound|9000||web.shop.svc.cluster.local"
    assert [f["name"] for f in lis["listenerFilters"]] == inspectors


@pytest.mark.parametrize("version,stat", [("1.22", "outbound_0.0.0.0_80"), ("1.23", "outbound_0.0.0.0_80;")])
def test_http_port_listener(version, stat):
    lis = listener(compile_yaml(SVCS, TARGET, version), "0.0.0.0_80")
    [http] = lis["filterChains"]
    hcm = http["filters"][0]["typedConfig"]
    assert hcm["rds"]["routeConfigName"] == "80"
    # statPrefix "outbound_" + listener name; util.DelimitedStatsPrefix appends ';' from 1.23.0
    assert hcm["statPrefix"] == stat
    # buildHTTPConnectionManager: sidecars do not use the remote address (features.UseRemoteAddress false)
    assert hcm["useRemoteAddress"] is False and hcm["normalizePath"] is True
    assert hcm["pathWithEscapedSlashesAction"] == "KEEP_UNCHANGED"
    # no match-all chain: buildListenerFromEntry adds the PassthroughFilterChain default; its filters are
    # buildOutboundCatchAllNetworkFiltersOnly's: the Telemetry stats filter (prometheus, the default install's
    # provider: model/telemetry.go generateStatsConfig, no options for sidecar outbound), then tcp_proxy
    assert lis["defaultFilterChain"] == {
        "filterChainMatch": {},
        "filters": [{"name": "istio.stats", "typedConfig": {"@type": "type.googleapis.com/stats.PluginConfig"}},
                    {"name": "envoy.filters.network.tcp_proxy", "typedConfig": {
            "@type": "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy",
            "statPrefix": "PassthroughCluster", "cluster": "PassthroughCluster"}}],
        "name": "PassthroughFilterChain"}


def test_registry_only_passthrough_chain_goes_to_blackhole():
    # listener_builder.go buildOutboundCatchAllNetworkFiltersOnly: BlackHoleCluster unless ALLOW_ANY
    cfg = compile_yaml(SVCS, TARGET, mesh={"outboundTrafficPolicy": {"mode": "REGISTRY_ONLY"}})
    assert tcp_config(listener(cfg, "0.0.0.0_80")["defaultFilterChain"])["cluster"] == "BlackHoleCluster"


@pytest.mark.parametrize("version,timeout", [("1.23", None), ("1.24", "15s")])
def test_chain_transport_socket_connect_timeout(version, timeout):
    # 1.24.0 listener.go: every built chain gets defaultGatewayTransportSocketConnectTimeout (15s)
    chain = listener(compile_yaml(SVCS, TARGET, version), "10.96.0.23_3307")["filterChains"][0]
    assert chain.get("transportSocketConnectTimeout") == timeout


def test_tls_port_without_virtual_service_and_with_vip_has_no_sni():
    # tls.go buildSidecarOutboundTLSFilterChainOpts: sniHosts only when the listener has no own VIP
    lis = listener(compile_yaml(SVCS, TARGET), "10.96.0.22_443")
    assert "filterChainMatch" not in lis["filterChains"][0]
    assert tcp_config(lis["filterChains"][0])["cluster"] == "outbound|443||secure.shop.svc.cluster.local"


@pytest.mark.parametrize("version,buffer", [("1.22", None), ("1.23", 512)])
def test_service_entry_without_address_listens_on_wildcard_with_sni(version, buffer):
    lis = listener(compile_yaml(SVCS + SE_TLS, TARGET, version), "0.0.0.0_443")
    [chain] = lis["filterChains"]
    assert chain["filterChainMatch"] == {"serverNames": ["api.example.com"]}
    assert tcp_config(chain)["cluster"] == "outbound|443||api.example.com"
    assert lis["defaultFilterChain"]["name"] == "PassthroughFilterChain"
    [inspector] = lis["listenerFilters"]
    assert inspector["name"] == "envoy.filters.listener.tls_inspector"
    # xds/filters/filters.go: initialReadBufferSize 512 from 1.23.0
    assert inspector["typedConfig"].get("initialReadBufferSize") == buffer


def test_tls_route_sni_chains():
    text = SVCS + SE_TLS + SEP + virtual_service("api", "api.example.com", namespace="shop") + """\
  tls:
  - match: [{port: 443, sniHosts: [api.example.com]}]
    route: [{destination: {host: secure.shop.svc.cluster.local, port: {number: 443}}}]
"""
    lis = listener(compile_yaml(text, TARGET), "0.0.0.0_443")
    [chain] = lis["filterChains"]
    assert chain["filterChainMatch"] == {"serverNames": ["api.example.com"]}
    assert tcp_config(chain)["cluster"] == "outbound|443||secure.shop.svc.cluster.local"


@pytest.mark.parametrize("version,names", [
    # 1.30.3 buildCompleteNetworkFilters: the stats filter goes before the whole stack
    ("1.30", ["istio.stats", "envoy.filters.network.mongo_proxy", "envoy.filters.network.tcp_proxy"]),
    # 1.17.8 tcp-stats-filter-1.17 EnvoyFilter: INSERT_BEFORE the tcp_proxy filter
    ("1.17", ["envoy.filters.network.mongo_proxy", "istio.stats", "envoy.filters.network.tcp_proxy"])])
def test_mongo_port_gets_mongo_proxy_first(version, names):
    # networkfilter.go buildNetworkFiltersStack: PILOT_ENABLE_MONGO_FILTER defaults to true
    chain = listener(compile_yaml(SVCS, TARGET, version), "10.96.0.24_27017")["filterChains"][0]
    assert [f["name"] for f in chain["filters"]] == names
    mongo = chain["filters"][names.index("envoy.filters.network.mongo_proxy")]
    assert mongo["typedConfig"]["statPrefix"] == "outbound|27017||mongo.shop.svc.cluster.local"


@pytest.mark.parametrize("version,idle", [("1.20", None), ("1.21", "300s")])
def test_destination_rule_tcp_pool_on_tcp_proxy(version, idle):
    text = SVCS + SEP + destination_rule("db2", "db2.shop.svc.cluster.local", namespace="shop") + """\
  trafficPolicy:
    connectionPool: {tcp: {idleTimeout: 5m, maxConnectionDuration: 1h}}
    loadBalancer: {consistentHash: {useSourceIp: true}}
"""
    typed = tcp_config(listener(compile_yaml(text, TARGET, version), "10.96.0.23_3307")["filterChains"][0])
    # networkfilter.go: idleTimeout from the DR since 1.21.0, maxDownstreamConnectionDuration and the
    # source-IP hash policy (maybeSetHashPolicy) in both
    assert typed.get("idleTimeout") == idle
    assert typed["maxDownstreamConnectionDuration"] == "3600s"
    assert typed["hashPolicy"] == [{"sourceIp": {}}]


def test_udp_and_alias_ports_get_no_listener():
    text = service("dns", "[{name: dns, port: 53, protocol: UDP}]", namespace="shop", cluster_ip="10.96.0.10",
                   selector=False)
    assert _outbound(compile_yaml(text, TARGET).listeners) == []


@pytest.mark.parametrize("version", ["1.17", "1.30"])
def test_outputs_are_canonical_envoy_listeners(version):
    cfg = compile_yaml(SVCS + TCP_SPLIT + SE_TLS + MONGO_AND_DR, TARGET, version)
    assert_canonical(cfg.listeners)


def assert_canonical(listeners):
    """Each listener loads into Envoy's Listener type and prints back identically, key order included."""
    import json

    from mesh_compile_xds.canonical import canonical_json
    from mesh_compile_xds.messages import to_message

    for lis in listeners:
        assert json.dumps(canonical_json(to_message("listener", lis))) == json.dumps(lis), lis["name"]


MONGO_AND_DR = SEP + destination_rule("db2", "db2.shop.svc.cluster.local", namespace="shop") + """\
  trafficPolicy:
    connectionPool: {tcp: {idleTimeout: 5m, maxConnectionDuration: 1h}}
    loadBalancer: {consistentHash: {useSourceIp: true}}
"""
