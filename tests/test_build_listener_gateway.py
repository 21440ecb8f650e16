"""Gateway listeners against istiod's gateway.go / listener.go / model/gateway.go and
security/model/authentication.go (1.17.8 v1alpha3/, 1.30.3 core/). Expected values come from that code."""
import pytest

from helpers import compile_yaml
from meshes import SEP, destination_rule, doc, gateway, service, virtual_service
from test_build_listener_outbound import assert_canonical, listener, tcp_config

GW = "deploy/istio-ingressgateway.istio-system"
SVCS = doc(service("web", "[{name: http, port: 80, targetPort: 8080}]", namespace="shop", cluster_ip="10.96.0.21",
                   selector=False),
           service("secure", "[{name: https, port: 443, targetPort: 8443}]", namespace="shop",
                   cluster_ip="10.96.0.22", selector=False),
           service("db", "[{name: tcp, port: 3306, targetPort: 3306}]", namespace="shop", cluster_ip="10.96.0.20",
                   selector=False))
GATEWAY = SEP + gateway("gw", namespace="shop") + doc(
    """\
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["*"]
    tls: {httpsRedirect: true}
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: [shop/web.example.com]
    tls: {mode: SIMPLE, credentialName: web-cred}
  - port: {number: 443, name: https-m, protocol: HTTPS}
    name: mutual
    hosts: [m.example.com]
    tls: {mode: MUTUAL, credentialName: m-cred, subjectAltNames: ["spiffe://client"], minProtocolVersion: TLSV1_2}
  - port: {number: 443, name: tls-pt, protocol: TLS}
    hosts: [pt.example.com]
    tls: {mode: PASSTHROUGH}
  - port: {number: 31400, name: tcp, protocol: TCP}
    hosts: ["*"]
""",
    virtual_service("gw-web", "web.example.com, m.example.com", namespace="shop", gateways="gw") + """\
  http:
  - route: [{destination: {host: web, port: {number: 80}}}]
""",
    virtual_service("gw-pt", "pt.example.com", namespace="shop", gateways="gw") + """\
  tls:
  - match: [{port: 443, sniHosts: [pt.example.com]}]
    route: [{destination: {host: secure, port: {number: 443}}}]
""",
    virtual_service("gw-tcp", '"*"', namespace="shop", gateways="gw") + """\
  tcp:
  - match: [{port: 31400}]
    route: [{destination: {host: db, port: {number: 3306}}}]
""",
)
SDS_ADS = {"ads": {}, "resourceApiVersion": "V3"}   # authentication.go SDSAdsConfig


def test_one_listener_per_target_port():
    # buildGatewayListeners: <bind>_<port> per resolved port; the default gateway Service maps 80->8080,
    # 443->8443 and leaves 31400 (no Service port) as it is (facts 4.1)
    cfg = compile_yaml(SVCS + GATEWAY, GW)
    assert [x["name"] for x in cfg.listeners] == ["0.0.0.0_8080", "0.0.0.0_8443", "0.0.0.0_31400"]


@pytest.mark.parametrize("version,max_accept", [("1.25", None), ("1.26", 1)])
def test_http_listener(version, max_accept):
    lis = listener(compile_yaml(SVCS + GATEWAY, GW, version), "0.0.0.0_8080")
    [chain] = lis["filterChains"]
    assert "filterChainMatch" not in chain and "bindToPort" not in lis
    hcm = chain["filters"][0]["typedConfig"]
    assert hcm["rds"]["routeConfigName"] == "http.8080"
    # createGatewayHTTPFilterChainOpts: useRemoteAddress true; buildGatewayConnectionManager SANITIZE_SET
    assert hcm["useRemoteAddress"] is True
    assert hcm["forwardClientCertDetails"] == "SANITIZE_SET"
    assert hcm["setCurrentClientCertDetails"] == {"subject": True, "cert": True, "dns": True, "uri": True}
    # 1.26.0 buildGatewayListener: maxConnectionsToAcceptPerSocketEvent (MAX_CONNECTIONS_PER_SOCKET_EVENT_LOOP=1)
    assert lis.get("maxConnectionsToAcceptPerSocketEvent") == max_accept


def test_https_servers_get_a_chain_each_with_sds_secrets():
    lis = listener(compile_yaml(SVCS + GATEWAY, GW), "0.0.0.0_8443")
    simple, mutual, passthrough = lis["filterChains"]
    # GetSNIHostsForServer strips the namespace; RDS https.<server port>.<port name>.<gateway>.<ns>
    assert simple["filterChainMatch"] == {"serverNames": ["web.example.com"]}
    hcm = simple["filters"][0]["typedConfig"]
    assert hcm["rds"]["routeConfigName"] == "https.443.https.gw.shop"
    assert hcm["statPrefix"] == "outbound_0.0.0.0_8443;"
    # BuildListenerTLSContext + ApplyCredentialSDSToServerCommonTLSContext, credentials.ToResourceName
    assert simple["transportSocket"] == {"name": "envoy.transport_sockets.tls", "typedConfig": {
        "@type": "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext",
        "commonTlsContext": {
            "tlsCertificateSdsSecretConfigs": [{"name": "kubernetes://web-cred", "sdsConfig": SDS_ADS}],
            "alpnProtocols": ["h2", "http/1.1"]},
        "requireClientCertificate": False}}
    # the server's name is the HCM stat prefix (createGatewayHTTPFilterChainOpts statPrefix: server.Name)
    assert mutual["filters"][0]["typedConfig"]["statPrefix"] == "mutual"
    assert mutual["transportSocket"]["typedConfig"] == {
        "@type": "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext",
        "commonTlsContext": {
            "tlsParams": {"tlsMinimumProtocolVersion": "TLSv1_2"},
            "tlsCertificateSdsSecretConfigs": [{"name": "kubernetes://m-cred", "sdsConfig": SDS_ADS}],
            "combinedValidationContext": {
                "defaultValidationContext": {"matchSubjectAltNames": [{"exact": "spiffe://client"}]},
                "validationContextSdsSecretConfig": {"name": "kubernetes://m-cred-cacert", "sdsConfig": SDS_ADS}},
            "alpnProtocols": ["h2", "http/1.1"]},
        "requireClientCertificate": True}
    # PASSTHROUGH: buildGatewayNetworkFiltersFromTLSRoutes, SNI from the VS match, no TLS context
    assert passthrough["filterChainMatch"] == {"serverNames": ["pt.example.com"]}
    assert "transportSocket" not in passthrough
    assert tcp_config(passthrough)["cluster"] == "outbound|443||secure.shop.svc.cluster.local"
    assert [f["name"] for f in lis["listenerFilters"]] == ["envoy.filters.listener.tls_inspector"]


def test_tcp_server_uses_the_virtual_service_tcp_route():
    lis = listener(compile_yaml(SVCS + GATEWAY, GW), "0.0.0.0_31400")
    [chain] = lis["filterChains"]
    assert "filterChainMatch" not in chain and "listenerFilters" not in lis
    assert tcp_config(chain)["cluster"] == "outbound|3306||db.shop.svc.cluster.local"


def test_tcp_server_without_route_has_no_listener():
    # gateway.go: "listener missed network filter" -> no chain; a listener needs at least one chain
    text = SVCS + GATEWAY.split("---\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: gw-tcp")[0]
    names = [x["name"] for x in compile_yaml(text, GW).listeners]
    assert "0.0.0.0_31400" not in names and "0.0.0.0_8080" in names


def test_duplicate_tls_host_on_a_port_drops_the_later_server():
    # model/gateway.go MergeGateways CheckDuplicates: the same host text, same port and bind
    text = SVCS + GATEWAY.replace("hosts: [m.example.com]", "hosts: [shop/web.example.com]")
    lis = listener(compile_yaml(text, GW), "0.0.0.0_8443")
    assert [c["filterChainMatch"]["serverNames"] for c in lis["filterChains"]] == [["web.example.com"], ["pt.example.com"]]


def test_auto_passthrough_chains_per_service_port_and_subset():
    text = SVCS + SEP + doc(
        gateway("cross", namespace="istio-system") + """\
  - port: {number: 15443, name: tls, protocol: TLS}
    hosts: ["*.shop.svc.cluster.local"]
    tls: {mode: AUTO_PASSTHROUGH}
""",
        destination_rule("db", "db.shop.svc.cluster.local", namespace="shop") + """\
  subsets: [{name: v1, labels: {version: v1}}]
""",
    )
    lis = listener(compile_yaml(text, GW), "0.0.0.0_15443")
    # builtAutoPassthroughFilterChains: BuildDNSSrvSubsetKey SNI, allIstioMtlsALPNs, in services order
    got = [(c["filterChainMatch"]["serverNames"], tcp_config(c)["cluster"]) for c in lis["filterChains"]]
    assert got == [
        (["outbound_.3306_._.db.shop.svc.cluster.local"], "outbound_.3306_._.db.shop.svc.cluster.local"),
        (["outbound_.3306_.v1_.db.shop.svc.cluster.local"], "outbound_.3306_.v1_.db.shop.svc.cluster.local"),
        (["outbound_.443_._.secure.shop.svc.cluster.local"], "outbound_.443_._.secure.shop.svc.cluster.local"),
        (["outbound_.80_._.web.shop.svc.cluster.local"], "outbound_.80_._.web.shop.svc.cluster.local")]
    assert lis["filterChains"][0]["filterChainMatch"]["applicationProtocols"] == [
        "istio", "istio-peer-exchange", "istio-http/1.0", "istio-http/1.1", "istio-h2"]
    # passthrough: no TLS context, the stat prefix is the cluster name
    assert "transportSocket" not in lis["filterChains"][0]
    assert tcp_config(lis["filterChains"][1])["statPrefix"] == "outbound_.3306_.v1_.db.shop.svc.cluster.local"


def test_bind_names_the_listener_and_route():
    text = SVCS + SEP + gateway("gw", namespace="shop") + """  - port: {number: 80, name: http, protocol: HTTP}
    bind: 10.0.0.1
    hosts: ["*"]
"""
    lis = listener(compile_yaml(text, GW), "10.0.0.1_8080")
    assert lis["address"] == {"socketAddress": {"address": "10.0.0.1", "portValue": 8080}}
    assert lis["filterChains"][0]["filters"][0]["typedConfig"]["rds"]["routeConfigName"] == "http.8080.10.0.0.1"


# pkg/model/authentication.go ConstructSdsSecretConfig: istio-agent's SDS cluster; default/ROOTCA add
# initialFetchTimeout 0s (defaultSDSConfig/rootSDSConfig), file-cert/file-root names do not
AGENT_SDS = {"apiConfigSource": {"apiType": "GRPC", "transportApiVersion": "V3",
                                 "grpcServices": [{"envoyGrpc": {"clusterName": "sds-grpc"}}],
                                 "setNodeOnFirstMessageOnly": True},
             "initialFetchTimeout": "0s", "resourceApiVersion": "V3"}
FILE_SDS = {k: v for k, v in AGENT_SDS.items() if k != "initialFetchTimeout"}
DOWNSTREAM = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext"


def one_server_gateway(tls: str, protocol: str = "HTTPS", extra: str = "") -> str:
    return SVCS + f"""
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {{name: gw, namespace: shop}}
spec:
  selector: {{istio: ingressgateway}}
  servers:
  - port: {{number: 443, name: p, protocol: {protocol}}}
    hosts: [web.example.com]
    tls: {tls}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: gw-web, namespace: shop}}
spec:
  hosts: [web.example.com]
  gateways: [gw]
  http:
  - route: [{{destination: {{host: web, port: {{number: 80}}}}}}]
  tcp:
  - route: [{{destination: {{host: db, port: {{number: 3306}}}}}}]
{extra}"""


def tls_of(text: str, version: str = "1.30") -> dict:
    [chain] = listener(compile_yaml(text, GW, version), "0.0.0.0_8443")["filterChains"]
    assert chain["transportSocket"]["name"] == "envoy.transport_sockets.tls"
    return chain["transportSocket"]["typedConfig"]


@pytest.mark.parametrize("version", ["1.17", "1.30"])
def test_istio_mutual_https_uses_the_proxy_identity(version):
    # BuildListenerTLSContext ISTIO_MUTUAL -> ApplyToCommonTLSContext with the gateway's own metadata (no
    # cert files): default + ROOTCA from sds-grpc, client certs required, ALPN h2/http1.1 (ALPNHttp)
    ctx = tls_of(one_server_gateway("{mode: ISTIO_MUTUAL, subjectAltNames: [spiffe://a]}"), version)
    assert ctx == {"@type": DOWNSTREAM, "commonTlsContext": {
        "tlsCertificateSdsSecretConfigs": [{"name": "default", "sdsConfig": AGENT_SDS}],
        "combinedValidationContext": {
            "defaultValidationContext": {"matchSubjectAltNames": [{"exact": "spiffe://a"}]},
            "validationContextSdsSecretConfig": {"name": "ROOTCA", "sdsConfig": AGENT_SDS}},
        "alpnProtocols": ["h2", "http/1.1"]},
        "requireClientCertificate": True}


@pytest.mark.parametrize("version,params", [("1.17", {"tlsMinimumProtocolVersion": "TLSv1_3"}), ("1.18", None)])
def test_istio_mutual_tls_params_only_in_1_17(version, params):
    # 1.17.8 set TlsParams for any mode; 1.18.0 applyServerTLSSettings only when isSimpleOrMutual
    ctx = tls_of(one_server_gateway("{mode: ISTIO_MUTUAL, minProtocolVersion: TLSV1_3}"), version)
    assert ctx["commonTlsContext"].get("tlsParams") == params


def test_istio_mutual_tcp_server_adds_peer_exchange():
    # TLS server terminating ISTIO_MUTUAL: ALPNDownstreamWithMxc, and buildGatewayNetworkFiltersFromTCPRoutes
    # puts the metadata-exchange filter (TCPListenerMx) before the tcp_proxy
    [chain] = listener(compile_yaml(one_server_gateway("{mode: ISTIO_MUTUAL}", "TLS"), GW), "0.0.0.0_8443")["filterChains"]
    assert chain["filterChainMatch"] == {"serverNames": ["web.example.com"]}
    assert chain["transportSocket"]["typedConfig"]["commonTlsContext"]["alpnProtocols"] == [
        "istio-peer-exchange", "h2", "http/1.1"]
    names = [f["name"] for f in chain["filters"]]
    assert names[0] == "istio.metadata_exchange" and names[-1] == "envoy.filters.network.tcp_proxy"
    assert names.count("istio.metadata_exchange") == 1
    assert tcp_config(chain)["cluster"] == "outbound|3306||db.shop.svc.cluster.local"


def test_simple_tls_tcp_server_has_no_peer_exchange():
    [chain] = listener(compile_yaml(one_server_gateway("{mode: SIMPLE, credentialName: c}", "TLS"), GW),
                       "0.0.0.0_8443")["filterChains"]
    names = [f["name"] for f in chain["filters"]]
    assert "istio.metadata_exchange" not in names and names[-1] == "envoy.filters.network.tcp_proxy"
    assert chain["transportSocket"]["typedConfig"]["commonTlsContext"]["alpnProtocols"] == ["h2", "http/1.1"]


def test_simple_with_certificate_files():
    # ApplyToCommonTLSContext on a proxy whose metadata holds the files: SdsCertificateConfig resource
    # name file-cert:<cert>~<key>; SIMPLE validates no client, so the CA file is not used
    ctx = tls_of(one_server_gateway("{mode: SIMPLE, serverCertificate: /c.pem, privateKey: /k.pem, caCertificates: /ca.pem}"))
    assert ctx["commonTlsContext"] == {
        "tlsCertificateSdsSecretConfigs": [{"name": "file-cert:/c.pem~/k.pem", "sdsConfig": FILE_SDS}],
        "alpnProtocols": ["h2", "http/1.1"]}
    assert ctx["requireClientCertificate"] is False


@pytest.mark.parametrize("version,crl", [("1.21", None), ("1.22", {"filename": "/crl.pem"})])
def test_mutual_with_certificate_files(version, crl):
    # MUTUAL: file-root:<ca> validation (GetRootResourceName); caCrl -> crl from 1.22.0
    ctx = tls_of(one_server_gateway("{mode: MUTUAL, serverCertificate: /c.pem, privateKey: /k.pem, "
                                    "caCertificates: /ca.pem, caCrl: /crl.pem, subjectAltNames: [a]}"), version)
    default = {"matchSubjectAltNames": [{"exact": "a"}]}
    if crl:
        default["crl"] = crl
    assert ctx["commonTlsContext"]["combinedValidationContext"] == {
        "defaultValidationContext": default,
        "validationContextSdsSecretConfig": {"name": "file-root:/ca.pem", "sdsConfig": FILE_SDS}}
    assert ctx["requireClientCertificate"] is True


@pytest.mark.parametrize("version,names", [
    ("1.26", ["default"]),
    ("1.27", ["file-cert:/rsa.pem~/rsa.key", "file-cert:/ec.pem~/ec.key"])])
def test_tls_certificates_list(version, names):
    # tlsCertificates (1.27.0 ApplyToCommonTLSContext): one file-cert secret each; before 1.27 the field did
    # not exist and the server had no certificate paths: the fallback `default`
    ctx = tls_of(one_server_gateway("{mode: SIMPLE, tlsCertificates: [{serverCertificate: /rsa.pem, privateKey: /rsa.key}, "
                                    "{serverCertificate: /ec.pem, privateKey: /ec.key}]}"), version)
    assert [s["name"] for s in ctx["commonTlsContext"]["tlsCertificateSdsSecretConfigs"]] == names


def test_credential_names_list_and_first_ca():
    # 1.27.0 ApplyCredentialSDSToServerCommonTLSContext: one ADS secret per credentialNames entry, the CA of
    # the first one
    ctx = tls_of(one_server_gateway("{mode: MUTUAL, credentialNames: [rsa, ec]}"))
    common = ctx["commonTlsContext"]
    assert common["tlsCertificateSdsSecretConfigs"] == [
        {"name": "kubernetes://rsa", "sdsConfig": SDS_ADS}, {"name": "kubernetes://ec", "sdsConfig": SDS_ADS}]
    assert common["combinedValidationContext"]["validationContextSdsSecretConfig"] == {
        "name": "kubernetes://rsa-cacert", "sdsConfig": SDS_ADS}


@pytest.mark.parametrize("version,ca", [("1.27", "kubernetes://c-cacert"), ("1.28", "kubernetes://my-ca")])
def test_ca_cert_credential_name_since_1_28(version, ca):
    ctx = tls_of(one_server_gateway("{mode: MUTUAL, credentialName: c, caCertCredentialName: my-ca}"), version)
    assert ctx["commonTlsContext"]["combinedValidationContext"]["validationContextSdsSecretConfig"]["name"] == ca


@pytest.mark.parametrize("version,validated,params", [("1.18", False, None),
                                                      ("1.19", True, {"tlsMinimumProtocolVersion": "TLSv1_2"})])
def test_optional_mutual_since_1_19(version, validated, params):
    # 1.19.0: OPTIONAL_MUTUAL validates client certificates (CA secret) without requiring them, and gets
    # tlsParams (isSimpleOrMutual); 1.18.7 treated it like SIMPLE
    ctx = tls_of(one_server_gateway("{mode: OPTIONAL_MUTUAL, credentialName: c, minProtocolVersion: TLSV1_2}"), version)
    assert ("combinedValidationContext" in ctx["commonTlsContext"]) is validated
    assert ctx["commonTlsContext"].get("tlsParams") == params
    assert ctx["requireClientCertificate"] is False


def test_gateway_tls_is_no_longer_reported():
    from mesh_compile.index.unsupported import unsupported_features
    from mesh_compile.load.loader import load_text
    from mesh_compile.model.objects import parse_object

    for tls in ("{mode: ISTIO_MUTUAL}", "{mode: AUTO_PASSTHROUGH}", "{mode: SIMPLE, serverCertificate: /c, privateKey: /k}"):
        objects = [parse_object(raw)[0] for raw in load_text(one_server_gateway(tls, "TLS"), "t.yaml").objects]
        assert unsupported_features(o for o in objects if o is not None) == []


@pytest.mark.parametrize("version", ["1.17", "1.30"])
def test_outputs_are_canonical_envoy_listeners(version):
    assert_canonical(compile_yaml(SVCS + GATEWAY, GW, version).listeners)


@pytest.mark.parametrize("tls,protocol", [
    ("{mode: ISTIO_MUTUAL, subjectAltNames: [a]}", "TLS"),
    ("{mode: MUTUAL, serverCertificate: /c, privateKey: /k, caCertificates: /ca, caCrl: /crl, subjectAltNames: [a]}", "HTTPS"),
    ("{mode: MUTUAL, credentialNames: [a, b], verifyCertificateHash: [h], subjectAltNames: [s]}", "HTTPS"),
    ("{mode: AUTO_PASSTHROUGH}", "TLS")])
def test_tls_listeners_are_canonical(tls, protocol):
    assert_canonical(compile_yaml(one_server_gateway(tls, protocol), GW).listeners)


AUTHN, TCP_PROXY, HCM = "istio_authn", "envoy.filters.network.tcp_proxy", "envoy.filters.network.http_connection_manager"


@pytest.mark.parametrize("version,tls,protocol,names", [
    ("1.17", "null", "TCP", [AUTHN, TCP_PROXY]),
    ("1.19", "null", "TCP", [AUTHN, TCP_PROXY]),
    ("1.20", "null", "TCP", [TCP_PROXY]),
    ("1.17", "{mode: ISTIO_MUTUAL}", "TLS", ["istio.metadata_exchange", AUTHN, TCP_PROXY]),
    ("1.17", "{mode: SIMPLE, credentialName: c}", "HTTPS", [AUTHN, HCM]),
    ("1.20", "{mode: SIMPLE, credentialName: c}", "HTTPS", [HCM])])
def test_istio_authn_on_gateway_chains_before_1_20(version, tls, protocol, names):
    # 1.17.8..1.19.10 gateway.go buildGatewayListeners appends xdsfilters.IstioNetworkAuthenticationFilter to every
    # gateway chain (proxy >= 1.17); listener.go MutableListener.build puts a chain's TCP filters before the
    # connection manager, or before the last network filter (the tcp_proxy). 1.20.0 gateway.go has none.
    # (the telemetry filter istio.stats, inserted before tcp_proxy after istiod built the chain, is not the point here)
    [chain] = listener(compile_yaml(one_server_gateway(tls, protocol), GW, version), "0.0.0.0_8443")["filterChains"]
    filters = [f for f in chain["filters"] if f["name"] != "istio.stats"]
    assert [f["name"] for f in filters] == names
    if AUTHN in names:
        # filters.go: protoconv.TypedStruct("type.googleapis.com/io.istio.network.authn.Config"), no value
        assert filters[names.index(AUTHN)]["typedConfig"] == {
            "@type": "type.googleapis.com/udpa.type.v1.TypedStruct",
            "typeUrl": "type.googleapis.com/io.istio.network.authn.Config"}


# --- telemetry and Istio filters on gateway connection managers and TCP chains (http_filters.py) -----------

def _gateway_chains(version, mesh=None):
    cfg = compile_yaml(SVCS + GATEWAY, GW, version, mesh=mesh)
    http = [f["typedConfig"] for f in listener(cfg, "0.0.0.0_8080")["filterChains"][0]["filters"]
            if f["name"] == "envoy.filters.network.http_connection_manager"][0]
    [tcp] = listener(cfg, "0.0.0.0_31400")["filterChains"]
    return http, tcp


@pytest.mark.parametrize("version,stats_http,stats_tcp", [
    # 1.17.8 telemetryv2_1.17.yaml, context GATEWAY: HTTP value {"disable_host_header_fallback": true}, TCP {}
    ("1.17", {"@type": "type.googleapis.com/udpa.type.v1.TypedStruct", "typeUrl": "type.googleapis.com/stats.PluginConfig",
              "value": {"disable_host_header_fallback": True}},
     {"@type": "type.googleapis.com/udpa.type.v1.TypedStruct", "typeUrl": "type.googleapis.com/stats.PluginConfig",
      "value": {}}),
    # 1.30.3 model/telemetry.go generateStatsConfig: disableHostHeaderFallback for ListenerClassGateway, HTTP and TCP
    ("1.30", {"@type": "type.googleapis.com/stats.PluginConfig", "disableHostHeaderFallback": True},
     {"@type": "type.googleapis.com/stats.PluginConfig", "disableHostHeaderFallback": True})])
def test_gateway_telemetry_filters(version, stats_http, stats_tcp):
    # buildHTTPConnectionManager for the gateway class: MX (outbound variant), grpc_stats, ALPN (class is not
    # inbound), fault, cors, istio.stats, router
    http, tcp = _gateway_chains(version)
    assert [f["name"] for f in http["httpFilters"]] == [
        "istio.metadata_exchange", "envoy.filters.http.grpc_stats", "istio.alpn", "envoy.filters.http.fault",
        "envoy.filters.http.cors", "istio.stats", "envoy.filters.http.router"]
    assert http["httpFilters"][-2]["typedConfig"] == stats_http
    stats = [f for f in tcp["filters"] if f["name"] == "istio.stats"]
    assert [f["typedConfig"] for f in stats] == [stats_tcp]
    assert [f["name"] for f in tcp["filters"]][-2:] == ["istio.stats", "envoy.filters.network.tcp_proxy"]


def test_gateway_tracing_tags_name_the_gateway():
    # gateways chart deployment.yaml: canonical-name = gateway name, canonical-revision latest, MESH_ID =
    # meshConfig.trustDomain (cluster.local), CLUSTER_ID Kubernetes; tracing.go buildServiceTags
    http, _ = _gateway_chains("1.30")
    assert http["tracing"]["customTags"][4:] == [
        {"tag": "istio.canonical_revision", "literal": {"value": "latest"}},
        {"tag": "istio.canonical_service", "literal": {"value": "istio-ingressgateway"}},
        {"tag": "istio.cluster_id", "literal": {"value": "Kubernetes"}},
        {"tag": "istio.mesh_id", "literal": {"value": "cluster.local"}},
        {"tag": "istio.namespace", "literal": {"value": "istio-system"}}]


def test_gateway_connection_manager_field_order_and_access_log():
    # HttpConnectionManager declaration order; buildGatewayConnectionManager + buildHTTPConnectionManager
    # (1.30.3: Proxy_100Continue, requestIdExtension); accessLogFile -> accessLog on the HCM and the tcp_proxy
    http, tcp = _gateway_chains("1.30", mesh={"accessLogFile": "/dev/stdout"})
    assert list(http) == ["@type", "statPrefix", "rds", "httpFilters", "tracing", "httpProtocolOptions",
                          "streamIdleTimeout", "accessLog", "useRemoteAddress", "forwardClientCertDetails",
                          "setCurrentClientCertDetails", "proxy100Continue", "upgradeConfigs", "normalizePath",
                          "pathWithEscapedSlashesAction", "requestIdExtension"]
    assert http["accessLog"][0]["typedConfig"]["path"] == "/dev/stdout"
    assert tcp["filters"][-1]["typedConfig"]["accessLog"] == http["accessLog"]
