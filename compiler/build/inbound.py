"""Sidecar inbound clusters `inbound|<port>||` for the proxy's own services.

istiod (cluster.go buildInboundClustersFromServiceInstances, cluster_builder.go buildInboundCluster; 1.17 names
them buildClustersFromServiceInstances / buildInboundClusterForPortOrUDS) builds one cluster per workload
(target) port of the services selecting the proxy. The default mesh sends inbound traffic to the original
destination (1.17-1.20 feature EnableInboundPassthrough, 1.21 always, 1.22+ meshConfig.inboundTrafficPolicy
PASSTHROUGH), so the cluster is ORIGINAL_DST bound to 127.0.0.6. Only the connection pool of the service's
DestinationRule applies; no TLS, load balancer, outlier detection or metadata-exchange filter. From 1.21.0 a
Sidecar's connection pool replaces the DR's (sidecar_pool).
"""
from __future__ import annotations

from typing import Any

from mesh_compile.build import traffic_policy as TP
from mesh_compile.build.names import INBOUND, subset_key
from mesh_compile.index import protocol as P
from mesh_compile.index.mesh_index import MeshIndex
from mesh_compile.index.proxy import Proxy
from mesh_compile.index.services import KUBERNETES, Service, ServicePort
from mesh_compile.versions import Behaviour

# cluster_builder.go maxSecondsValue: (MaxInt64 - 999999999) / 1e9, "about 292 years" (1.23+)
MAX_CLEANUP_INTERVAL = "9223372035s"
INBOUND_BIND = "127.0.0.6"  # InboundPassthroughBindIpv4, the passthrough bind istiod skips in iptables
INBOUND_BIND_V6 = "::6"     # InboundPassthroughBindIpv6
LOCALHOSTS = ("127.0.0.1", "::1")   # LocalhostAddress / LocalhostIPv6Address: no upstream bind needed
UNIX_PREFIX = "unix://"     # model.UnixAddressPrefix


def proxy_instances(proxy: Proxy, index: MeshIndex) -> list[tuple[Service, ServicePort, int]]:
    """(service, service port, workload port) for every Kubernetes Service in the proxy's namespace whose
    selector matches its labels; a named targetPort the proxy's containers do not declare gives no instance."""
    out = []
    for svc in index.services:
        if svc.registry != KUBERNETES or svc.namespace != proxy.namespace or not svc.selector:
            continue
        if not all(proxy.labels.get(k) == v for k, v in svc.selector.items()):
            continue
        for sport in svc.ports:
            if sport.protocol == P.UDP:
                continue
            target = _workload_port(sport, proxy, index)
            if target is not None:
                out.append((svc, sport, target))
    return out


def ip_families(proxy: Proxy) -> tuple[bool, bool]:
    """(IPv4, IPv6) of the proxy's addresses (model/context.go DiscoverIPMode); a proxy without a known IP is
    taken as an IPv4 pod (every seed's dump: InboundPassthroughClusterIpv4 only)."""
    if not proxy.ip:
        return True, False
    v6 = ":" in proxy.ip
    return not v6, v6


def _workload_port(sport: ServicePort, proxy: Proxy, index: MeshIndex) -> int | None:
    target = sport.target_port
    if target is None or target == "":
        return sport.port
    if isinstance(target, int):
        return target
    if target.isdigit():
        return int(target)
    for container in _containers(proxy, index):
        for cport in getattr(container, "ports", None) or []:
            if cport.name == target:
                return cport.containerPort
    return None


def _containers(proxy: Proxy, index: MeshIndex) -> list[Any]:
    out: list[Any] = []
    for pod in index.pods_selected(proxy.namespace, proxy.labels):
        out.extend(pod.obj.spec.containers if pod.obj.spec else [])
    for dep in index.deployments:
        template = dep.obj.spec.template if dep.obj.spec else None
        labels = dict(template.metadata.labels) if template and template.metadata else {}
        if dep.meta.namespace == proxy.namespace and labels and labels == proxy.labels and template.spec:
            out.extend(template.spec.containers)
    return out


def build_inbound_clusters(proxy: Proxy, index: MeshIndex, b: Behaviour) -> list[dict]:
    """One cluster per workload port, the first service on that port being the primary (first wins); with a
    Sidecar that has ingress listeners, one per ingress listener instead (buildInboundClusters)."""
    if proxy.is_gateway:
        return []
    from mesh_compile.build.inbound_sidecar import sidecar_ingress_clusters
    from mesh_compile.index.sidecar_scope import select_sidecar
    sidecar = select_sidecar(proxy, index)
    if sidecar is not None and sidecar.spec.ingress:
        return sidecar_ingress_clusters(sidecar, proxy, index, b)
    by_port: dict[int, list[tuple[Service, ServicePort]]] = {}
    for svc, sport, target in proxy_instances(proxy, index):
        by_port.setdefault(target, []).append((svc, sport))
    return [inbound_cluster(port, by_port[port], proxy, index, b, sidecar=sidecar) for port in sorted(by_port)]


def inbound_cluster(port: int, instances: list[tuple[Service, ServicePort]], proxy: Proxy, index: MeshIndex,
                    b: Behaviour, endpoint: tuple[str, int] | None = None,
                    services: list[tuple[Service, ServicePort]] | None = None, sidecar: Any = None) -> dict:
    """buildInboundCluster. `endpoint` (address, port): a STATIC cluster to it (Sidecar ingress
    defaultEndpoint) instead of ORIGINAL_DST; `services`: the telemetry metadata's instances when they are
    not `instances` (None: the same; [] : no metadata services); `sidecar`: the proxy's Sidecar, if any."""
    from mesh_compile.build.cluster_parts import upstream_protocol_options
    from mesh_compile.build.clusters import connect_timeout
    svc, sport = instances[0]
    name = subset_key(INBOUND, "", "", port)
    drs = index.destination_rule(proxy.namespace, proxy.labels, svc)
    dr = drs[0] if drs else None
    top = dr.spec.trafficPolicy if dr is not None else None
    # GetPortLevelTrafficPolicy(policy, servicePort): only its connectionPool is used inbound
    policy = TP.Policy(connectionPool=TP.merged_policy(dr.spec, None, sport.port).connectionPool) if top else TP.Policy()
    pool = sidecar_pool(sidecar, port) if b.sidecar_inbound_connection_pool else None
    if pool is not None:
        policy = TP.Policy(connectionPool=pool)
    cluster: dict[str, Any] = {"name": name}
    if b.alt_stat_name:
        cluster["altStatName"] = name + ";"
    cluster["type"] = "STATIC" if endpoint else "ORIGINAL_DST"
    cluster["connectTimeout"] = connect_timeout(policy, index)
    if endpoint is None:
        cluster["lbPolicy"] = "CLUSTER_PROVIDED"   # applyTrafficPolicy: ORIGINAL_DST only
    else:
        cluster["loadAssignment"] = _load_assignment(name, *endpoint)
    cluster["circuitBreakers"] = TP.circuit_breakers(policy.connectionPool, not b.no_track_remaining)
    options = upstream_protocol_options(svc, sport, policy, proxy, index, inbound=True)
    if options:
        cluster["typedExtensionProtocolOptions"] = {"envoy.extensions.upstreams.http.v3.HttpProtocolOptions": options}
    if b.inbound_cleanup_interval and endpoint is None:
        cluster["cleanupInterval"] = MAX_CLEANUP_INTERVAL
    if endpoint is None or endpoint[0] not in LOCALHOSTS:
        # iptables would send our own connections back to us without the passthrough bind
        cluster["upstreamBindConfig"] = {"sourceAddress": {"address": _bind(proxy), "portValue": 0}}
    cluster["commonLbConfig"] = {}  # set by buildCluster; no load balancer (so no locality config) inbound
    metadata = _metadata(instances if services is None else services, sport.port, dr if top else None, b)
    if metadata is not None:
        cluster["metadata"] = metadata
    keepalive = TP.tcp_keepalive(policy.connectionPool, index.mesh.tcp_keepalive)
    if keepalive is not None:
        cluster["upstreamConnectionOptions"] = keepalive
    return cluster


def sidecar_pool(sidecar: Any, port: int) -> Any:
    """model/sidecar.go InboundConnectionPoolForPort (1.21.0+), read by buildInboundCluster with its cluster
    port: the connectionPool of an ingress listener on that port number, else the Sidecar's
    inboundConnectionPool. It replaces the DR's pool whole (opts.policy.ConnectionPool = sidecarConnPool)."""
    if sidecar is None:
        return None
    for ing in sidecar.spec.ingress:
        if ing.port.number == port and ing.connectionPool is not None:
            return ing.connectionPool
    return sidecar.spec.inboundConnectionPool


def _load_assignment(name: str, address: str, port: int) -> dict:
    """buildInboundLocalityLbEndpoints + util.BuildAddress: a unix socket (port 0) becomes a pipe."""
    if port == 0 and address.startswith(UNIX_PREFIX):
        addr: dict[str, Any] = {"pipe": {"path": address[len(UNIX_PREFIX):]}}
    else:
        addr = {"socketAddress": {"address": address, "portValue": port}}
    return {"clusterName": name, "endpoints": [{"lbEndpoints": [{"endpoint": {"address": addr}}]}]}


def _bind(proxy: Proxy) -> str:
    """passThroughBindIPs[0]: 127.0.0.6, or ::6 for an IPv6-only proxy (listener_address.go getPassthroughBindIPs)."""
    return INBOUND_BIND if ip_families(proxy)[0] else INBOUND_BIND_V6


def _metadata(instances: list[tuple[Service, ServicePort]], service_port: int, dr: Any, b: Behaviour) -> dict | None:
    """addTelemetryMetadata (inbound): every service of this workload port with the primary's service port,
    once per host; plus the DR path when a DR with a trafficPolicy applies (AddConfigInfoMetadata).
    No instances: no services list (so no metadata at all without a DR)."""
    istio: dict[str, Any] = {}
    if dr is not None:
        istio["config"] = (f"/apis/networking.istio.io/{b.config_api_version}/namespaces/"
                           f"{dr.namespace}/destination-rule/{dr.name}")
    if not instances:
        return {"filterMetadata": {"istio": istio}} if istio else None
    services, seen = [], set()
    for svc, sport in instances:
        if sport.port != service_port or svc.hostname in seen:
            continue
        seen.add(svc.hostname)
        services.append({"host": svc.hostname, "name": svc.name, "namespace": svc.namespace})
    istio["services"] = services
    return {"filterMetadata": {"istio": istio}}
