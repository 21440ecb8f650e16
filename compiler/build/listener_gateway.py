"""Gateway listeners, one per (bind, targetPort) (gateway.go buildGatewayListeners,
buildGatewayTCPBasedFilterChains, createGateway{HTTP,TCP}FilterChainOpts; listener.go buildGatewayListener;
model/gateway.go MergeGateways; 1.17.8 v1alpha3/ and 1.30.3 core/).

* plaintext HTTP servers on a port share one chain naming `http.<port>[.<bind>]`;
* HTTPS servers that terminate TLS (credentialName) get a chain each: SNI match on the server hosts, the
  TLS context, and RDS `https.<port>.<portName>.<gateway>.<namespace>`;
* TCP servers get the tcp_proxy of the first matching VirtualService tcp route; TLS PASSTHROUGH servers a
  chain per matching VirtualService tls match (SNI). AUTO_PASSTHROUGH chains (one per service port and
  subset, SNI `outbound_.P_.subset_.host`) are built by `auto_passthrough_chains` but not emitted until the
  SNI-DNAT clusters they name exist.
"""
from __future__ import annotations

from typing import Any

from mesh_compile.build import listener_parts as LP
from mesh_compile.build import listener_tls as LT
from mesh_compile.build import tcp_routes as TR
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
    """Servers whose chains this module emits (the rest stay reported by index/unsupported.py)."""
    if gs.is_http():
        return True
    if gs.protocol == "HTTPS" and _mode(gs) not in PASSTHROUGH_MODES:
        return LT.supported(gs.server.tls)
    if gs.protocol in ("TCP", "MONGO", "REDIS", "MYSQL") and gs.server.tls is None:
        return True
    if gs.protocol == "TLS" and _mode(gs) not in PASSTHROUGH_MODES:
        return LT.supported(gs.server.tls)
    # AUTO_PASSTHROUGH chains route to the SNI-DNAT clusters `outbound_.P_.subset_.host`, which the cluster
    # build does not make yet: until it does, such servers stay out (and reported)
    return gs.protocol in ("TLS", "HTTPS") and _mode(gs) == "PASSTHROUGH"


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
    if gs.protocol == "HTTPS" and mode not in PASSTHROUGH_MODES:
        return [LP.ChainOpts(sni_hosts=sni_hosts(gs), tls_context=LT.downstream_context(gs.server.tls),
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
    return [LP.ChainOpts(sni_hosts=sni_hosts(gs), tls_context=LT.downstream_context(gs.server.tls),
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


def _listener(bind: str, port: int, chains: list[LP.ChainOpts], b: Behaviour) -> dict:
    name = f"{bind}_{port}"
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
