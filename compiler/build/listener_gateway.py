"""Gateway listeners, one per (bind, targetPort) (gateway.go buildGatewayListeners,
buildGatewayTCPBasedFilterChains, createGateway{HTTP,TCP}FilterChainOpts; listener.go buildGatewayListener;
model/gateway.go MergeGateways; 1.17.8 v1alpha3/ and 1.30.3 core/).

* plaintext HTTP servers on a port share one chain naming `http.<port>[.<bind>]`;
* HTTPS servers that terminate TLS (SIMPLE/MUTUAL/OPTIONAL_MUTUAL/ISTIO_MUTUAL, see listener_tls.py) get a
  chain each: SNI match on the server hosts, the TLS context, and RDS
  `https.<port>.<portName>.<gateway>.<namespace>`;
* TCP servers get the tcp_proxy of the first matching VirtualService tcp route (behind the TLS context when
  a TLS server terminates, and the metadata-exchange filter for ISTIO_MUTUAL); TLS PASSTHROUGH servers a
  chain per matching VirtualService tls match (SNI); AUTO_PASSTHROUGH servers a chain per service port and
  subset (SNI `outbound_.P_.subset_.host`) to the SNI-DNAT clusters of that name (sni_dnat.py).
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from mesh_compile.build import listener_parts as LP
from mesh_compile.build import listener_tls as LT
from mesh_compile.build import tcp_routes as TR
from mesh_compile.build.cluster_parts import mx_filter
from mesh_compile.build.gateway_servers import GatewayServer, servers_for
from mesh_compile.build.names import OUTBOUND, sni_key
from mesh_compile.index.hosts import host_matches, hosts_intersect, resolve_gateway_name
from mesh_compile.index.mesh_index import MeshIndex, VirtualServiceView
from mesh_compile.index.protocol import parse_protocol
from mesh_compile.index.proxy import Proxy
from mesh_compile.index.sidecar_scope import scope_for
from mesh_compile.versions import Behaviour

PASSTHROUGH_MODES = ("PASSTHROUGH", "AUTO_PASSTHROUGH")


def _mode(gs: GatewayServer) -> str:
    return (gs.server.tls.mode or "SIMPLE") if gs.server.tls is not None else ""


def sni_hosts(gs: GatewayServer) -> list[str]:
    """GetSNIHostsForServer: hosts without their namespace, deduplicated and sorted."""
    return sorted({h.rpartition("/")[2] for h in gs.server.hosts})


def is_built(gs: GatewayServer) -> bool:
    """Servers whose chains this module emits: every protocol/TLS mode pairing istiod builds a chain for."""
    if gs.is_http():
        return True
    if gs.protocol in ("HTTPS", "TLS") and _mode(gs) not in PASSTHROUGH_MODES:
        return LT.supported(gs.server.tls)
    if gs.protocol in ("TCP", "MONGO", "REDIS", "MYSQL") and gs.server.tls is None:
        return True
    return gs.protocol in ("TLS", "HTTPS") and _mode(gs) in PASSTHROUGH_MODES


def has_auto_passthrough(proxy: Proxy, index: MeshIndex) -> bool:
    """MergedGateway.ContainsAutoPassthroughGateways: the gateway then gets SNI-DNAT clusters."""
    return any(_mode(gs) == "AUTO_PASSTHROUGH" for gs in servers_for(proxy, index))


def _server_vss(gs: GatewayServer, index: MeshIndex, proxy: Proxy) -> list[VirtualServiceView]:
    """VirtualServicesForGateway, keeping those with a host the server exposes (pickMatchingGatewayHosts)."""
    out = []
    for vs in index.virtual_services_for(proxy.namespace, gs.gateway_name):
        hosts = []
        for h in gs.hosts:
            ns, sep, host = h.rpartition("/")
            if sep and ns not in ("*", ".", vs.namespace):
                continue
            hosts.append(host)
        if any(hosts_intersect(sh, vh) for sh in hosts for vh in vs.hosts):
            out.append(vs)
    return out


def _port_match(match: Any, gs: GatewayServer) -> bool:
    """l4SingleMatch on a gateway: the match port must be the server's port; gateways name this one."""
    port = getattr(match, "port", None) or 0
    return not port or port == gs.port


def _l4ctx(gs: GatewayServer, index: MeshIndex, proxy: Proxy, b: Behaviour) -> TR.L4Context:
    return TR.L4Context(b, index, proxy, gs.port, gs.gateway_name, parse_protocol(gs.protocol))


def _gateway_match(match: Any, vs: VirtualServiceView, gs: GatewayServer) -> bool:
    gws = list(getattr(match, "gateways", None) or [])
    return (not gws or gs.gateway_name in [resolve_gateway_name(g, vs.namespace) for g in gws]) and _port_match(match, gs)


def _tcp_filters(gs: GatewayServer, index: MeshIndex, proxy: Proxy, b: Behaviour) -> list[dict]:
    """buildGatewayNetworkFiltersFromTCPRoutes: the first VS tcp route whose matches fit this server."""
    for vs in _server_vss(gs, index, proxy):
        for tcp in vs.spec.tcp or []:
            if tcp.route and (not tcp.match or any(_gateway_match(m, vs, gs) for m in tcp.match)):
                return TR.route_filters(tcp.route, vs, _l4ctx(gs, index, proxy, b))
    return []


def _passthrough_chains(gs: GatewayServer, index: MeshIndex, proxy: Proxy, b: Behaviour,
                        known_sni: dict[str, str]) -> list[LP.ChainOpts]:
    """buildGatewayNetworkFiltersFromTLSRoutes (PASSTHROUGH): one chain per matching tls match."""
    out = []
    for vs in _server_vss(gs, index, proxy):
        for tls in vs.spec.tls or []:
            for m in tls.match or []:
                if not tls.route or not _gateway_match(m, vs, gs):
                    continue
                bind = gs.server.bind or ""
                if any(known_sni.get(h) == bind for h in m.sniHosts):
                    continue          # CheckDuplicates: an SNI host is served once per port and bind
                known_sni.update({h: bind for h in m.sniHosts})
                out.append(LP.ChainOpts(sni_hosts=list(m.sniHosts),
                                        network_filters=TR.route_filters(tls.route, vs, _l4ctx(gs, index, proxy, b))))
    return out


def auto_passthrough_chains(gs: GatewayServer, index: MeshIndex, proxy: Proxy, b: Behaviour) -> list[LP.ChainOpts]:
    """builtAutoPassthroughFilterChains: in-mesh services under the server hosts, by DNS SRV-style SNI."""
    out = []
    hosts = sni_hosts(gs)
    for svc in scope_for(proxy, index).services:
        if svc.mesh_external or not any(host_matches(h, svc.hostname) for h in hosts):
            continue
        drs = index.destination_rule(proxy.namespace, proxy.labels, svc)
        subsets = [s.name for s in (drs[0].spec.subsets or [])] if drs else []
        for sport in svc.ports:
            if sport.protocol == "UDP":
                continue
            ctx = TR.L4Context(b, index, proxy, sport.port, gs.gateway_name, sport.protocol)
            for subset in [""] + subsets:
                name = sni_key(OUTBOUND, subset, svc.hostname, sport.port)
                out.append(LP.ChainOpts(sni_hosts=[name], application_protocols=list(ISTIO_MTLS_ALPNS),
                                        network_filters=TR.single_destination(name, name, svc.hostname, subset, ctx)))
    return out


# listener.go allIstioMtlsALPNs (1.17.8 and 1.30.3)
ISTIO_MTLS_ALPNS = ["istio", "istio-peer-exchange", "istio-http/1.0", "istio-http/1.1", "istio-h2"]


def _server_chains(gs: GatewayServer, index: MeshIndex, proxy: Proxy, b: Behaviour,
                   known_sni: dict[str, str]) -> list[LP.ChainOpts]:
    mode = _mode(gs)
    mesh_tls = index.mesh.tls_defaults
    if gs.protocol == "HTTPS" and mode not in PASSTHROUGH_MODES:
        tls_context = LT.downstream_context(gs.server.tls, b, False, mesh_tls)
        return [LP.ChainOpts(sni_hosts=sni_hosts(gs), tls_context=tls_context,
                             rds=gs.route_name(), stat_prefix=gs.server.name or None, gateway=True)]
    if mode == "AUTO_PASSTHROUGH":
        return auto_passthrough_chains(gs, index, proxy, b)
    if mode == "PASSTHROUGH":
        return _passthrough_chains(gs, index, proxy, b, known_sni)
    filters = _tcp_filters(gs, index, proxy, b)
    if not filters:
        return []     # "listener missed network filter"
    if gs.server.tls is None:
        return [LP.ChainOpts(network_filters=filters)]
    if mode == "ISTIO_MUTUAL":
        # buildGatewayNetworkFiltersFromTCPRoutes includeMx: metadata exchange goes first
        filters = [mx_filter(b)] + filters
    return [LP.ChainOpts(sni_hosts=sni_hosts(gs), tls_context=LT.downstream_context(gs.server.tls, b, True, mesh_tls),
                         network_filters=filters)]


def _group(proxy: Proxy, index: MeshIndex) -> dict[tuple[str, int], list[GatewayServer]]:
    """Servers by listener (bind, targetPort); a server whose protocol cannot share the port with the first
    one there (HTTP vs non-HTTP on the same bind) is dropped, as MergeGateways does."""
    out: dict[tuple[str, int], list[GatewayServer]] = {}
    tls_hosts: dict[int, dict[str, str]] = {}
    for gs in servers_for(proxy, index):
        if gs.server.tls is not None:
            # CheckDuplicates: a host already served with TLS on this port and bind rejects the server
            known = tls_hosts.setdefault(gs.target_port, {})
            bind = gs.server.bind or ""
            if any(known.get(h) == bind for h in gs.server.hosts):
                continue
            known.update({h: bind for h in gs.server.hosts})
        if not is_built(gs):
            continue
        key = (gs.server.bind or "0.0.0.0", gs.target_port)
        group = out.setdefault(key, [])
        if group and group[0].is_http() != gs.is_http():
            continue
        group.append(gs)
    return out


# 1.17.8 pilot/pkg/xds/filters/filters.go IstioNetworkAuthenticationFilter (protoconv.TypedStruct: no value)
ISTIO_AUTHN = {"name": "istio_authn", "typedConfig": {"@type": "type.googleapis.com/udpa.type.v1.TypedStruct",
                                                      "typeUrl": "type.googleapis.com/io.istio.network.authn.Config"}}


def _with_istio_authn(c: LP.ChainOpts) -> LP.ChainOpts:
    """1.17-1.19 gateway chains get istio_authn (proxy >= 1.17): MutableListener.build puts it before the
    connection manager of an HTTP chain and before the last (terminating) network filter of a TCP chain."""
    filters = c.network_filters
    if c.rds is not None or not filters:
        return replace(c, network_filters=[*filters, ISTIO_AUTHN])
    return replace(c, network_filters=[*filters[:-1], ISTIO_AUTHN, filters[-1]])


def _listener(bind: str, port: int, chains: list[LP.ChainOpts], b: Behaviour) -> dict:
    name = f"{bind}_{port}"
    if not b.no_gateway_istio_authn:
        chains = [_with_istio_authn(c) for c in chains]
    out: dict[str, Any] = {"name": name, "address": LP.address(bind, port),
                           "filterChains": [LP.filter_chain(c, name, b, with_match=True) for c in chains]}
    if LP.needs_tls_inspector(chains):
        out["listenerFilters"] = [LP.tls_inspector(b)]
    out["trafficDirection"] = "OUTBOUND"
    if b.max_connections_per_socket_event:
        out["maxConnectionsToAcceptPerSocketEvent"] = 1
    return out


def build_gateway_listeners(proxy: Proxy, index: MeshIndex, b: Behaviour) -> list[dict]:
    listeners = []
    for (bind, port), servers in _group(proxy, index).items():
        known_sni: dict[str, str] = {}
        if servers[0].is_http():
            chains = [LP.ChainOpts(rds=servers[0].route_name(), gateway=True)]
        else:
            chains = [c for gs in servers for c in _server_chains(gs, index, proxy, b, known_sni)]
        if chains:          # a listener without chains is omitted ("must have more than 0 chains")
            listeners.append(_listener(bind, port, chains, b))
    return listeners
