"""Sidecar outbound listeners, one per (bind address, port) (listener.go buildSidecarOutboundListeners,
buildSidecarOutboundListener, buildListenerFromEntry at 1.30.3; v1alpha3/listener.go at 1.17.8).

Protocol selection (compiler/index/protocol.py) decides the shape:
* HTTP ports: `0.0.0.0_<P>`, an HTTP chain (RDS `<P>`) matched by the http_inspector's ALPN, and a
  PassthroughFilterChain default for anything else;
* TCP, TLS, HTTPS, Mongo, ... ports: `<VIP>_<P>` with tcp_proxy chains (VirtualService tcp/tls routes
  or `outbound|P||host`);
* sniffed ports: `<VIP>_<P>` with both an HTTP chain (RDS `<fqdn>:<P>`) and the TCP chain as default.
Services without a VIP listen on `0.0.0.0_<P>`; headless Kubernetes TCP services on each endpoint IP.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from mesh_compile.build import listener_parts as LP
from mesh_compile.build import tcp_routes as TR
from mesh_compile.build.names import catch_all_cluster
from mesh_compile.index import protocol as P
from mesh_compile.index.hosts import host_matches, is_ip
from mesh_compile.index.mesh_index import MeshIndex, VirtualServiceView
from mesh_compile.index.proxy import Proxy
from mesh_compile.index.services import ALIAS, KUBERNETES, PASSTHROUGH as RES_PASSTHROUGH, Service, ServicePort
from mesh_compile.index.sidecar_scope import EgressListener, Scope
from mesh_compile.versions import Behaviour

WILDCARD = "0.0.0.0"
HTTP, TCP, AUTO = "HTTP", "TCP", "AUTO"


@dataclass
class _Entry:
    bind: str
    port: int
    chains: list[LP.ChainOpts]
    protocol: str                 # HTTP, TCP or AUTO: what later services on the same key merge with
    port_protocol: str = ""       # the first service port's protocol (well-known port conflicts)
    locked: bool = False          # built for a Sidecar egress listener with a port: the catch-all adds nothing


@dataclass
class _Build:
    proxy: Proxy
    index: MeshIndex
    scope: Scope
    b: Behaviour
    entries: dict[tuple[str, int], _Entry] = field(default_factory=dict)


def _listener_protocol(proto: str) -> str | None:
    """ModelProtocolToListenerProtocol; UDP gets no listener."""
    if proto == P.UDP:
        return None
    if P.is_http(proto):
        return HTTP
    return AUTO if P.is_sniffed(proto) else TCP


def _vss_for(svc: Service, vss: list[VirtualServiceView]) -> list[VirtualServiceView]:
    """getConfigsForHost: VirtualServices with a host that matches the service's hostname."""
    return [vs for vs in vss if any(host_matches(h, svc.hostname) for h in vs.hosts)]


def _http_chain(svc: Service, port: int, bind: str, protocol: str) -> LP.ChainOpts:
    """buildSidecarOutboundHTTPListenerOpts: sniffed services on their own VIP get their own route config."""
    rds = f"{svc.hostname}:{port}" if protocol == AUTO and bind != WILDCARD else str(port)
    return LP.ChainOpts(rds=rds)


def _sniffable(chain: LP.ChainOpts) -> LP.ChainOpts:
    chain.application_protocols = list(LP.PLAINTEXT_HTTP_ALPNS)
    chain.transport_protocol = LP.RAW_BUFFER
    return chain


def _tcp_chains(build: _Build, svc: Service, sport: ServicePort, cidrs: list[str],
                vss: list[VirtualServiceView]) -> list[LP.ChainOpts]:
    ctx = TR.L4Context(build.b, build.index, build.proxy, sport.port, "mesh", sport.protocol)
    vss = _vss_for(svc, vss)
    chains: list[LP.ChainOpts] = []
    if sport.protocol in (P.TLS, P.HTTPS):
        chains += TR.sidecar_tls_chains(svc, vss, ctx, cidrs)
    else:
        chains += TR.sidecar_tcp_chains(svc, vss, ctx, cidrs)
    return chains


def _merge(entry: _Entry, incoming: list[LP.ChainOpts]) -> None:
    """mergeTCPFilterChains: a chain whose match equals an existing one is dropped."""
    for chain in incoming:
        if not any(_same_match(existing, chain) for existing in entry.chains):
            entry.chains.append(chain)


def _same_match(a: LP.ChainOpts, b: LP.ChainOpts) -> bool:
    return (a.transport_protocol == b.transport_protocol and a.application_protocols == b.application_protocols
            and set(a.sni_hosts) - {"*"} == set(b.sni_hosts) - {"*"}
            and {c for c in a.cidrs if not c.startswith(WILDCARD)} == {c for c in b.cidrs if not c.startswith(WILDCARD)})


def _well_known_conflict(incoming: str, existing: str) -> bool:
    """isConflictWithWellKnownPort: Mongo/MySQL never share a listener with another protocol."""
    return (incoming in (P.MONGO, P.MYSQL) or existing in (P.MONGO, P.MYSQL)) and incoming != existing


def _add(build: _Build, svc: Service, sport: ServicePort, bind: str, cidrs: list[str],
         vss: list[VirtualServiceView], user_bind: bool = False) -> None:
    """buildSidecarOutboundListener: build this service port's chains and merge them by conflict type.
    `user_bind`: the Sidecar egress listener's own bind, kept for HTTP too."""
    proto = _listener_protocol(sport.protocol)
    if proto is None:
        return
    if proto == HTTP and not user_bind:
        bind, cidrs = WILDCARD, []
    key = (bind, sport.port)
    current = build.entries.get(key)
    if current is not None and (current.locked or _well_known_conflict(sport.protocol, current.port_protocol)):
        return
    if proto == HTTP:
        if current is not None and current.protocol != TCP:
            return
        chains = [_http_chain(svc, sport.port, bind, proto)]
        new_protocol = HTTP    # on a user's own bind: no sniffing (listener.go, only on the wildcard)
        if bind == WILDCARD:
            chains = [_sniffable(chains[0])]
            new_protocol = AUTO    # on the wildcard bind a TCP fallthrough makes it a sniffed listener
    elif proto == TCP:
        chains = _tcp_chains(build, svc, sport, cidrs, vss)
        new_protocol = TCP
    else:
        if current is not None and current.protocol == AUTO:
            return
        chains = _tcp_chains(build, svc, sport, cidrs, vss) + [_sniffable(_http_chain(svc, sport.port, bind, proto))]
        new_protocol = AUTO
        if current is not None and current.protocol == HTTP:
            current = None     # AutoOverHTTP replaces the entry
    if current is None:
        build.entries[key] = _Entry(bind, sport.port, chains, new_protocol, sport.protocol)
        return
    _merge(current, chains)
    if current.protocol != new_protocol:
        current.protocol = AUTO


def _binds(build: _Build, svc: Service, sport: ServicePort) -> list[tuple[str, list[str]]]:
    """Where a service port listens: its VIP (a CIDR VIP listens on 0.0.0.0 with a prefix match), else
    0.0.0.0; headless Kubernetes TCP ports listen on each endpoint's IP instead."""
    proto = _listener_protocol(sport.protocol)
    if svc.resolution == RES_PASSTHROUGH and not svc.addresses and proto in (TCP, AUTO):
        instances = build.index.endpoints(svc, sport)
        if svc.registry != KUBERNETES and not instances and not svc.se_workload_selector:
            return [(WILDCARD, [])]
        return [(e.address, []) for e in instances if is_ip(e.address) and e.address != build.proxy.ip]
    return [_vip_bind(svc)]


def _vip_bind(svc: Service) -> tuple[str, list[str]]:
    """The service's listen address: its VIP, 0.0.0.0 with a prefix match for a CIDR, else 0.0.0.0."""
    if not svc.addresses:
        return WILDCARD, []
    vip = svc.addresses[0]
    if "/" in vip:
        return WILDCARD, [vip]
    return vip, []


def _passthrough_chain(cluster: str) -> dict:
    """buildOutboundCatchAllNetworkFiltersOnly: to names.catch_all_cluster."""
    return {"filterChainMatch": {}, "filters": [LP.tcp_proxy(cluster, cluster=cluster)], "name": LP.PASSTHROUGH_CHAIN}


def _listener_filters(entry: _Entry, b: Behaviour) -> list[dict]:
    sniffing = any(c.application_protocols for c in entry.chains)
    if not b.inspectors_by_chain:
        # 1.17-1.19 buildListener: an http_inspector always comes with a tls_inspector
        tls = LP.needs_tls_inspector(entry.chains) or sniffing
        return ([LP.tls_inspector(b)] if tls else []) + ([LP.http_inspector()] if sniffing else [])
    return ([LP.tls_inspector(b)] if LP.needs_tls_inspector(entry.chains) else []) + \
        ([LP.http_inspector()] if sniffing else [])


def _to_listener(entry: _Entry, b: Behaviour, catch_all: str) -> dict:
    """buildListenerFromEntry: a match-all chain becomes the default chain when there are others."""
    name = f"{entry.bind}_{entry.port}"
    chains, default = [], None
    for opts in entry.chains:
        if opts.is_match_all():
            default = LP.filter_chain(opts, name, b, with_match=False)
        else:
            chains.append(LP.filter_chain(opts, name, b, with_match=True))
    if default is not None and not chains:
        chains, default = [default], None
    elif default is None:
        default = _passthrough_chain(catch_all)
    out: dict[str, Any] = {"name": name, "address": LP.address(entry.bind, entry.port), "filterChains": chains}
    if default is not None:
        out["defaultFilterChain"] = default
    filters = _listener_filters(entry, b)
    if filters:
        out["listenerFilters"] = filters
    # mesh protocolDetectionTimeout defaults to 0s; 1.17-1.19 removeListenerFilterTimeout dropped both
    # fields from outbound listeners without an http_inspector (the 1.20.0 rewrite keeps them everywhere)
    if b.inspectors_by_chain or any(f["name"] == LP.http_inspector()["name"] for f in filters):
        out["listenerFiltersTimeout"] = "0s"
        out["continueOnListenerFiltersTimeout"] = True
    out["trafficDirection"] = "OUTBOUND"
    out["bindToPort"] = False                      # iptables hands traffic over via virtualOutbound
    return out


def build_outbound_listeners(proxy: Proxy, index: MeshIndex, scope: Scope, b: Behaviour) -> list[dict]:
    """buildSidecarOutboundListeners: the Sidecar's egress listeners in order (a listener with a port
    first builds its own, which the catch-all then leaves alone); without any, the whole scope."""
    build = _Build(proxy, index, scope, b)
    if not scope.egress_listeners:
        _add_catch_all(build, scope.services, scope.virtual_services)
    for el in scope.egress_listeners:
        if el.port is None:
            for entry in build.entries.values():
                entry.locked = True
            _add_catch_all(build, el.services, el.virtual_services, el.bind)
        else:
            _add_port_listener(build, el)
    return [_to_listener(e, b, catch_all_cluster(scope)) for e in build.entries.values()]


def _add_catch_all(build: _Build, services: list[Service], vss: list[VirtualServiceView], bind: str = "") -> None:
    """Every service port; on the egress listener's own bind when it names one (then no VIPs and no
    per-endpoint listeners for headless services: listener.go checks bind.Primary() == "")."""
    for svc in services:
        if svc.resolution == ALIAS:
            continue
        for sport in svc.ports:
            for addr, cidrs in [(bind, [])] if bind else _binds(build, svc, sport):
                _add(build, svc, sport, addr, cidrs, vss, user_bind=bool(bind))


def _add_port_listener(build: _Build, el: EgressListener) -> None:
    """An egress listener with its own port: each of its services on that port, with the listener's
    protocol, on the listener's bind, else (no per-endpoint headless listeners here) the service VIP."""
    for svc in el.services:
        sport = svc.port(el.port) if svc.resolution != ALIAS else None
        if sport is None:
            continue
        sport = replace(sport, protocol=el.protocol)
        bind, cidrs = (el.bind, []) if el.bind else _vip_bind(svc)
        _add(build, svc, sport, bind, cidrs, el.virtual_services, user_bind=bool(el.bind))
