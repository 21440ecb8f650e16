"""Inbound clusters of a Sidecar's ingress listeners (cluster.go buildInboundClusters /
buildInboundClustersFromSidecar / findOrCreateService at 1.30.3; v1alpha3/cluster.go buildInboundClusters at
1.17.8).

A Sidecar with ingress listeners replaces the proxy's service ports: one `inbound|<port>||` per listener
(the chains of listener_inbound.py route to it). Without defaultEndpoint the cluster is ORIGINAL_DST, like
the service-built ones; with one it is STATIC to it:
* `127.0.0.1:P` / `[::1]:P`: the proxy's localhost (IPv4 preferred; 1.17.8 takes the first localhost);
* `0.0.0.0:P` / `[::]:P`: the proxy's IPv4 (IPv6) address, localhost when it has none;
* `unix://...`: a pipe.
A defaultEndpoint that is not host:port skips the listener. The cluster's service is the proxy's service
whose target port is the listener's number, else a stand-in `<sidecar>.<namespace>`.
"""
from __future__ import annotations

from typing import Any

from mesh_compile.build.inbound import UNIX_PREFIX, inbound_cluster, proxy_instances
from mesh_compile.index import protocol as P
from mesh_compile.index.mesh_index import MeshIndex
from mesh_compile.index.proxy import Proxy
from mesh_compile.index.services import KUBERNETES, Service, ServicePort
from mesh_compile.versions import Behaviour

POD_IP, POD_IPV6 = "0.0.0.0", "::"          # model.PodIPAddressPrefix / PodIPv6AddressPrefix
LOCALHOST, LOCALHOST_V6 = "127.0.0.1", "::1"


def sidecar_ingress_clusters(sidecar: Any, proxy: Proxy, index: MeshIndex, b: Behaviour) -> list[dict]:
    instances = proxy_instances(proxy, index)
    out = []
    for ing in sidecar.spec.ingress:
        endpoint = default_endpoint(ing.defaultEndpoint, proxy)
        if endpoint is False:
            continue
        number = ing.port.number
        svc = _service_for(number, instances, sidecar)
        sport = ServicePort(name=ing.port.name or "", port=number, protocol=P.parse_protocol(ing.port.protocol),
                            target_port=endpoint[1] if endpoint else 0)
        out.append(inbound_cluster(number, [(svc, sport)], proxy, index, b, endpoint=endpoint or None,
                                   services=_metadata_services(svc, sport, instances, b), sidecar=sidecar))
    return out


def default_endpoint(text: str | None, proxy: Proxy) -> tuple[str, int] | None | bool:
    """(address, port) of a defaultEndpoint; None when unset (ORIGINAL_DST); False when it is unusable
    (istiod `continue`s past the listener)."""
    if not text:
        return None
    if text.startswith(UNIX_PREFIX):
        return text, 0
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit():
        return False
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    if ":" in host and not text.startswith("["):
        return False                                   # net.SplitHostPort: "too many colons"
    address = _endpoint_address(host, proxy)
    return (address, int(port)) if address else None


def _endpoint_address(host: str, proxy: Proxy) -> str:
    ips = [proxy.ip] if proxy.ip else []
    v4 = [ip for ip in ips if ":" not in ip]
    v6 = [ip for ip in ips if ":" in ip]
    if host in (POD_IP, POD_IPV6) and not ips:
        _note(proxy, f"Sidecar ingress defaultEndpoint {host}: the proxy's IP is not in the input (no Pod "
                     "status.podIP); its inbound cluster points at localhost instead")
    if host == POD_IP:
        return v4[0] if v4 else LOCALHOST
    if host == POD_IPV6:
        return v6[0] if v6 else LOCALHOST_V6
    if host in (LOCALHOST, LOCALHOST_V6):
        return _localhost(host, proxy)
    return ""   # any other IP: istiod leaves the address empty, so ORIGINAL_DST


def _note(proxy: Proxy, text: str) -> None:
    if text not in proxy.notices:
        proxy.notices.append(text)


def _localhost(host: str, proxy: Proxy) -> str:
    """actualLocalHosts of the proxy's IP mode (127.0.0.1 for IPv4, ::1 for IPv6-only; a proxy without a known
    IP is an IPv4 pod). Only dual stack has both, where the written family wins (1.30.3); we model
    single-stack proxies only, so both releases give the proxy's one localhost."""
    return LOCALHOST_V6 if proxy.ip and ":" in proxy.ip else LOCALHOST


def _service_for(number: int, instances: list[tuple[Service, ServicePort, int]], sidecar: Any) -> Service:
    """findOrCreateService: the first proxy service whose target port is the listener's number, else a
    stand-in named after the Sidecar (for the stats and metadata)."""
    for svc, _sport, target in instances:
        if target == number:
            return svc
    meta = sidecar.meta
    return Service(hostname=f"{meta.name}.{meta.namespace}", namespace=meta.namespace, name=meta.name, ports=[],
                   addresses=[], resolution="STATIC", registry=KUBERNETES)


def _metadata_services(svc: Service, sport: ServicePort, instances: list[tuple[Service, ServicePort, int]],
                       b: Behaviour) -> list[tuple[Service, ServicePort]]:
    """addTelemetryMetadata's inbound services: 1.24+ the cluster's own service; 1.19-1.23 none (nil
    inboundServices); 1.17-1.18 every proxy instance (buildDefaultCluster's fallback to cb.serviceInstances),
    kept when its service port is the listener's number."""
    if b.sidecar_ingress_cluster_service_metadata:
        return [(svc, sport)]
    if b.sidecar_ingress_cluster_no_instance_fallback:
        return []
    return [(s, sp) for s, sp, _target in instances]
