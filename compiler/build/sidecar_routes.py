"""Sidecar outbound RouteConfigurations, one per HTTP port (httproute.go BuildSidecarOutboundVirtualHosts,
buildSidecarOutboundHTTPRouteConfig; facts 1)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mesh_compile.build.domains import dedupe, service_domains
from mesh_compile.build.delegate import is_root
from mesh_compile.build.http_routes import RouteContext, build_vs_routes
from mesh_compile.build.names import OUTBOUND, PASSTHROUGH, catch_all_cluster, domain_name, subset_key
from mesh_compile.build.retry import convert_policy
from mesh_compile.build.hash_policy import consistent_hash, to_hash_policy
from mesh_compile.build.memo import PartsMemo
from mesh_compile.build.route_memo import PortLayout, RouteMemo
from mesh_compile.index import protocol as P
from mesh_compile.index.hosts import host_matches, is_wildcard
from mesh_compile.index.mesh_index import MeshIndex
from mesh_compile.index.proxy import Proxy
from mesh_compile.index.services import ALIAS, Service
from mesh_compile.index.sidecar_scope import Scope
from mesh_compile.versions import Behaviour

MAX_DIRECT_RESPONSE_BODY = 1048576
WILDCARD = "0.0.0.0"


@dataclass
class _Wrapper:
    """Routes shared by some services and extra (non-registry) VS hosts, before vhosts are cut."""
    routes: list[dict]
    services: list[Service] = field(default_factory=list)
    extra_hosts: list[str] = field(default_factory=list)
    source: int = -1            # its entry in the binding (_bind), -1 for a service's default route


def _listener_imports(scope: Scope, port: int) -> tuple[list[Service], list]:
    """httproute.go BuildSidecarOutboundVirtualHosts: the services and VirtualServices of the egress
    listener GetEgressListenerForRDS picks for the port (the first on it, else the catch-all)."""
    el = scope.egress_listener_for(port)
    if el is None:
        return scope.services, scope.virtual_services
    return el.services, el.virtual_services


def services_for_port(scope: Scope, port: int) -> list[Service]:
    """servicesByName: every imported service with this port, whatever its protocol, trimmed to that port.
    TCP ones get no vhost, but VirtualService routes still resolve them, and a VS host naming one is not
    a non-registry host (route.go separateVSHostsAndServices)."""
    out = []
    for svc in _listener_imports(scope, port)[0]:
        sport = svc.port(port)
        if sport is None or svc.resolution == ALIAS:
            continue
        out.append(svc.with_only_port(port))
    return out


def _is_http(svc: Service) -> bool:
    """IsHTTPOrSniffed on the service's (only) port: the services that get virtual hosts."""
    return P.is_http_or_sniffed(svc.ports[0].protocol)


def route_config_names(scope: Scope) -> list[str]:
    """The RDS names a sidecar's listeners ask for: `P` for HTTP ports, `fqdn:P` for sniffed ones; with
    Sidecar egress listeners, as listener_outbound.py builds them (a port listener's keys are locked)."""
    http_ports: set[int] = set()
    sniffed: set[str] = set()
    if not scope.egress_listeners:
        _catch_all_names(scope.services, set(), http_ports, sniffed)
    taken: set[tuple] = set()
    for el in scope.egress_listeners:
        if el.port is None:
            _catch_all_names(el.services, taken, http_ports, sniffed)
        else:
            _port_listener_names(el, taken, http_ports, sniffed)
    return [str(p) for p in sorted(http_ports)] + sorted(sniffed)


def _catch_all_names(services: list[Service], taken: set[tuple], http_ports: set[int], sniffed: set[str]) -> None:
    for svc in services:
        if svc.resolution == ALIAS:
            continue
        for sp in svc.ports:
            if P.is_http(sp.protocol) and ("*", sp.port) not in taken:
                http_ports.add(sp.port)
            elif P.is_sniffed(sp.protocol) and (svc.hostname, sp.port) not in taken:
                sniffed.add(f"{svc.hostname}:{sp.port}")


def _port_listener_names(el: Any, taken: set[tuple], http_ports: set[int], sniffed: set[str]) -> None:
    """listener.go buildSidecarOutboundHTTPListenerOpts for an egress listener with a port: its protocol
    decides; HTTP asks for `P` on any bind, a sniffed port for `fqdn:P` unless bound to 0.0.0.0."""
    services = [s for s in el.services if s.resolution != ALIAS]
    if not services:
        return
    if P.is_http(el.protocol):
        http_ports.add(el.port)
        if el.bind in ("", WILDCARD):
            taken.add(("*", el.port))
        return
    for svc in services:
        bind = el.bind or (svc.addresses[0] if svc.addresses and "/" not in svc.addresses[0] else WILDCARD)
        if bind == WILDCARD:
            taken.add(("*", el.port))
        elif not el.bind:
            taken.add((svc.hostname, el.port))      # the service VIP's key
        if P.is_sniffed(el.protocol):
            if bind == WILDCARD:
                http_ports.add(el.port)
            else:
                sniffed.add(f"{svc.hostname}:{el.port}")


def build_route_config(name: str, index: MeshIndex, proxy: Proxy, scope: Scope, b: Behaviour,
                       memo: RouteMemo | None = None, parts: PartsMemo | None = None) -> dict:
    """`memo`: VirtualService routes from the last build that may be used again (route_memo.py);
    `parts`: route parts shared by all the route configurations of this build (memo.py)."""
    host, sep, port_text = name.rpartition(":")
    sniffed = bool(sep)
    port = int(port_text) if port_text.isdigit() else 0
    vhosts = _virtual_hosts(index, proxy, scope, port, b, memo, parts)
    if sniffed:
        vhosts = [dict(vh, domains=["*"]) for vh in vhosts if vh["name"] == domain_name(host, port)]
    else:
        vhosts.append(catch_all_vhost(scope.outbound_mode, catch_all_cluster(scope)))
    return {
        "name": name,
        "virtualHosts": vhosts,
        "validateClusters": False,
        "maxDirectResponseBodySizeBytes": MAX_DIRECT_RESPONSE_BODY,
        "ignorePortInHostMatching": True,
    }


def catch_all_vhost(mode: str, cluster: str = PASSTHROUGH) -> dict:
    """The last vhost: allow_any to `cluster` (PassthroughCluster, or the Sidecar's egressProxy), or block_all."""
    if mode == "REGISTRY_ONLY":
        route = {"name": "block_all", "match": {"prefix": "/"}, "directResponse": {"status": 502}}
        name = "block_all"
    else:
        route = {"name": "allow_any", "match": {"prefix": "/"},
                 "route": {"cluster": cluster, "timeout": "0s", "maxGrpcTimeout": "0s"}}
        name = "allow_any"
    return {"name": name, "domains": ["*"], "routes": [route], "includeRequestAttemptCount": True}


def _virtual_hosts(index: MeshIndex, proxy: Proxy, scope: Scope, port: int, b: Behaviour,
                   memo: RouteMemo | None = None, parts: PartsMemo | None = None) -> list[dict]:
    """The port's virtual hosts. With a memo whose last build had the same VirtualService hosts here, the
    services and their binding are the last build's, and so is the cut when the same VirtualServices
    give routes (route_memo.py PortLayout): only edited routes are put in."""
    vss = _listener_imports(scope, port)[1]
    hosts_key = tuple(tuple(vs.hosts) for vs in vss) if memo is not None else ()
    last = memo.layout(port) if memo is not None else None
    if last is not None and last.hosts_key != hosts_key:
        last = None
    services = last.services if last is not None else services_for_port(scope, port)
    by_host = {s.hostname: s for s in services}
    ctx = RouteContext(b, index, proxy, port, "mesh", lambda host, _ns: by_host.get(host),
                       memo=parts if parts is not None else PartsMemo())
    bound = last.bound if last is not None else _bind(index, vss, port, services)
    routes = [_vs_routes(vss[at], port, ctx, memo) for at, _mine, _extra in bound]
    nonempty = tuple(bool(r) for r in routes)
    if last is not None and last.nonempty == nonempty:
        vhosts, sources = _as_laid_out(last, routes, port, memo), last.sources
    else:
        cut = _cut_vhosts(_wrappers(bound, routes, services, port, index, proxy, b), services, proxy, port, index, b)
        if memo is None:
            return [vhost for vhost, _source in cut]
        vhosts = [memo.virtual_host(port, vhost) for vhost, _source in cut]
        sources = [source for _vhost, source in cut]
    memo.keep_layout(port, PortLayout(hosts_key, services, bound, nonempty, sources, vhosts))
    return list(vhosts)      # a copy: the caller appends the catch-all


def _wrappers(bound: list[tuple[int, list[Service], list[str]]], routes: list[list[dict]], services: list[Service],
              port: int, index: MeshIndex, proxy: Proxy, b: Behaviour) -> list[_Wrapper]:
    """One wrapper per bound VirtualService that gave routes, then a default route for each HTTP service
    none of them claims (also one whose VirtualService's routes were all filtered out)."""
    wrappers = [_Wrapper(r, mine, extra, i) for i, ((_at, mine, extra), r) in enumerate(zip(bound, routes)) if r]
    claimed = {id(s) for w in wrappers for s in w.services}
    for svc in services:
        if _is_http(svc) and id(svc) not in claimed:
            wrappers.append(_Wrapper([default_route(svc, port, index, proxy, b)], [svc]))
    return wrappers


def _as_laid_out(layout: PortLayout, routes: list[list[dict]], port: int, memo: RouteMemo) -> list[dict]:
    """The last build's virtual hosts with this build's VirtualService routes (route_memo.py PortLayout):
    the unchanged ones are the same objects."""
    out, kept = [], []
    for vhost, source in zip(layout.vhosts, layout.sources):
        if source < 0 or vhost["routes"] is routes[source]:
            kept.append(vhost)
        else:
            vhost = memo.virtual_host(port, dict(vhost, routes=routes[source]))
        out.append(vhost)
    memo.same_hosts(port, kept)
    return out


def _vs_routes(vs: Any, port: int, ctx: RouteContext, memo: RouteMemo | None) -> list[dict]:
    """The VirtualService's routes on this port; kept from the last build unless it is a root with
    delegates (its routes also depend on the delegates, which may be what changed)."""
    if memo is None:
        return build_vs_routes(vs, ctx)
    return memo.routes(vs.config, port, lambda: build_vs_routes(vs, ctx), lambda: not is_root(vs))


def _bind(index: MeshIndex, vss: list, port: int, services: list[Service]) -> list[tuple[int, list[Service], list[str]]]:
    """(position, services, extra hosts) of each VirtualService that matches services on this port (exact
    host first, then the most specific wildcard), or has hosts that match no service (only on port 80,
    facts 2.6); in VirtualService order."""
    exact: dict[str, Any] = {}
    for vs in vss:
        for h in vs.hosts:
            if not is_wildcard(h):
                exact.setdefault(h, vs)
    bound: dict[int, list[Service]] = {}
    for svc in services:
        if not _is_http(svc):
            continue        # buildSidecarVirtualHostsForVirtualService: serviceByPort keeps HTTP/sniffed ports
        vs = exact.get(svc.hostname) or _best_wildcard(vss, svc.hostname)
        if vs is not None:
            bound.setdefault(id(vs), []).append(svc)
    out = []
    names = {s.hostname for s in services}
    for at, vs in enumerate(vss):
        mine = bound.get(id(vs), [])
        extra = [h for h in vs.hosts if port == 80 and _unknown_host(h, names, services, index)]
        if mine or extra:
            out.append((at, mine, extra))
    return out


def _unknown_host(host: str, names: set[str], services: list[Service], index: MeshIndex) -> bool:
    """A VS host that matches no service on this port and names no registry service (facts 2.6)."""
    if host in names or index.services_by_host.get(host):
        return False
    return not (is_wildcard(host) and any(host_matches(host, name) for name in names))


def _best_wildcard(vss: list, hostname: str) -> Any:
    best, best_len = None, -1
    for vs in vss:
        for h in vs.hosts:
            if is_wildcard(h) and host_matches(h, hostname) and len(h) > best_len:
                best, best_len = vs, len(h)
    return best


def default_route(svc: Service, port: int, index: MeshIndex, proxy: Proxy, b: Behaviour) -> dict:
    """route.BuildDefaultHTTPOutboundRoute (facts 1.6)."""
    cluster = subset_key(OUTBOUND, "", svc.hostname, port)
    action: dict[str, Any] = {"cluster": cluster, "timeout": "0s"}
    policy = convert_policy(index.mesh.default_http_retry_policy, b)
    if policy is not None:
        action["retryPolicy"] = policy
    drs = index.destination_rule(proxy.namespace, proxy.labels, svc)
    ch = consistent_hash(drs[0].spec, None, port) if drs else None
    hp = to_hash_policy(ch) if ch is not None else None
    if hp:
        action["hashPolicy"] = [hp]
    action["maxGrpcTimeout"] = "0s"
    return {"name": "default", "match": {"prefix": "/"}, "route": action,
            "decorator": {"operation": f"{svc.hostname}:{port}/*"}}


def _cut_vhosts(wrappers: list[_Wrapper], services: list[Service], proxy: Proxy, port: int,
                index: MeshIndex, b: Behaviour) -> list[tuple[dict, int]]:
    """(virtual host, its wrapper's source) in name order."""
    known = {s.hostname for s in services if _is_http(s)}
    used_domains: set[str] = set()
    used_names: set[str] = set()
    dns_domain = proxy.dns_domain(index.mesh.domain_suffix)
    vhosts = []
    for w in wrappers:
        entries = [(h, [h], set()) for h in w.extra_hosts]
        entries += [(s.hostname, *service_domains(s, dns_domain, b)) for s in w.services]
        for host, domains, expanded in entries:
            name = domain_name(host, port)
            if name in used_names:
                continue
            used_names.add(name)
            kept = dedupe(domains, used_domains, expanded, known)
            if not kept:
                continue
            vhosts.append(({"name": name, "domains": kept, "routes": w.routes, "includeRequestAttemptCount": True},
                           w.source))
    vhosts.sort(key=lambda pair: pair[0]["name"])
    return vhosts
