"""The sidecar's inbound listeners: virtualInbound (0.0.0.0:15006) and, for Sidecar ingress listeners with
captureMode NONE, listeners bound to their own port (listener_inbound.go buildInboundListeners,
buildInboundChainConfigs, inboundVirtualListener, buildInboundListener, populateListenerFilters at 1.30.3;
core/v1alpha3/listener_inbound.go at 1.17.8).

iptables redirects inbound connections to 15006; the original_dst listener filter restores their port, and
the chains match on it:
* `virtualInbound-blackhole`: connections addressed to 15006 itself;
* the passthrough chains (`virtualInbound-catchall-http`, `virtualInbound`) for ports no service declares,
  to InboundPassthroughCluster (two per IP family before 1.23: InboundPassthroughClusterIpv4);
* per target port of the services selecting the proxy (or of the Sidecar's ingress listeners, which then
  replace them), `0.0.0.0_<port>` chains: HTTP ports an inline route to `inbound|<port>||`, TCP ports a
  tcp_proxy to it, unnamed ports both.
The tls/http inspectors run only on the ports whose chains need them (buildTLSInspector, buildHTTPInspector).
A Sidecar ingress listener's `tls` changes nothing: buildInboundChainConfigs reads it only under istiod's
ENABLE_TLS_ON_SIDECAR_INGRESS (default false, 1.17.8-1.30.3), and then only for mTLS mode DISABLE.
"""
from __future__ import annotations

from typing import Any

from mesh_compile.build import http_filters as HF
from mesh_compile.build import listener_parts as LP
from mesh_compile.build.inbound import ip_families, proxy_instances
from mesh_compile.build.listener_inbound_chains import PERMISSIVE, ChainConfig, chains_for
from mesh_compile.build.names import BLACKHOLE, INBOUND, INBOUND_PASSTHROUGH, subset_key
from mesh_compile.index import protocol as P
from mesh_compile.index.mesh_index import MeshIndex
from mesh_compile.index.proxy import Proxy
from mesh_compile.index.sidecar_scope import Scope
from mesh_compile.versions import Behaviour

VIRTUAL_INBOUND = "virtualInbound"
BLACKHOLE_CHAIN = "virtualInbound-blackhole"      # model.VirtualInboundBlackholeFilterChainName
PROXY_INBOUND_LISTEN_PORT = 15006                 # mesh proxyInboundListenPort default
WILDCARD = "0.0.0.0"
PASSTHROUGH_V4 = "InboundPassthroughClusterIpv4"  # util.InboundPassthroughClusterIpv4 (up to 1.22)
PASSTHROUGH_V6 = "InboundPassthroughClusterIpv6"  # util.InboundPassthroughClusterIpv6 (up to 1.22)
ORIGINAL_DST_TYPE = "type.googleapis.com/envoy.extensions.filters.listener.original_dst.v3.OriginalDst"
ORIGINAL_DST = {"name": "envoy.filters.listener.original_dst", "typedConfig": {"@type": ORIGINAL_DST_TYPE}}


def build_inbound_listeners(proxy: Proxy, index: MeshIndex, scope: Scope, b: Behaviour) -> list[dict]:
    """virtualInbound first, then the bound listeners of Sidecar ingress listeners (captureMode NONE)."""
    trust = _trust_domains(index)
    virtual: list[dict] = []
    bound: list[dict] = []
    for cc in chain_configs(proxy, index, scope, b):
        chains = chains_for(cc, PERMISSIVE, trust, b)
        if cc.bind_to_port:
            bound.append(_listener(cc.name(P.TCP), cc.bind, cc.target_port, chains, True, b))
        else:
            virtual.extend(chains)
    passthrough = [chain for cc in _passthrough(proxy, b) for chain in chains_for(cc, PERMISSIVE, trust, b)]
    all_chains = [_blackhole_chain(b)] + passthrough + virtual
    return [_listener(VIRTUAL_INBOUND, WILDCARD, PROXY_INBOUND_LISTEN_PORT, all_chains, False, b)] + bound


def _trust_domains(index: MeshIndex) -> list[str]:
    """TrustDomainsForValidation: the mesh trust domain (aliases and CA trust domains not read yet)."""
    return [index.mesh.trust_domain]


def chain_configs(proxy: Proxy, index: MeshIndex, scope: Scope, b: Behaviour) -> list[ChainConfig]:
    """buildInboundChainConfigs: the Sidecar's ingress listeners when it has any, else the proxy's service
    ports; one per target port (the first one wins), sorted by target port."""
    sidecar = scope.sidecar
    configs = _ingress_configs(proxy, sidecar, b) if sidecar is not None and sidecar.spec.ingress \
        else _service_configs(proxy, index)
    by_port: dict[int, ChainConfig] = {}
    for cc in configs:
        by_port.setdefault(cc.target_port, cc)
    return [by_port[p] for p in sorted(by_port)]


def _service_configs(proxy: Proxy, index: MeshIndex) -> list[ChainConfig]:
    """getFilterChainsByServicePort: every (service, port) selecting the proxy, on the wildcard."""
    return [ChainConfig(cluster=subset_key(INBOUND, "", "", target), port=sport.port, target_port=target,
                        protocol=sport.protocol, hostname=svc.hostname)
            for svc, sport, target in proxy_instances(proxy, index)]


def _ingress_configs(proxy: Proxy, sidecar: Any, b: Behaviour) -> list[ChainConfig]:
    """Sidecar ingress listeners: port and targetPort are the listener's number; the trace host is
    `<sidecar>.<namespace>`; captureMode NONE binds a real listener (default bind: the wildcard, as
    getSidecarInboundBindIPs gives for a pod IP that is not known to be global unicast)."""
    out = []
    for ing in sidecar.spec.ingress:
        number = ing.port.number
        meta = None
        if b.sidecar_ingress_chain_metadata:
            meta = {"filterMetadata": {"istio": {"config": (
                f"/apis/networking.istio.io/{b.config_api_version}/namespaces/{sidecar.meta.namespace}"
                f"/sidecar/{sidecar.meta.name}")}}}
        out.append(ChainConfig(
            cluster=subset_key(INBOUND, "", "", number), port=number, target_port=number,
            protocol=P.parse_protocol(ing.port.protocol), bind=ing.bind or WILDCARD,
            bind_to_port=ing.captureMode == "NONE", hostname=f"{sidecar.meta.name}.{sidecar.meta.namespace}",
            metadata=meta))
    return out


def _passthrough(proxy: Proxy, b: Behaviour) -> list[ChainConfig]:
    """buildInboundPassthroughChains: port 0, protocol unknown (so sniffed: HTTP and TCP chains). Before 1.23
    one set per IP family of the proxy, IPv4 first (SupportsIPv4 / SupportsIPv6 at 1.17.8); since then one."""
    if b.single_inbound_passthrough:
        clusters = [INBOUND_PASSTHROUGH]
    else:
        v4, v6 = ip_families(proxy)
        clusters = [PASSTHROUGH_V4] * v4 + [PASSTHROUGH_V6] * v6
    return [ChainConfig(cluster=c, port=0, target_port=0, protocol=P.UNSUPPORTED, passthrough=True)
            for c in clusters]


def _blackhole_chain(b: Behaviour) -> dict:
    """buildInboundBlackhole: traffic addressed to 15006 itself would loop. The metadata exchange filter but
    never istio_authn (1.17.8 and 1.30.3 alike); istio.stats comes with the telemetry pass."""
    filters = [f for f in HF.inbound_network_filters(b) if f["name"] != HF.AUTHN]
    return {"filterChainMatch": {"destinationPort": PROXY_INBOUND_LISTEN_PORT},
            "filters": filters + [LP.tcp_proxy(BLACKHOLE, cluster=BLACKHOLE)],
            "name": BLACKHOLE_CHAIN}


def _listener(name: str, bind: str, port: int, chains: list[dict], bind_to_port: bool, b: Behaviour) -> dict:
    """buildInboundListener; keys in Listener declaration order."""
    out: dict[str, Any] = {"name": name, "address": LP.address(bind, port), "filterChains": chains}
    filters = listener_filters(chains, bind_to_port, b)
    if filters:
        out["listenerFilters"] = filters
    out["listenerFiltersTimeout"] = "0s"           # mesh protocolDetectionTimeout default
    out["continueOnListenerFiltersTimeout"] = True
    out["trafficDirection"] = "INBOUND"
    if b.max_connections_per_socket_event:
        out["maxConnectionsToAcceptPerSocketEvent"] = 1
    return out


def listener_filters(chains: list[dict], bind_to_port: bool, b: Behaviour) -> list[dict]:
    """populateListenerFilters: original_dst on the virtual listener, then a tls_inspector / http_inspector
    when some chain needs one, disabled on the ports whose chains do not."""
    tls_ports: dict[int, bool] = {}
    http_ports: dict[int, bool] = {}
    for chain in chains:
        match = chain.get("filterChainMatch") or {}
        port = match.get("destinationPort", 0)
        alpns = match.get("applicationProtocols") or []
        tls_ports[port] = tls_ports.get(port, False) or match.get("transportProtocol") == "tls"
        http_ports[port] = http_ports.get(port, False) or "http/1.1" in alpns or "h2c" in alpns
    out = [] if bind_to_port else [dict(ORIGINAL_DST)]
    if any(tls_ports.values()):
        out.append(_with_disabled(LP.tls_inspector(b), _tls_predicate(tls_ports)))
    if any(http_ports.values()):
        out.append(_with_disabled(LP.http_inspector(), _exclude([p for p, on in http_ports.items() if not on])))
    return out


def _tls_predicate(ports: dict[int, bool]) -> dict | None:
    """buildTLSInspector: with the passthrough (port 0) inspecting, exclude the ports that do not; otherwise
    run only on the ports that do (a NOT of the same predicate)."""
    if ports.get(0, False):
        return _exclude([p for p, on in ports.items() if p and not on])
    included = _exclude([p for p, on in ports.items() if p and on])
    return {"notMatch": included} if included is not None else None


def _exclude(ports: list[int]) -> dict | None:
    """listenerPredicateExcludePorts: [port, port+1) ranges, or-ed when several; None when no port."""
    rules = [{"destinationPortRange": {"start": p, "end": p + 1}} for p in sorted(ports)]
    if not rules:
        return None
    return rules[0] if len(rules) == 1 else {"orMatch": {"rules": rules}}


def _with_disabled(listener_filter: dict, predicate: dict | None) -> dict:
    return listener_filter if predicate is None else {**listener_filter, "filterDisabled": predicate}
