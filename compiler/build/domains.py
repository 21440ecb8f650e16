"""Virtual host domains for a sidecar (httproute.go generateVirtualHostDomains, dedupeDomains; facts 1.4)."""
from __future__ import annotations

from mesh_compile.index.hosts import is_ip
from mesh_compile.index.services import KUBERNETES, PASSTHROUGH, Service
from mesh_compile.versions import Behaviour


def alt_kube_hosts(hostname: str, proxy_dns_domain: str) -> list[str]:
    """Short forms of a Kubernetes FQDN for a proxy whose DNS domain is `<ns>.svc.<suffix>`."""
    if ".svc." not in proxy_dns_domain:
        return []
    proxy_ns, _, svc_suffix = proxy_dns_domain.partition(".")   # "ns", "svc.cluster.local"
    if not hostname.endswith("." + svc_suffix):
        return []
    head = hostname[: -len(svc_suffix) - 1]     # "name.ns"
    name, _, ns = head.rpartition(".")
    if not name or "." in name:
        return []
    if ns == proxy_ns:
        return [name, f"{name}.{ns}.svc", f"{name}.{ns}"]
    return [f"{name}.{ns}", f"{name}.{ns}.svc"]


def service_domains(svc: Service, proxy_dns_domain: str, b: Behaviour) -> tuple[list[str], set[str]]:
    """(domains in istiod's order, the expanded short forms among them)."""
    host = svc.hostname
    domains = [host]
    if b.absolute_fqdn_domain and not is_ip(host):
        domains.append(host + ".")
    expanded = alt_kube_hosts(host, proxy_dns_domain)
    domains.extend(expanded)
    if svc.registry == KUBERNETES and svc.resolution == PASSTHROUGH:
        domains.extend([f"*.{d}" for d in domains])
    domains.extend(svc.addresses)
    return domains, set(expanded)


def dedupe(domains: list[str], used: set[str], expanded: set[str], known_fqdns: set[str]) -> list[str]:
    out = []
    for d in domains:
        low = d.lower()
        if low in used or (d in expanded and d in known_fqdns):
            continue
        out.append(d)
        used.add(low)
    return out
