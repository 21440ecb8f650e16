"""Pieces every listener is made of: the HTTP connection manager, the tcp_proxy filter, listener filters,
filter-chain matches and downstream TLS (listener.go, listener_builder.go, networkfilter.go,
xds/filters/filters.go at 1.17.8 and 1.30.3).

Filter chains are first described by `ChainOpts` (istiod's filterChainOpts) and turned into Envoy dicts
once the listener knows its name, so matching rules (match-all, default chain) live in one place.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mesh_compile.build.cluster_parts import eds_config
from mesh_compile.build import http_filters as HF
from mesh_compile.versions import Behaviour

HCM = "envoy.filters.network.http_connection_manager"
HCM_TYPE = "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager"
TCP_PROXY = "envoy.filters.network.tcp_proxy"
TCP_PROXY_TYPE = "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy"
DOWNSTREAM_TLS = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext"
HTTP_FILTERS = [
    {"name": "envoy.filters.http.fault",
     "typedConfig": {"@type": "type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault"}},
    {"name": "envoy.filters.http.cors",
     "typedConfig": {"@type": "type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors"}},
    {"name": "envoy.filters.http.router",
     "typedConfig": {"@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"}},
]
# listener.go plaintextHTTPALPNs without PILOT_HTTP10 (the default), the same in 1.17.8 and 1.30.3
PLAINTEXT_HTTP_ALPNS = ["http/1.1", "h2c"]
RAW_BUFFER = "raw_buffer"
# util.ALPNHttp: what a gateway offers when it terminates TLS for HTTP
ALPN_HTTP = ["h2", "http/1.1"]
PASSTHROUGH_CHAIN = "PassthroughFilterChain"
CHAIN_CONNECT_TIMEOUT = "15s"    # defaultGatewayTransportSocketConnectTimeout (1.24+)


@dataclass
class ChainOpts:
    """One filter chain before it becomes Envoy JSON (istiod's filterChainOpts)."""
    sni_hosts: list[str] = field(default_factory=list)
    cidrs: list[str] = field(default_factory=list)
    application_protocols: list[str] = field(default_factory=list)
    transport_protocol: str = ""
    metadata: dict | None = None
    tls_context: dict | None = None
    rds: str | None = None                    # set: an HTTP chain (connection manager naming this route config)
    stat_prefix: str | None = None            # HTTP chains: overrides `outbound_<listener>`
    gateway: bool = False                     # HTTP chains: the gateway connection manager
    network_filters: list[dict] = field(default_factory=list)

    def is_match_all(self) -> bool:
        return ((not self.sni_hosts or "*" in self.sni_hosts) and not self.application_protocols
                and not self.transport_protocol and not self.cidrs)

    def match(self) -> dict | None:
        """toFilterChainMatch: keys in FilterChainMatch declaration order; None when it matches all."""
        if self.is_match_all():
            return None
        out: dict[str, Any] = {}
        ranges = [_cidr_range(c) for c in sorted(self.cidrs)]
        ranges = [r for r in ranges if r["addressPrefix"] != "0.0.0.0"]
        if ranges:
            out["prefixRanges"] = ranges
        if self.sni_hosts and "*" not in self.sni_hosts:
            out["serverNames"] = sorted(self.sni_hosts)
        if self.transport_protocol:
            out["transportProtocol"] = self.transport_protocol
        if self.application_protocols:
            out["applicationProtocols"] = list(self.application_protocols)
        return out


def _cidr_range(text: str) -> dict:
    """util.ConvertAddressToCidr: a bare IP gets /32 (or /128)."""
    address, _, length = text.partition("/")
    if not length:
        length = "128" if ":" in address else "32"
    return {"addressPrefix": address, "prefixLen": int(length)}


def stat_prefix(name: str, b: Behaviour) -> str:
    """HCM stat prefix for a listener; DelimitedStatsPrefix adds ';' from 1.23."""
    return name + (";" if b.hcm_stat_prefix_delimiter else "")


def http_connection_manager(stat: str, route_name: str, gateway: bool = False,
                            tel: HF.Telemetry | None = None, listener_class: str | None = None) -> dict:
    """buildHTTPConnectionManager, the fields that do not depend on telemetry or proxy metadata (same in
    1.17.8 and 1.30.3): default mesh pathNormalization BASE -> normalizePath, KEEP_UNCHANGED escaped
    slashes, websocket upgrades, no stream idle timeout; codecType AUTO is the enum default. Gateways
    (buildGatewayConnectionManager) use the remote address, an empty HTTP/1 options block and the default
    SANITIZE_SET client-cert handling. Keys in HttpConnectionManager declaration order.

    With `tel` (http_filters.telemetry_for) the telemetry and Istio filters of `listener_class` (default: GATEWAY
    or SIDECAR_OUTBOUND after `gateway`) are added; without it, build_listeners adds them to outbound and
    gateway listeners afterwards (listener_telemetry.py)."""
    typed: dict[str, Any] = {
        "@type": HCM_TYPE,
        "statPrefix": stat,
        "rds": {"configSource": eds_config(), "routeConfigName": route_name},
        "httpFilters": [dict(f) for f in HTTP_FILTERS],
    }
    if gateway:
        typed["httpProtocolOptions"] = {}
    typed["streamIdleTimeout"] = "0s"
    typed["useRemoteAddress"] = gateway
    if gateway:
        typed["forwardClientCertDetails"] = "SANITIZE_SET"
        typed["setCurrentClientCertDetails"] = {"subject": True, "cert": True, "dns": True, "uri": True}
    typed["upgradeConfigs"] = [{"upgradeType": "websocket"}]
    typed["normalizePath"] = True
    typed["pathWithEscapedSlashesAction"] = "KEEP_UNCHANGED"
    if tel is not None:
        typed = HF.decorate_hcm(typed, tel, listener_class or (HF.GATEWAY if gateway else HF.SIDECAR_OUTBOUND))
    return {"name": HCM, "typedConfig": typed}


def tcp_proxy(stat: str, cluster: str | None = None, weighted: list[tuple[str, int]] | None = None,
              idle_timeout: str | None = None, source_ip_hash: bool = False,
              max_connection_duration: str | None = None) -> dict:
    """A tcp_proxy network filter to one cluster or to weighted clusters (networkfilter.go); keys in
    TcpProxy declaration order."""
    typed: dict[str, Any] = {"@type": TCP_PROXY_TYPE, "statPrefix": stat}
    if weighted is not None:
        typed["weightedClusters"] = {"clusters": [{"name": n, "weight": w} for n, w in weighted]}
    else:
        typed["cluster"] = cluster
    if idle_timeout:
        typed["idleTimeout"] = idle_timeout
    if source_ip_hash:
        typed["hashPolicy"] = [{"sourceIp": {}}]
    if max_connection_duration:
        typed["maxDownstreamConnectionDuration"] = max_connection_duration
    return {"name": TCP_PROXY, "typedConfig": typed}


def tls_inspector(b: Behaviour) -> dict:
    typed: dict[str, Any] = {"@type": "type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector"}
    if b.tls_inspector_read_buffer:
        typed["initialReadBufferSize"] = 512
    return {"name": "envoy.filters.listener.tls_inspector", "typedConfig": typed}


def http_inspector() -> dict:
    return {"name": "envoy.filters.listener.http_inspector",
            "typedConfig": {"@type": "type.googleapis.com/envoy.extensions.filters.listener.http_inspector.v3.HttpInspector"}}


def needs_tls_inspector(chains: list[ChainOpts]) -> bool:
    return any(c.sni_hosts or (c.tls_context and c.tls_context["commonTlsContext"].get("alpnProtocols"))
               for c in chains)


def filter_chain(opts: ChainOpts, listener_name: str, b: Behaviour, with_match: bool) -> dict:
    """FilterChain keys in declaration order: filterChainMatch, filters, metadata, transportSocket,
    transportSocketConnectTimeout, name."""
    chain: dict[str, Any] = {}
    match = opts.match() if with_match else None
    if match is not None:
        chain["filterChainMatch"] = match
    if opts.rds is not None:
        stat = opts.stat_prefix or stat_prefix(f"outbound_{listener_name}", b)
        chain["filters"] = list(opts.network_filters) + [
            http_connection_manager(stat, opts.rds, opts.gateway)]
    else:
        chain["filters"] = list(opts.network_filters)
    if opts.metadata is not None:
        chain["metadata"] = opts.metadata
    if opts.tls_context is not None:
        chain["transportSocket"] = {"name": "envoy.transport_sockets.tls", "typedConfig": opts.tls_context}
    if b.transport_socket_connect_timeout:
        chain["transportSocketConnectTimeout"] = CHAIN_CONNECT_TIMEOUT
    return chain


def address(ip: str, port: int) -> dict:
    return {"socketAddress": {"address": ip, "portValue": port}}
