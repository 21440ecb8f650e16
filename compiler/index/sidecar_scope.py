"""What a proxy sees: the Sidecar resource that applies to it and the services and VirtualServices its
egress hosts import (pilot/pkg/model/sidecar.go convertToSidecarScope, selectServices,
collectImportedServices). Without a Sidecar, a proxy sees everything exported to its namespace."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from mesh_compile.index.hosts import host_matches, is_wildcard, resolve_short_name
from mesh_compile.index.mesh_index import MeshIndex, VirtualServiceView, _creation_key
from mesh_compile.index.proxy import Proxy
from mesh_compile.index.services import Service


@dataclass
class EgressListener:
    """One Sidecar egress listener (sidecar.go IstioEgressListenerWrapper): what it imports. A listener
    with a port (`port` set) imports its services trimmed to that port (needsPortMatch /
    serviceMatchingListenerPort: services without it are dropped); the catch-all has port None."""
    port: int | None
    protocol: str                               # the egress port's protocol (the listener's, not the services')
    bind: str                                   # "" when the listener names none
    services: list[Service]
    virtual_services: list[VirtualServiceView]


@dataclass
class Scope:
    services: list[Service]                     # imported by egress hosts: the vhosts on route configs
    cluster_services: list[Service]             # plus VirtualService destinations: the clusters
    virtual_services: list[VirtualServiceView]
    outbound_mode: str
    sidecar: Any = None
    egress_hosts: list[tuple[str, str]] = field(default_factory=list)
    # the Sidecar's egress listeners in order; empty without a Sidecar egress (one implicit catch-all)
    egress_listeners: list[EgressListener] = field(default_factory=list)

    def egress_listener_for(self, port: int) -> EgressListener | None:
        """sidecar.go GetEgressListenerForRDS: the first listener on `port`, else the catch-all; None
        without Sidecar egress listeners (the whole scope is the catch-all)."""
        for listener in self.egress_listeners:
            if listener.port is None or listener.port == port:
                return listener
        return None


def select_sidecar(proxy: Proxy, index: MeshIndex) -> Any | None:
    """A workload-selecting Sidecar in the proxy's namespace (oldest first), else that namespace's default
    Sidecar, else the root namespace's default."""
    def ordered(objs: list[Any]) -> list[Any]:
        return sorted(objs, key=lambda o: (_creation_key(o, index.sidecars.index(o)), o.meta.name))
    local = [s for s in index.sidecars if s.meta.namespace == proxy.namespace]
    for sc in ordered(local):
        sel = sc.spec.workloadSelector
        if sel is not None and sel.labels and all(proxy.labels.get(k) == v for k, v in sel.labels.items()):
            return sc
    for sc in ordered(local):
        if sc.spec.workloadSelector is None or not sc.spec.workloadSelector.labels:
            return sc
    for sc in ordered([s for s in index.sidecars if s.meta.namespace == index.mesh.root_namespace]):
        if sc.spec.workloadSelector is None or not sc.spec.workloadSelector.labels:
            return sc
    return None


def _egress_hosts(sidecar: Any, proxy_ns: str) -> list[tuple[str, str]]:
    return [h for listener in sidecar.spec.egress for h in _listener_hosts(listener, proxy_ns)]


def _listener_hosts(listener: Any, proxy_ns: str) -> list[tuple[str, str]]:
    out = []
    for entry in listener.hosts:
        ns, _, host = entry.partition("/")
        out.append((proxy_ns if ns == "." else ns, host))
    return out


def _egress_listener(listener: Any, visible: list[Service], vss: list[VirtualServiceView],
                     proxy_ns: str) -> EgressListener:
    """convertIstioListenerToWrapper: the services and VirtualServices this listener's hosts import."""
    from mesh_compile.index.protocol import parse_protocol
    hosts = _listener_hosts(listener, proxy_ns)
    services = _one_namespace_per_host([s for s in visible if _imports(hosts, s.namespace, s.hostname)], proxy_ns)
    port = listener.port.number if listener.port is not None and listener.port.number else None
    if port is not None and (listener.port.protocol or "").upper() != "HTTP_PROXY":   # needsPortMatch
        services = [s if len(s.ports) == 1 else s.with_only_port(port) for s in services if s.port(port)]
    protocol = parse_protocol(listener.port.protocol) if listener.port is not None else ""
    return EgressListener(port, protocol, listener.bind or "", services,
                          [vs for vs in vss if _imports_vs(hosts, vs)])


def _trimmed_to_listeners(services: list[Service], listeners: list[EgressListener]) -> list[Service]:
    """collectImportedServices: a service keeps the ports its listeners import (all of them through the
    catch-all, one through a listener with a port); unchanged without port listeners."""
    if all(el.port is None for el in listeners):
        return services
    out = []
    for svc in services:
        ports = set()
        for el in listeners:
            for mine in el.services:
                if mine.hostname == svc.hostname and mine.namespace == svc.namespace:
                    ports.update(p.port for p in mine.ports)
        if ports == {p.port for p in svc.ports}:
            out.append(svc)
        elif ports:
            out.append(replace(svc, ports=[p for p in svc.ports if p.port in ports]))
    return out


def _imports(hosts: list[tuple[str, str]], namespace: str, hostname: str) -> bool:
    return any(ns in ("*", namespace) and (host == "*" or host_matches(host, hostname)) for ns, host in hosts)


def _imports_vs(hosts: list[tuple[str, str]], vs: VirtualServiceView) -> bool:
    for vh in vs.hosts:
        for ns, host in hosts:
            if ns not in ("*", vs.namespace):
                continue
            if host == "*" or host_matches(host, vh) or (is_wildcard(vh) and host_matches(vh, host)):
                return True
    return False


def _one_namespace_per_host(services: list[Service], proxy_ns: str) -> list[Service]:
    """The same hostname imported from several namespaces: the proxy's own namespace wins, else the first."""
    chosen: dict[str, str] = {}
    for s in services:
        if s.hostname not in chosen or s.namespace == proxy_ns:
            chosen[s.hostname] = s.namespace
    return [s for s in services if chosen[s.hostname] == s.namespace]


def _destination_services(vss: list[VirtualServiceView], index: MeshIndex, proxy_ns: str) -> list[Service]:
    out = []
    for vs in vss:
        for http in vs.spec.http:
            dests = [r.destination for r in http.route] + ([http.mirror] if http.mirror is not None else [])
            for d in dests:
                if d is None or not d.host:
                    continue
                host = resolve_short_name(d.host, vs.namespace, index.mesh.domain_suffix)
                by_ns = sorted(index.services_by_host.get(host, []), key=lambda s: (s.namespace != proxy_ns, s.namespace))
                if by_ns:
                    out.append(by_ns[0])
    return out


def scope_for(proxy: Proxy, index: MeshIndex) -> Scope:
    visible = index.visible_services(proxy.namespace)
    vss = index.virtual_services_for(proxy.namespace, "mesh")
    sidecar = None if proxy.is_gateway else select_sidecar(proxy, index)
    mode = index.mesh.outbound_mode
    if sidecar is None or not sidecar.spec.egress:
        if sidecar is not None and sidecar.spec.outboundTrafficPolicy is not None:
            mode = _sidecar_mode(sidecar)
        return Scope(visible, visible, vss, mode, sidecar)
    hosts = _egress_hosts(sidecar, proxy.namespace)
    listeners = [_egress_listener(el, visible, vss, proxy.namespace) for el in sidecar.spec.egress]
    services = _one_namespace_per_host([s for s in visible if _imports(hosts, s.namespace, s.hostname)], proxy.namespace)
    services = _trimmed_to_listeners(services, listeners)
    vss = [vs for vs in vss if _imports_vs(hosts, vs)]
    imported = {(s.hostname, s.namespace) for s in services}
    extra = [s for s in _destination_services(vss, index, proxy.namespace) if (s.hostname, s.namespace) not in imported]
    cluster_services = sorted(services + list({id(s): s for s in extra}.values()), key=lambda s: (s.hostname, s.namespace))
    if sidecar.spec.outboundTrafficPolicy is not None:
        mode = _sidecar_mode(sidecar)
    return Scope(services, cluster_services, vss, mode, sidecar, hosts, listeners)


def _sidecar_mode(sidecar: Any) -> str:
    """A Sidecar's outboundTrafficPolicy replaces the mesh's whole (model/sidecar.go at 1.17.8 and 1.30.3):
    without a mode it is the enum's zero value, REGISTRY_ONLY, whatever the mesh says."""
    return sidecar.spec.outboundTrafficPolicy.mode or "REGISTRY_ONLY"
