"""Inbound filter chains of a sidecar: which chains a port gets under its mTLS mode, and what each holds
(listener_inbound.go inboundChainForOpts, buildInboundNetworkFilters(ForHTTP), buildSidecarInboundHTTPOpts;
filterchain_options.go; httproute.go buildSidecarInboundHTTPRouteConfig; route.go BuildDefaultHTTPInboundRoute;
security/authn/utils BuildInboundTLS - 1.30.3 core/, 1.17.8 core/v1alpha3/).

Without PeerAuthentication objects (not read yet) every port is PERMISSIVE, istiod's default: mTLS chains
matched by Istio ALPNs beside plaintext ones. Every chain starts with http_filters.inbound_network_filters
(istio_authn up to 1.19, istio.metadata_exchange); the telemetry parts (istio.stats, the connection manager's
Istio HTTP filters, tracing, request id, access logs) are added afterwards with the SIDECAR_INBOUND class
(listener_telemetry.py). Without AuthorizationPolicy objects (not read yet) there is no rbac / ext_authz filter.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mesh_compile.build import http_filters as HF
from mesh_compile.build import listener_parts as LP
from mesh_compile.build import tls as TLS
from mesh_compile.index import protocol as P
from mesh_compile.versions import Behaviour

HTTP, TCP, AUTO = "HTTP", "TCP", "AUTO"
PERMISSIVE, STRICT, DISABLE = "PERMISSIVE", "STRICT", "DISABLE"
CATCHALL_HTTP_CHAIN = "virtualInbound-catchall-http"   # model.VirtualInboundCatchAllHTTPFilterChainName
VIRTUAL_INBOUND = "virtualInbound"                     # model.VirtualInboundListenerName
TLS_TRANSPORT, RAW = "tls", LP.RAW_BUFFER

# listener.go: the ALPNs a client sidecar offers over mTLS
MTLS_HTTP_ALPNS = ["istio-http/1.0", "istio-http/1.1", "istio-h2"]
ALL_ISTIO_MTLS_ALPNS = ["istio", "istio-peer-exchange", "istio-http/1.0", "istio-http/1.1", "istio-h2"]
MTLS_TCP_WITH_MXC_ALPNS = ["istio-peer-exchange", "istio"]
# util.ALPNHttp / util.ALPNDownstreamWithMxc: what the server side offers back
SERVER_ALPN_HTTP = ["h2", "http/1.1"]
SERVER_ALPN_TCP = ["istio-peer-exchange", "h2", "http/1.1"]
# authn utils SupportedCiphers (meshMTLS.cipherSuites unset)
MESH_CIPHERS = ["ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-ECDSA-AES128-GCM-SHA256",
                "ECDHE-RSA-AES128-GCM-SHA256", "AES256-GCM-SHA384", "AES128-GCM-SHA256"]


@dataclass(frozen=True)
class MatchOpt:
    """FilterChainMatchOptions: one chain of a port."""
    protocol: str
    transport: str
    alpns: tuple[str, ...] = ()
    tls: bool = False


_O = MatchOpt
# filterchain_options.go, by (listener protocol, mTLS mode); the same tables in 1.17.8 and 1.30.3
_OPTIONS: dict[tuple[str, str], list[MatchOpt]] = {
    (AUTO, PERMISSIVE): [_O(HTTP, TLS_TRANSPORT, tuple(MTLS_HTTP_ALPNS), True),
                         _O(HTTP, RAW, tuple(LP.PLAINTEXT_HTTP_ALPNS)),
                         _O(TCP, TLS_TRANSPORT, tuple(MTLS_TCP_WITH_MXC_ALPNS), True),
                         _O(TCP, RAW), _O(TCP, TLS_TRANSPORT)],
    (HTTP, PERMISSIVE): [_O(HTTP, TLS_TRANSPORT, tuple(ALL_ISTIO_MTLS_ALPNS), True), _O(HTTP, RAW)],
    (TCP, PERMISSIVE): [_O(TCP, TLS_TRANSPORT, tuple(ALL_ISTIO_MTLS_ALPNS), True), _O(TCP, TLS_TRANSPORT),
                        _O(TCP, RAW)],
    (AUTO, STRICT): [_O(HTTP, TLS_TRANSPORT, tuple(MTLS_HTTP_ALPNS), True), _O(TCP, TLS_TRANSPORT, (), True)],
    (HTTP, STRICT): [_O(HTTP, TLS_TRANSPORT, (), True)],
    (TCP, STRICT): [_O(TCP, TLS_TRANSPORT, (), True)],
    (AUTO, DISABLE): [_O(HTTP, RAW, tuple(LP.PLAINTEXT_HTTP_ALPNS)), _O(TCP, RAW)],
    (HTTP, DISABLE): [_O(HTTP, RAW)],
    (TCP, DISABLE): [_O(TCP, RAW)],
}


def match_options(listener_protocol: str, mode: str) -> list[MatchOpt]:
    """getFilterChainMatchOptions."""
    return _OPTIONS[(listener_protocol, mode)]


def listener_protocol(proto: str) -> str:
    """ModelProtocolToListenerProtocol for inbound (sniffing on inbound is on by default)."""
    if P.is_http(proto):
        return HTTP
    return AUTO if P.is_sniffed(proto) else TCP


@dataclass
class ChainConfig:
    """inboundChainConfig: one port of the proxy (or the passthrough) before it becomes chains."""
    cluster: str
    port: int                   # the service port (vhost name, trace operation)
    target_port: int            # 0 for the passthrough chains: no destination port match
    protocol: str
    bind: str = "0.0.0.0"
    passthrough: bool = False
    bind_to_port: bool = False
    hostname: str = ""          # telemetry InstanceHostname: the trace operation's host
    metadata: dict | None = None

    def name(self, protocol: str) -> str:
        if self.passthrough:
            return CATCHALL_HTTP_CHAIN if protocol == HTTP else VIRTUAL_INBOUND
        return f"{self.bind}_{self.target_port}"

    def stat_prefix(self, b: Behaviour) -> str:
        """StatPrefix: the cluster for the passthrough, else inbound_<bind>_<port>; ';' from 1.23."""
        return LP.stat_prefix(self.cluster if self.passthrough else "inbound_" + self.name(HTTP), b)


def mtls_context(protocol: str, trust_domains: list[str]) -> dict:
    """BuildInboundTLS (PERMISSIVE/STRICT): the workload certificate over SDS, client certificates required
    and checked against the mesh trust domains (TrustDomainsForValidation); keys in declaration order."""
    common = {
        "tlsParams": {**TLS.TLS_PARAMS, "cipherSuites": list(MESH_CIPHERS)},
        "tlsCertificateSdsSecretConfigs": [{"name": "default", "sdsConfig": TLS.sds_config()}],
        "combinedValidationContext": {
            "defaultValidationContext": {
                "matchSubjectAltNames": [{"prefix": f"spiffe://{td}/"} for td in trust_domains]},
            "validationContextSdsSecretConfig": {"name": "ROOTCA", "sdsConfig": TLS.sds_config()},
        },
        "alpnProtocols": list(SERVER_ALPN_TCP if protocol == TCP else SERVER_ALPN_HTTP),
    }
    return {"@type": LP.DOWNSTREAM_TLS, "commonTlsContext": common, "requireClientCertificate": True}


def chains_for(cc: ChainConfig, mode: str, trust_domains: list[str], b: Behaviour) -> list[dict]:
    """inboundChainForOpts: one filter chain per match option of the port's protocol and mTLS mode."""
    out = []
    for opt in match_options(listener_protocol(cc.protocol), mode):
        chain: dict[str, Any] = {"filterChainMatch": _match(cc, opt, b)}
        terminal = http_filter(cc, b) if opt.protocol == HTTP else tcp_filter(cc)
        chain["filters"] = HF.inbound_network_filters(b) + [terminal]
        if cc.metadata is not None:
            chain["metadata"] = cc.metadata
        if opt.tls:
            chain["transportSocket"] = {"name": "envoy.transport_sockets.tls",
                                        "typedConfig": mtls_context(opt.protocol, trust_domains)}
        chain["name"] = cc.name(opt.protocol)
        out.append(chain)
    return out


def _match(cc: ChainConfig, opt: MatchOpt, b: Behaviour) -> dict:
    """ToFilterChainMatch; before 1.23 the passthrough chains also matched 0.0.0.0/0, or ::/0 for the
    InboundPassthroughClusterIpv6 set (an IP version match, one set of chains per IP family)."""
    match: dict[str, Any] = {}
    if cc.target_port > 0:
        match["destinationPort"] = cc.target_port
    if cc.passthrough and not b.single_inbound_passthrough:
        prefix = "::" if cc.cluster.endswith("Ipv6") else "0.0.0.0"
        match["prefixRanges"] = [{"addressPrefix": prefix, "prefixLen": 0}]
    match["transportProtocol"] = opt.transport
    if opt.alpns:
        match["applicationProtocols"] = list(opt.alpns)
    return match


def tcp_filter(cc: ChainConfig) -> dict:
    """buildInboundNetworkFilters: tcp_proxy to the inbound cluster, stat prefix the cluster name."""
    return LP.tcp_proxy(cc.cluster, cluster=cc.cluster)


def inbound_route(cc: ChainConfig, b: Behaviour) -> dict:
    """buildSidecarInboundHTTPRouteConfig: one `*` vhost `inbound|http|<service port>` with the default
    inbound route (no timeout, no max stream duration; reset-before-request retries from 1.24, except
    for gRPC from 1.26)."""
    action: dict[str, Any] = {"cluster": cc.cluster, "timeout": "0s"}
    grpc = cc.protocol in (P.GRPC, P.GRPC_WEB)
    if b.inbound_retry_reset and not (grpc and b.inbound_retry_skips_grpc):
        action["retryPolicy"] = {"retryOn": "reset-before-request", "numRetries": 2}
    action["maxStreamDuration"] = {"maxStreamDuration": "0s", "grpcTimeoutHeaderMax": "0s"}
    route = {"name": "default", "match": {"prefix": "/"}, "route": action,
             "decorator": {"operation": f"{cc.hostname}:{cc.port}/*"}}
    vhost = {"name": f"inbound|http|{cc.port}", "domains": ["*"], "routes": [route]}
    return {"name": cc.cluster, "virtualHosts": [vhost], "validateClusters": False}


def http_filter(cc: ChainConfig, b: Behaviour) -> dict:
    """The inbound connection manager: the outbound one of listener_parts with the route inline instead of
    RDS, plus buildSidecarInboundHTTPOpts' fields (GetProxyHeaders defaults for the inbound class:
    server name istio-envoy, APPEND_FORWARD, subject/dns/uri cert details; http2 options for HTTP/2 ports;
    the grpc_web filter for gRPC-Web ports)."""
    base = LP.http_connection_manager(cc.stat_prefix(b), cc.cluster)["typedConfig"]
    typed: dict[str, Any] = {}
    for key, value in base.items():
        if key == "rds":
            typed["routeConfig"] = inbound_route(cc, b)
            continue
        if key == "httpFilters" and cc.protocol == P.GRPC_WEB:
            value = [HF.grpc_web_filter()] + list(value)    # buildHTTPConnectionManager: protocol GRPCWeb
        if key == "streamIdleTimeout":
            if P.is_http2(cc.protocol):
                typed["http2ProtocolOptions"] = {}
            typed["serverName"] = "istio-envoy"
        typed[key] = value
        if key == "useRemoteAddress":
            typed["forwardClientCertDetails"] = "APPEND_FORWARD"
            typed["setCurrentClientCertDetails"] = {"subject": True, "dns": True, "uri": True}
    return {"name": LP.HCM, "typedConfig": typed}
