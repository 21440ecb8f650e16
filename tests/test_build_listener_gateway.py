"""Gateway listeners against istiod's gateway.go / listener.go / model/gateway.go and
security/model/authentication.go (1.17.8 v1alpha3/, 1.30.3 core/). Expected values come from that code."""
import pytest

from helpers import compile_yaml
from test_build_listener_outbound import assert_canonical, listener, tcp_config

GW = "deploy/istio-ingressgateway.istio-system"
SVCS = """
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  clusterIP: 10.96.0.21
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: secure, namespace: shop}
spec:
  clusterIP: 10.96.0.22
  ports: [{name: https, port: 443, targetPort: 8443}]
---
apiVersion: v1
kind: Service
metadata: {name: db, namespace: shop}
spec:
  clusterIP: 10.96.0.20
  ports: [{name: tcp, port: 3306, targetPort: 3306}]
"""
GATEWAY = """
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: shop}
spec:
  selector: {istio: ingressgateway}
  servers:
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
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: gw-web, namespace: shop}
spec:
  hosts: [web.example.com, m.example.com]
  gateways: [gw]
  http:
  - route: [{destination: {host: web, port: {number: 80}}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: gw-pt, namespace: shop}
spec:
  hosts: [pt.example.com]
  gateways: [gw]
  tls:
  - match: [{port: 443, sniHosts: [pt.example.com]}]
    route: [{destination: {host: secure, port: {number: 443}}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: gw-tcp, namespace: shop}
spec:
  hosts: ["*"]
  gateways: [gw]
  tcp:
  - match: [{port: 31400}]
    route: [{destination: {host: db, port: {number: 3306}}}]
"""
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
    text = SVCS + """
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: cross, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 15443, name: tls, protocol: TLS}
    hosts: ["*.shop.svc.cluster.local"]
    tls: {mode: AUTO_PASSTHROUGH}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: db, namespace: shop}
spec:
  host: db.shop.svc.cluster.local
  subsets: [{name: v1, labels: {version: v1}}]
"""
    cfg = compile_yaml(text, GW)
    # not emitted while the SNI-DNAT clusters are missing from CDS
    assert "0.0.0.0_15443" not in [x["name"] for x in cfg.listeners]
    lis = auto_passthrough_listener(text)
    # builtAutoPassthroughFilterChains: BuildDNSSrvSubsetKey SNI, allIstioMtlsALPNs, in services order
    got = [(c["filterChainMatch"]["serverNames"], tcp_config(c)["cluster"]) for c in lis["filterChains"]]
    assert got == [
        (["outbound_.3306_._.db.shop.svc.cluster.local"], "outbound_.3306_._.db.shop.svc.cluster.local"),
        (["outbound_.3306_.v1_.db.shop.svc.cluster.local"], "outbound_.3306_.v1_.db.shop.svc.cluster.local"),
        (["outbound_.443_._.secure.shop.svc.cluster.local"], "outbound_.443_._.secure.shop.svc.cluster.local"),
        (["outbound_.80_._.web.shop.svc.cluster.local"], "outbound_.80_._.web.shop.svc.cluster.local")]
    assert lis["filterChains"][0]["filterChainMatch"]["applicationProtocols"] == [
        "istio", "istio-peer-exchange", "istio-http/1.0", "istio-http/1.1", "istio-h2"]


def auto_passthrough_listener(text):
    """The AUTO_PASSTHROUGH chains, built directly (the listener build leaves them out for now)."""
    from mesh_compile.build import listener_gateway as LG
    from mesh_compile.build.gateway_servers import servers_for
    from mesh_compile.index.mesh_config import settings_from
    from mesh_compile.index.mesh_index import MeshIndex
    from mesh_compile.index.proxy import resolve_proxy
    from mesh_compile.load.loader import load_text
    from mesh_compile.model.objects import parse_object
    from mesh_compile.versions import behaviour_for

    objects = [o for o in (parse_object(raw)[0] for raw in load_text(text, "t.yaml").objects) if o is not None]
    index = MeshIndex(objects, settings_from(None))
    proxy = resolve_proxy(GW, index)
    b = behaviour_for((1, 30))
    [gs] = [g for g in servers_for(proxy, index) if g.server.tls and g.server.tls.mode == "AUTO_PASSTHROUGH"]
    chains = LG.auto_passthrough_chains(gs, index, proxy, b)
    return LG._listener("0.0.0.0", gs.target_port, chains, b)


def test_bind_names_the_listener_and_route():
    text = SVCS + """
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: shop}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    bind: 10.0.0.1
    hosts: ["*"]
"""
    lis = listener(compile_yaml(text, GW), "10.0.0.1_8080")
    assert lis["address"] == {"socketAddress": {"address": "10.0.0.1", "portValue": 8080}}
    assert lis["filterChains"][0]["filters"][0]["typedConfig"]["rds"]["routeConfigName"] == "http.8080.10.0.0.1"


def test_file_certificates_are_left_out_and_reported():
    from mesh_compile.index.unsupported import unsupported_features
    from mesh_compile.load.loader import load_text
    from mesh_compile.model.objects import parse_object

    text = GATEWAY.replace("tls: {mode: SIMPLE, credentialName: web-cred}",
                           "tls: {mode: SIMPLE, serverCertificate: /c.pem, privateKey: /k.pem}")
    lis = listener(compile_yaml(SVCS + text, GW), "0.0.0.0_8443")
    assert [c["filterChainMatch"]["serverNames"] for c in lis["filterChains"]] == [["m.example.com"], ["pt.example.com"]]
    objects = [parse_object(raw)[0] for raw in load_text(text, "t.yaml").objects]
    fields = [p.field for p in unsupported_features(o for o in objects if o is not None)]
    assert fields == ["spec.servers[1].tls"]


@pytest.mark.parametrize("version", ["1.17", "1.30"])
def test_outputs_are_canonical_envoy_listeners(version):
    assert_canonical(compile_yaml(SVCS + GATEWAY, GW, version).listeners)
