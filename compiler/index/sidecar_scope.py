"""What a proxy sees: the Sidecar resource that applies to it and the services and VirtualServices its
egress hosts import (pilot/pkg/model/sidecar.go convertToSidecarScope, selectServices,
collectImportedServices). Without a Sidecar, a proxy sees everything exported to its namespace."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mesh_compile.index.hosts import host_matches, is_wildcard, resolve_short_name
from mesh_compile.index.mesh_index import MeshIndex, VirtualServiceView, _creation_key
from mesh_compile.index.proxy import Proxy
from mesh_compile.index.services import Service


@dataclass
class Scope:
    services: list[Service]                     # imported by egress hosts: the vhosts on route configs
    cluster_services: list[Service]             # plus VirtualService destinations: the clusters
    virtual_services: list[VirtualServiceView]
    outbound_mode: str
    sidecar: Any = None
    egress_hosts: list[tuple[str, str]] = field(default_factory=list)


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
    out = []
    for listener in sidecar.spec.egress:
        for entry in listener.hosts:
            ns, _, host = entry.partition("/")
            out.append((proxy_ns if ns == "." else ns, host))
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
            mode = sidecar.spec.outboundTrafficPolicy.mode or mode
        return Scope(visible, visible, vss, mode, sidecar)
    hosts = _egress_hosts(sidecar, proxy.namespace)
    services = _one_namespace_per_host([s for s in visible if _imports(hosts, s.namespace, s.hostname)], proxy.namespace)
    vss = [vs for vs in vss if _imports_vs(hosts, vs)]
    extra = [s for s in _destination_services(vss, index, proxy.namespace) if s not in services]
    cluster_services = sorted(services + list({id(s): s for s in extra}.values()), key=lambda s: (s.hostname, s.namespace))
    if sidecar.spec.outboundTrafficPolicy is not None:
        mode = sidecar.spec.outboundTrafficPolicy.mode or mode
    return Scope(services, cluster_services, vss, mode, sidecar, hosts)
