"""The sidecar's virtualInbound listener and Sidecar ingress listeners (compiler/build/listener_inbound.py,
listener_inbound_chains.py).

Expected values come from the real sidecar ListenersConfigDump
shared/reference/istio/istio-istio/istioctl/pkg/authz/testdata/configdump.yaml (listener virtualInbound, lines
3952 on: Service httpbin port 8000 -> targetPort 80, default PERMISSIVE mTLS) and from istiod's code:
listener_inbound.go, filterchain_options.go, httproute.go buildSidecarInboundHTTPRouteConfig, route.go
BuildDefaultHTTPInboundRoute, security/authn/utils BuildInboundTLS, networkfilter.go, listener_builder.go
buildHTTPConnectionManager, xds/filters/filters.go, model/telemetry.go at 1.17.8 (core/v1alpha3/) and 1.30.3
(core/), the 1.17.8 istio-discovery chart's telemetryv2_1.17.yaml, with the release switches cited in
compiler/versions.py. None is read from our own output.
"""
import json
import re
from pathlib import Path

import pytest

from helpers import compile_yaml
from meshes import SEP, service, sidecar

REFERENCE = Path("/work/shared/reference/istio/istio-istio/istioctl/pkg/authz/testdata/configdump.yaml")
HTTPBIN = service("httpbin", "[{name: http, port: 8000, targetPort: 80}]")
TARGET = "deploy/httpbin.default"
TCP_TYPE = "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy"
ALL_ISTIO_MTLS = ["istio", "istio-peer-exchange", "istio-http/1.0", "istio-http/1.1", "istio-h2"]


def _listener(cfg, name="virtualInbound"):
    found = [lis for lis in cfg.listeners if lis["name"] == name]
    assert len(found) == 1, [lis["name"] for lis in cfg.listeners]
    return found[0]


def _chains(lis, port):
    return [c for c in lis["filterChains"] if c.get("filterChainMatch", {}).get("destinationPort") == port]


def _tcp(cluster):
    return {"name": "envoy.filters.network.tcp_proxy",
            "typedConfig": {"@type": TCP_TYPE, "statPrefix": cluster, "cluster": cluster}}


def _terminal(chain):
    """The chain's last filter: its tcp_proxy or connection manager (after the Istio filters)."""
    return chain["filters"][-1]


# --- the reference dump ---------------------------------------------------------------------------------------

# The dump's release: InboundPassthroughClusterIpv4 and 0.0.0.0/0 passthrough matches, no ';' stat delimiter,
# tls_inspector without initialReadBufferSize (all before 1.23), no inbound retry policy (before 1.24), the TCP
# metadata exchange as a plain MetadataExchange (before 1.22), istio_authn (before 1.20), the Wasm HTTP metadata
# exchange (before 1.19) beside a native stats.PluginConfig (from 1.18): every switch says 1.18.
# What the dump has that comes from its AuthorizationPolicy objects (not read yet): dropped before comparing.
_AUTHZ_NETWORK = {"envoy.filters.network.rbac"}
_AUTHZ_HTTP = {"envoy.filters.http.rbac", "envoy.filters.http.ext_authz"}
# the dump's pod: canonical service httpbin, revision v1 (its tracing custom tags)
HTTPBIN_LABELS = {"app": "httpbin", "version": "v1"}


def _camel(value, struct=False):
    """proto field names to JSON names; the Struct `value` of a TypedStruct keeps its keys."""
    if isinstance(value, dict):
        def key(k):
            return k if k.startswith("@") or struct else re.sub(r"_([a-z0-9])", lambda m: m.group(1).upper(), k)
        return {key(k): _camel(v, struct or k == "value") for k, v in value.items()}
    if isinstance(value, list):
        return [_camel(v, struct) for v in value]
    return value


def _reference_virtual_inbound():
    dump = json.loads(REFERENCE.read_text())
    listener = next(dl["active_state"]["listener"] for c in dump["configs"] for dl in c.get("dynamic_listeners", [])
                    if dl["name"] == "virtualInbound")
    listener = _camel(listener)
    listener.pop("@type")
    for chain in listener["filterChains"]:
        chain["filters"] = [f for f in chain["filters"] if f["name"] not in _AUTHZ_NETWORK]
        for f in chain["filters"]:
            typed = f["typedConfig"]
            if "httpFilters" in typed:
                typed["httpFilters"] = [h for h in typed["httpFilters"] if h["name"] not in _AUTHZ_HTTP]
    return listener


@pytest.mark.skipif(not REFERENCE.exists(), reason="shared reference data not present")
def test_virtual_inbound_equals_the_reference_dump_1_18():
    # every chain's network filters (istio_authn, istio.metadata_exchange, istio.stats, tcp_proxy / HCM), the
    # HCM's http filters (metadata exchange, grpc_stats, fault, cors, istio.stats, router), tracing and request id
    got = _listener(compile_yaml(HTTPBIN, TARGET, "1.18", labels=HTTPBIN_LABELS))
    assert got == _reference_virtual_inbound()


# --- per release: the Istio filters of the inbound chains ---------------------------------------------------------

MX, AUTHN, STATS = "istio.metadata_exchange", "istio_authn", "istio.stats"
HCM_NAME, TCP_NAME = "envoy.filters.network.http_connection_manager", "envoy.filters.network.tcp_proxy"
INBOUND_HTTP_FILTERS = [MX, "envoy.filters.http.grpc_stats", "envoy.filters.http.fault", "envoy.filters.http.cors",
                        STATS, "envoy.filters.http.router"]


def _names(filters):
    return [f["name"] for f in filters]


@pytest.mark.parametrize("version,authn", [("1.17", True), ("1.19", True), ("1.20", False), ("1.22", False),
                                           ("1.30", False)])
def test_inbound_chain_filter_order(version, authn):
    # 1.17.8-1.19.10 buildInboundNetworkFilters(ForHTTP): istio_authn, metadata exchange, (authz), stats, stack;
    # 1.20.0+ buildCompleteNetworkFilters: metadata exchange, (authz), stats, stack; HTTP chains: no stats
    # network filter. buildInboundBlackhole: metadata exchange, stats, tcp_proxy in every release.
    # 1.17's stats come from telemetryv2_1.17.yaml (INSERT_BEFORE router / tcp_proxy): the same places.
    lis = _listener(compile_yaml(HTTPBIN, TARGET, version))
    prefix = [AUTHN, MX] if authn else [MX]
    assert _names(lis["filterChains"][0]["filters"]) == [MX, STATS, TCP_NAME]
    for chain in lis["filterChains"][1:]:
        http = chain["filters"][-1]["name"] == HCM_NAME
        assert _names(chain["filters"]) == prefix + ([HCM_NAME] if http else [STATS, TCP_NAME]), chain["name"]
        if http:
            # buildHTTPConnectionManager for SIDECAR_INBOUND: no istio.alpn, no authn filter without
            # RequestAuthentication (authn BuildHTTP: JwtFilter only)
            assert _names(chain["filters"][-1]["typedConfig"]["httpFilters"]) == INBOUND_HTTP_FILTERS


def test_inbound_filters_1_17_envoy_filter_stats():
    # telemetryv2_1.17.yaml stats-filter-1.17 / tcp-stats-filter-1.17, SIDECAR_INBOUND patches: TypedStruct
    # stats.PluginConfig, HTTP value {"disable_host_header_fallback": true}, TCP value {}
    lis = _listener(compile_yaml(HTTPBIN, TARGET, "1.17"))
    typed = "type.googleapis.com/udpa.type.v1.TypedStruct"
    tcp_stats = lis["filterChains"][3]["filters"][2]
    assert tcp_stats == {"name": STATS, "typedConfig": {
        "@type": typed, "typeUrl": "type.googleapis.com/stats.PluginConfig", "value": {}}}
    http = _chains(lis, 80)[1]["filters"][-1]["typedConfig"]["httpFilters"]
    assert http[4]["typedConfig"]["value"] == {"disable_host_header_fallback": True}
    # xds/filters.go 1.17.8 HTTPMx: the Wasm null-VM plugin on inbound too
    assert http[0]["typedConfig"]["@type"] == "type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm"
    # IstioNetworkAuthenticationFilter: TypedStruct of io.istio.network.authn.Config without a value
    assert _chains(lis, 80)[0]["filters"][0] == {"name": AUTHN, "typedConfig": {
        "@type": typed, "typeUrl": "type.googleapis.com/io.istio.network.authn.Config"}}


def test_inbound_filters_1_30():
    lis = _listener(compile_yaml(HTTPBIN, TARGET, "1.30"))
    http_chain = _chains(lis, 80)[1]
    # xds/filters.go TCPListenerMx: TypedStruct of MetadataExchange (1.22+), no additional labels by default
    assert http_chain["filters"][0] == {"name": MX, "typedConfig": {
        "@type": "type.googleapis.com/udpa.type.v1.TypedStruct",
        "typeUrl": "type.googleapis.com/envoy.tcp.metadataexchange.config.MetadataExchange",
        "value": {"enable_discovery": True, "protocol": "istio-peer-exchange"}}}
    hcm = http_chain["filters"][1]["typedConfig"]
    # SidecarInboundMetadataFilter: peer metadata discovered and propagated downstream
    assert hcm["httpFilters"][0]["typedConfig"]["value"] == {
        "downstream_discovery": [{"istio_headers": {}}, {"workload_discovery": {}}],
        "downstream_propagation": [{"istio_headers": {}}]}
    # telemetry.go generateStatsConfig: disableHostHeaderFallback for SIDECAR_INBOUND, HTTP and TCP alike
    assert hcm["httpFilters"][4]["typedConfig"] == {"@type": "type.googleapis.com/stats.PluginConfig",
                                                    "disableHostHeaderFallback": True}
    assert lis["filterChains"][4]["filters"][1] == hcm["httpFilters"][4]
    # configureTracing (no Telemetry: MeshConfig enableTracing, sampling 1), UUID request ids, 100-continue
    assert hcm["tracing"]["randomSampling"] == {"value": 1}
    assert {"tag": "istio.cluster_id", "literal": {"value": "Kubernetes"}} in hcm["tracing"]["customTags"]
    assert hcm["requestIdExtension"]["typedConfig"]["useRequestIdForTraceSampling"] is True
    assert hcm["proxy100Continue"] is True
    assert "accessLog" not in hcm                                   # accessLogFile unset


def test_inbound_access_log_not_on_the_blackhole():
    lis = _listener(compile_yaml(HTTPBIN, TARGET, "1.30", mesh={"accessLogFile": "/dev/stdout"}))
    # buildInboundNetworkFilters: setAccessLogAndBuildTCPFilter; buildInboundBlackhole builds its tcp_proxy bare
    assert "accessLog" in lis["filterChains"][4]["filters"][-1]["typedConfig"]
    assert "accessLog" not in lis["filterChains"][0]["filters"][-1]["typedConfig"]
    assert "accessLog" in _chains(lis, 80)[1]["filters"][-1]["typedConfig"]


# --- 1.30 -------------------------------------------------------------------------------------------------------

def test_passthrough_chains_from_1_23():
    # 1.23.0+ util.InboundPassthroughCluster, no IPv4PassthroughCIDR prefix ranges; StatPrefix() is
    # DelimitedStatsPrefix for the HCM, the tcp_proxy keeps the bare cluster name (buildInboundNetworkFilters).
    lis = _listener(compile_yaml(HTTPBIN, TARGET, "1.30"))
    chains = lis["filterChains"]
    assert [c["name"] for c in chains[:6]] == ["virtualInbound-blackhole", "virtualInbound-catchall-http",
                                               "virtualInbound-catchall-http", "virtualInbound", "virtualInbound",
                                               "virtualInbound"]
    assert [c["filterChainMatch"] for c in chains[1:6]] == [
        {"transportProtocol": "tls", "applicationProtocols": ["istio-http/1.0", "istio-http/1.1", "istio-h2"]},
        {"transportProtocol": "raw_buffer", "applicationProtocols": ["http/1.1", "h2c"]},
        {"transportProtocol": "tls", "applicationProtocols": ["istio-peer-exchange", "istio"]},
        {"transportProtocol": "raw_buffer"},
        {"transportProtocol": "tls"},
    ]
    hcm = _terminal(chains[1])["typedConfig"]
    assert hcm["statPrefix"] == "InboundPassthroughCluster;"
    assert hcm["routeConfig"]["name"] == "InboundPassthroughCluster"
    assert hcm["routeConfig"]["virtualHosts"][0]["routes"][0]["decorator"] == {"operation": ":0/*"}
    assert _terminal(chains[4]) == _tcp("InboundPassthroughCluster")
    # only the mTLS options (TLS: true) carry the DownstreamTlsContext
    assert ["transportSocket" in c for c in chains] == [False, True, False, True, False, False, True, False]


def test_http_port_chains_and_inline_route_1_30():
    lis = _listener(compile_yaml(HTTPBIN, TARGET, "1.30"))
    chains = _chains(lis, 80)
    # inboundPermissiveHTTPFilterChainMatchWithMxcOptions: mTLS (all Istio ALPNs) then plaintext
    assert [c["filterChainMatch"] for c in chains] == [
        {"destinationPort": 80, "transportProtocol": "tls", "applicationProtocols": ALL_ISTIO_MTLS},
        {"destinationPort": 80, "transportProtocol": "raw_buffer"}]
    assert [c["name"] for c in chains] == ["0.0.0.0_80", "0.0.0.0_80"]
    hcm = _terminal(chains[1])["typedConfig"]
    assert hcm["statPrefix"] == "inbound_0.0.0.0_80;"
    assert hcm["serverName"] == "istio-envoy"                      # GetProxyHeaders: inbound keeps istio-envoy
    assert hcm["forwardClientCertDetails"] == "APPEND_FORWARD"
    assert hcm["setCurrentClientCertDetails"] == {"subject": True, "dns": True, "uri": True}
    assert "rds" not in hcm
    assert hcm["routeConfig"] == {
        "name": "inbound|80||",
        "virtualHosts": [{
            "name": "inbound|http|8000", "domains": ["*"],
            "routes": [{"name": "default", "match": {"prefix": "/"},
                        "route": {"cluster": "inbound|80||", "timeout": "0s",
                                  "retryPolicy": {"retryOn": "reset-before-request", "numRetries": 2},
                                  "maxStreamDuration": {"maxStreamDuration": "0s", "grpcTimeoutHeaderMax": "0s"}},
                        "decorator": {"operation": "httpbin.default.svc.cluster.local:8000/*"}}]}],
        "validateClusters": False}


def test_mtls_context_http_and_tcp():
    lis = _listener(compile_yaml(HTTPBIN, TARGET, "1.30"))
    http = _chains(lis, 80)[0]["transportSocket"]["typedConfig"]["commonTlsContext"]
    tcp = lis["filterChains"][3]["transportSocket"]["typedConfig"]["commonTlsContext"]
    # BuildInboundTLS: ALPNHttp for HTTP, ALPNDownstreamWithMxc for TCP; trust domain cluster.local prefix
    assert http["alpnProtocols"] == ["h2", "http/1.1"]
    assert tcp["alpnProtocols"] == ["istio-peer-exchange", "h2", "http/1.1"]
    assert http["combinedValidationContext"]["defaultValidationContext"] == {
        "matchSubjectAltNames": [{"prefix": "spiffe://cluster.local/"}]}
    assert http["tlsParams"]["cipherSuites"][0] == "ECDHE-ECDSA-AES256-GCM-SHA384"
    assert _chains(lis, 80)[0]["transportSocket"]["typedConfig"]["requireClientCertificate"] is True


def test_trust_domain_from_mesh_config():
    lis = _listener(compile_yaml(HTTPBIN, TARGET, "1.30", mesh={"trustDomain": "example.org"}))
    ctx = _chains(lis, 80)[0]["transportSocket"]["typedConfig"]["commonTlsContext"]
    assert ctx["combinedValidationContext"]["defaultValidationContext"]["matchSubjectAltNames"] == [
        {"prefix": "spiffe://example.org/"}]


TCP_AND_AUTO = service("db", "[{name: tcp-db, port: 3306}, {port: 9000, targetPort: 9001}, {name: grpc, port: 7070}]")


def test_tcp_auto_and_grpc_ports_1_30():
    lis = _listener(compile_yaml(TCP_AND_AUTO, "deploy/db.default", "1.30"))
    # inboundPermissiveTCPFilterChainMatchWithMxcOptions: mTLS, plain TLS, plaintext; all tcp_proxy
    tcp = _chains(lis, 3306)
    assert [c["filterChainMatch"] for c in tcp] == [
        {"destinationPort": 3306, "transportProtocol": "tls", "applicationProtocols": ALL_ISTIO_MTLS},
        {"destinationPort": 3306, "transportProtocol": "tls"},
        {"destinationPort": 3306, "transportProtocol": "raw_buffer"}]
    assert all(_terminal(c) == _tcp("inbound|3306||") for c in tcp)
    # unnamed port: sniffed, inboundPermissiveFilterChainMatchWithMxcOptions (5 chains, HTTP first)
    auto = _chains(lis, 9001)
    assert [_terminal(c)["name"].rsplit(".", 1)[1] for c in auto] == [
        "http_connection_manager", "http_connection_manager", "tcp_proxy", "tcp_proxy", "tcp_proxy"]
    # gRPC: HTTP/2 options, and no inbound retry policy from 1.26
    route = _terminal(_chains(lis, 7070)[1])["typedConfig"]
    assert route["http2ProtocolOptions"] == {}
    assert "retryPolicy" not in route["routeConfig"]["virtualHosts"][0]["routes"][0]["route"]
    # chains sorted by target port after the passthrough ones
    ports = [c["filterChainMatch"].get("destinationPort") for c in lis["filterChains"][6:]]
    assert ports == sorted(ports) and set(ports) == {3306, 7070, 9001}


def test_listener_filters_disable_inspectors_per_port():
    lis = _listener(compile_yaml(TCP_AND_AUTO, "deploy/db.default", "1.30"))
    filters = lis["listenerFilters"]
    assert [f["name"] for f in filters] == ["envoy.filters.listener.original_dst",
                                            "envoy.filters.listener.tls_inspector",
                                            "envoy.filters.listener.http_inspector"]
    # buildTLSInspector: the passthrough (port 0) inspects, so only 15006 (no TLS chain) is excluded
    assert filters[1]["filterDisabled"] == {"destinationPortRange": {"start": 15006, "end": 15007}}
    assert filters[1]["typedConfig"]["initialReadBufferSize"] == 512     # 1.23+ TLSInspector
    # buildHTTPInspector: disabled where no chain matches http/1.1 or h2c: TCP 3306, gRPC 7070 (its chains match
    # Istio ALPNs or raw_buffer only) and 15006; sorted
    assert filters[2]["filterDisabled"] == {"orMatch": {"rules": [
        {"destinationPortRange": {"start": p, "end": p + 1}} for p in (3306, 7070, 15006)]}}
    assert lis["listenerFiltersTimeout"] == "0s" and lis["continueOnListenerFiltersTimeout"] is True
    assert lis["trafficDirection"] == "INBOUND" and lis["maxConnectionsToAcceptPerSocketEvent"] == 1


def test_first_service_wins_a_target_port():
    text = HTTPBIN + SEP + service("httpbin-tcp", "[{name: tcp, port: 9999, targetPort: 80}]", app="httpbin")
    # getFilterChainsByServicePort: a second service on the same target port is a conflict, the first stays
    chains = _chains(_listener(compile_yaml(text, TARGET, "1.30")), 80)
    assert len(chains) == 2 and _terminal(chains[1])["name"] == "envoy.filters.network.http_connection_manager"


def test_no_service_only_passthrough():
    lis = _listener(compile_yaml("", "deploy/lonely.default", "1.30"))
    assert len(lis["filterChains"]) == 6


# --- Sidecar ingress --------------------------------------------------------------------------------------------

INGRESS = HTTPBIN + SEP + sidecar("httpbin-ingress", selector="app: httpbin") + """\
  ingress:
  - port: {number: 9080, protocol: HTTP, name: http}
    defaultEndpoint: 127.0.0.1:8080
  - port: {number: 9443, protocol: TCP, name: tcp}
    defaultEndpoint: 127.0.0.1:8443
    captureMode: NONE
"""


def test_sidecar_ingress_replaces_service_chains():
    cfg = compile_yaml(INGRESS, TARGET, "1.30")
    lis = _listener(cfg)
    # buildInboundChainConfigs: with ingress listeners the service ports are not used
    # (EnableSidecarServiceInboundListenerMerge defaults to false)
    assert _chains(lis, 80) == []
    chains = _chains(lis, 9080)
    assert [c["name"] for c in chains] == ["0.0.0.0_9080", "0.0.0.0_9080"]
    route = _terminal(chains[1])["typedConfig"]["routeConfig"]
    assert route["name"] == "inbound|9080||"
    # trace host: SidecarScope name.namespace
    assert route["virtualHosts"][0]["routes"][0]["decorator"] == {"operation": "httpbin-ingress.default:9080/*"}
    # 1.24.0+ configMetadata: the Sidecar that made the chain
    assert chains[0]["metadata"] == {"filterMetadata": {"istio": {
        "config": "/apis/networking.istio.io/v1/namespaces/default/sidecar/httpbin-ingress"}}}


def test_sidecar_ingress_capture_none_binds_its_own_listener():
    cfg = compile_yaml(INGRESS, TARGET, "1.30")
    names = [lis["name"] for lis in cfg.listeners]
    assert names[-2:] == ["virtualInbound", "0.0.0.0_9443"]     # inboundCustomListener after the virtual one
    lis = _listener(cfg, "0.0.0.0_9443")
    assert lis["address"] == {"socketAddress": {"address": "0.0.0.0", "portValue": 9443}}
    assert _chains(_listener(cfg), 9443) == []
    # populateListenerFilters(bindToPort): no original_dst; no port 0 chain, so the TLS inspector runs only
    # on the ports that need it (listenerPredicateIncludePorts = NOT of the exclude predicate)
    assert lis["listenerFilters"] == [{
        "name": "envoy.filters.listener.tls_inspector",
        "typedConfig": {"@type": "type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector",
                        "initialReadBufferSize": 512},
        "filterDisabled": {"notMatch": {"destinationPortRange": {"start": 9443, "end": 9444}}}}]


def test_sidecar_ingress_chain_metadata_absent_before_1_24():
    chains = _chains(_listener(compile_yaml(INGRESS, TARGET, "1.23")), 9080)
    assert chains and all("metadata" not in c for c in chains)


# Sidecar ingress `tls`: listener_inbound.go buildInboundChainConfigs (1.17.8 core/v1alpha3/ line 508, 1.30.3
# line 504) copies ingress[].tls into the chain config - and turns the port's protocol into its after-termination
# one (HTTPS -> HTTP) - only `if i.Tls != nil && features.EnableTLSOnSidecarIngress`; features
# ENABLE_TLS_ON_SIDECAR_INGRESS defaults to false in every release 1.17.8 (pilot.go) .. 1.30.3 (experimental.go).
# Even with it, buildInboundListeners uses the settings only when the port's mTLS mode is DISABLE (PERMISSIVE
# without PeerAuthentication). A default istiod therefore builds the very chains it builds without `tls`.
INGRESS_TLS = INGRESS.replace("  - port: {number: 9443, protocol: TCP, name: tcp}\n",
                              "  - port: {number: 9443, protocol: HTTPS, name: https}\n"
                              "    tls: {mode: SIMPLE, serverCertificate: /c.pem, privateKey: /k.pem}\n").replace(
    "    defaultEndpoint: 127.0.0.1:8080\n",
    "    defaultEndpoint: 127.0.0.1:8080\n    tls: {mode: SIMPLE, serverCertificate: /c.pem, privateKey: /k.pem}\n")


@pytest.mark.parametrize("version", ["1.17", "1.30"])
def test_sidecar_ingress_tls_is_ignored_by_default_istiod(version):
    with_tls = compile_yaml(INGRESS_TLS, TARGET, version)
    plain = compile_yaml(INGRESS_TLS.replace(
        "    tls: {mode: SIMPLE, serverCertificate: /c.pem, privateKey: /k.pem}\n", ""), TARGET, version)
    assert _chains(_listener(with_tls), 9080) == _chains(_listener(plain), 9080)
    assert _listener(with_tls, "0.0.0.0_9443") == _listener(plain, "0.0.0.0_9443")
    # no termination: HTTPS stays a TCP listener protocol (tcp_proxy, the PERMISSIVE TCP chains), no SIMPLE context
    chains = _listener(with_tls, "0.0.0.0_9443")["filterChains"]
    assert all(_terminal(c)["name"] == "envoy.filters.network.tcp_proxy" for c in chains)
    assert chains[0]["filterChainMatch"]["applicationProtocols"] == ALL_ISTIO_MTLS
    assert "/c.pem" not in json.dumps(with_tls.listeners)


# --- Envoy's types ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("version", ["1.17", "1.30"])
def test_listeners_load_into_envoy_types_in_declaration_order(version):
    from mesh_compile_xds.canonical import canonical_json
    from mesh_compile_xds.messages import to_message

    def pairs(value):
        if isinstance(value, dict):
            return [(k, pairs(v)) for k, v in value.items()]
        return [pairs(v) for v in value] if isinstance(value, list) else value

    for text, target in ((HTTPBIN, TARGET), (TCP_AND_AUTO, "deploy/db.default"), (INGRESS, TARGET)):
        for lis in compile_yaml(text, target, version).listeners:
            assert pairs(canonical_json(to_message("listener", lis))) == pairs(lis), lis["name"]


def test_grpc_web_port_gets_the_grpc_web_filter():
    text = service("web", "[{name: grpc-web, port: 8080}]")
    # buildHTTPConnectionManager: xdsfilters.GrpcWeb after the Istio filters, before grpc_stats (1.17.8, 1.30.3)
    hcm = _terminal(_chains(_listener(compile_yaml(text, "deploy/web.default", "1.30")), 8080)[1])["typedConfig"]
    assert _names(hcm["httpFilters"]) == [MX, "envoy.filters.http.grpc_web"] + INBOUND_HTTP_FILTERS[1:]
    assert hcm["httpFilters"][1]["typedConfig"] == {
        "@type": "type.googleapis.com/envoy.extensions.filters.http.grpc_web.v3.GrpcWeb"}


# --- IPv6 proxies: passthrough chains per IP family (1.17.8 listener_inbound.go buildInboundPassthroughChains,
# inboundChainConfig.ToFilterChainMatch: IPv4PassthroughCIDR 0.0.0.0/0, IPv6PassthroughCIDR ::/0) --------------

def _pod(ip: str) -> str:
    return HTTPBIN + f"""---
apiVersion: v1
kind: Pod
metadata: {{name: httpbin-abc, namespace: default, labels: {{app: httpbin}}}}
spec: {{containers: [{{name: httpbin, image: x}}]}}
status: {{podIP: '{ip}'}}
"""


def _passthrough_chains(lis):
    return [c for c in lis["filterChains"] if c["name"] in ("virtualInbound", "virtualInbound-catchall-http")]


@pytest.mark.parametrize("version", ["1.17", "1.22"])
def test_ipv6_proxy_gets_ipv6_passthrough_chains(version):
    chains = _passthrough_chains(_listener(compile_yaml(_pod("fd00::7"), "httpbin-abc.default", version)))
    assert len(chains) == 5     # one PERMISSIVE set (AUTO protocol: 5 match options), IPv6 only
    for chain in chains:
        assert chain["filterChainMatch"]["prefixRanges"] == [{"addressPrefix": "::", "prefixLen": 0}]
        clusters = {f["typedConfig"].get("cluster") or f["typedConfig"].get("statPrefix") for f in chain["filters"]
                    if f["name"] in (TCP_NAME, HCM_NAME)}
        assert all("InboundPassthroughClusterIpv6" in c for c in clusters), clusters


def test_ipv4_proxy_keeps_ipv4_passthrough_chains_and_1_23_has_no_prefix():
    chains = _passthrough_chains(_listener(compile_yaml(_pod("10.244.0.7"), "httpbin-abc.default", "1.22")))
    v4 = [{"addressPrefix": "0.0.0.0", "prefixLen": 0}]
    assert [c["filterChainMatch"]["prefixRanges"] for c in chains] == [v4] * 5
    chains = _passthrough_chains(_listener(compile_yaml(_pod("fd00::7"), "httpbin-abc.default", "1.23")))
    assert len(chains) == 5 and all("prefixRanges" not in c["filterChainMatch"] for c in chains)
