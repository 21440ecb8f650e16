"""Clusters (CDS) for a proxy (cluster.go buildOutboundClusters, cluster_builder.go; facts 5)."""
from __future__ import annotations

from typing import Any

from mesh_compile.build import tls as T
from mesh_compile.build import traffic_policy as TP
from mesh_compile.build.inbound import build_inbound_clusters
from mesh_compile.build.cluster_parts import (EDS_CONFIG, dns_fields, load_assignment, mx_filter,
                                              original_dst_lb_config, service_metadata, upstream_protocol_options)
from mesh_compile.build.memo import PartsMemo, proto_duration
from mesh_compile.build.names import BLACKHOLE, INBOUND_PASSTHROUGH, OUTBOUND, PASSTHROUGH, sni_key, subset_key
from mesh_compile.index import protocol as P
from mesh_compile.index.mesh_index import DestinationRuleView, MeshIndex
from mesh_compile.index.proxy import Proxy
from mesh_compile.index.services import (ALIAS, CLIENT_SIDE_LB, DNS_LB, DNS_ROUND_ROBIN_LB, KUBERNETES,
                                         PASSTHROUGH as RES_PASSTHROUGH, Service, ServicePort)
from mesh_compile.index.sidecar_scope import Scope
from mesh_compile.versions import Behaviour

HTTP_OPTIONS = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions"
_TYPES = {CLIENT_SIDE_LB: "EDS", DNS_LB: "STRICT_DNS", DNS_ROUND_ROBIN_LB: "LOGICAL_DNS",
          RES_PASSTHROUGH: "ORIGINAL_DST"}


class ClusterMemo(PartsMemo):
    """Cluster parts that depend only on a traffic policy block (and what is fixed for one build: proxy,
    index, behaviour), made once per block for all the clusters of one build: most services share a
    DestinationRule's pool across ports and subsets."""

    def __init__(self, b: Behaviour) -> None:
        super().__init__()
        self.filters = [mx_filter(b)]


def build_clusters(proxy: Proxy, index: MeshIndex, scope: Scope, b: Behaviour) -> list[dict]:
    out: list[dict] = []
    memo = ClusterMemo(b)
    for svc in scope.cluster_services:
        if svc.resolution == ALIAS:
            continue
        drs = index.destination_rule(proxy.namespace, proxy.labels, svc)
        for sport in svc.ports:
            if sport.protocol == P.UDP:
                continue
            out.extend(service_port_clusters(svc, sport, drs, proxy, index, b, memo))
    out.append(blackhole_cluster(index, b))
    if proxy.is_gateway:
        from mesh_compile.build.sni_dnat import sni_dnat_clusters   # (imports this module)
        out.extend(sni_dnat_clusters(proxy, index, scope, b))
    else:
        out.append(passthrough_cluster(index, b))
        out.extend(build_inbound_clusters(proxy, index, b))
        out.extend(inbound_passthrough_clusters(proxy, index, b))
    seen: set[str] = set()
    unique = []
    for c in out:
        if c["name"] not in seen:
            seen.add(c["name"])
            unique.append(c)
    return unique


def service_port_clusters(svc: Service, sport: ServicePort, drs: list[DestinationRuleView], proxy: Proxy,
                          index: MeshIndex, b: Behaviour, memo: ClusterMemo | None = None) -> list[dict]:
    dr = drs[0] if drs else None
    memo = memo if memo is not None else ClusterMemo(b)
    out = []
    default = build_cluster(svc, sport, None, dr, proxy, index, b, memo)
    if default is not None:
        out.append(default)
    seen = set()
    for dr_view in drs:
        for subset in dr_view.spec.subsets or []:
            if subset.name in seen:
                continue  # merged DRs: first subset of a name wins
            seen.add(subset.name)
            c = build_cluster(svc, sport, subset, dr, proxy, index, b, memo)
            if c is not None:
                out.append(c)
    return out


def _cluster_type(svc: Service, proxy: Proxy, lb: Any) -> str:
    ctype = _TYPES.get(svc.resolution, "EDS")
    if ctype == "ORIGINAL_DST" and proxy.is_gateway and svc.registry == KUBERNETES:
        ctype = "EDS"  # headless services use EDS on gateways (facts 4.4)
    if lb is not None and getattr(lb, "simple", None) == "PASSTHROUGH":
        ctype = "ORIGINAL_DST"
    return ctype


def build_cluster(svc: Service, sport: ServicePort, subset: Any, dr: DestinationRuleView | None, proxy: Proxy,
                  index: MeshIndex, b: Behaviour, memo: ClusterMemo | None = None) -> dict | None:
    memo = memo if memo is not None else ClusterMemo(b)
    subset_name = subset.name if subset is not None else ""
    name = subset_key(OUTBOUND, subset_name, svc.hostname, sport.port)
    policy = TP.merged_policy(dr.spec if dr else None, subset, sport.port, b.retry_budget_subset_merge)
    ctype = _cluster_type(svc, proxy, policy.loadBalancer)
    cluster: dict[str, Any] = {}
    selector = dr is not None and dr.spec.workloadSelector is not None
    tls_matches, tls_socket = _tls(svc, sport, subset_name, policy, ctype, index, proxy, b, selector)
    auto_sni = T.auto_sni_options(policy.tls) if tls_socket is not None and b.upstream_auto_sni else None
    if policy.proxyProtocol is not None and b.dr_proxy_protocol:
        tls_matches, tls_socket = T.with_proxy_protocol(policy.proxyProtocol, tls_matches, tls_socket,
                                                        b.proxy_protocol_wraps_raw_buffer)
    if tls_matches:
        cluster["transportSocketMatches"] = tls_matches
    cluster["name"] = name
    if b.alt_stat_name:
        cluster["altStatName"] = name + ";"
    cluster["type"] = ctype
    if ctype == "EDS":
        cluster["edsClusterConfig"] = {"edsConfig": EDS_CONFIG, "serviceName": name}
    cluster["connectTimeout"] = connect_timeout(policy, index)
    lb = TP.lb_fields(policy.loadBalancer, b.lb_warmup_config)
    if ctype == "ORIGINAL_DST":
        lb = {"lbPolicy": "CLUSTER_PROVIDED"}
        port_override = original_dst_lb_config(svc, sport, b)
        if port_override is not None:
            lb["originalDstLbConfig"] = port_override
    if "lbPolicy" in lb:
        cluster["lbPolicy"] = lb.pop("lbPolicy")
    if ctype in ("STRICT_DNS", "LOGICAL_DNS"):
        assignment = load_assignment(name, svc, sport, subset, index)
        if assignment is None:
            return None  # DNS clusters without endpoints are not emitted (facts 5.3)
        cluster["loadAssignment"] = assignment
    pool = policy.connectionPool
    cluster["circuitBreakers"] = _circuit_breakers(policy, b, memo)
    protocol_options = _protocol_options(svc, sport, policy, proxy, index, auto_sni, memo)
    if protocol_options:
        cluster["typedExtensionProtocolOptions"] = protocol_options
    if ctype in ("STRICT_DNS", "LOGICAL_DNS"):
        cluster.update(dns_fields(index, b))
    od = TP.outlier_detection(policy.outlierDetection)
    if od is not None:
        cluster["outlierDetection"] = od
    cluster.update(lb)  # ring hash / maglev configs
    common = _common_lb_config(policy, b, index)
    if common is not None:
        cluster["commonLbConfig"] = common
    if tls_socket is not None:
        cluster["transportSocket"] = tls_socket
    cluster["metadata"] = service_metadata(svc, sport.port, subset_name, dr, b, policy)
    keepalive = TP.tcp_keepalive(pool, index.mesh.tcp_keepalive)
    if keepalive is not None:
        cluster["upstreamConnectionOptions"] = keepalive
    cluster["filters"] = memo.filters
    return cluster


def _circuit_breakers(policy: TP.Policy, b: Behaviour, memo: ClusterMemo) -> dict:
    """circuitBreakers: shared per connection pool unless a retry budget joins them (rare, made each time)."""
    budget = TP.retry_budget(policy.retryBudget, b)
    pool = policy.connectionPool
    if budget is not None:
        return TP.circuit_breakers(pool, not b.no_track_remaining, budget)
    return memo.of(pool, "breakers", lambda: TP.circuit_breakers(pool, not b.no_track_remaining))


def _protocol_options(svc: Service, sport: ServicePort, policy: TP.Policy, proxy: Proxy, index: MeshIndex,
                      auto_sni: dict | None, memo: ClusterMemo) -> dict | None:
    """typedExtensionProtocolOptions: without auto SNI they depend on the pool and the port's protocol only."""
    def make() -> dict | None:
        options = upstream_protocol_options(svc, sport, policy, proxy, index, upstream=auto_sni)
        return {HTTP_OPTIONS: options} if options else None
    if auto_sni is not None:
        return make()
    return memo.of(policy.connectionPool, ("options", sport.protocol), make)


def connect_timeout(policy: TP.Policy, index: MeshIndex) -> str:
    tcp = getattr(policy.connectionPool, "tcp", None) if policy.connectionPool is not None else None
    return proto_duration(getattr(tcp, "connectTimeout", None) or index.mesh.connect_timeout)


def _common_lb_config(policy: TP.Policy, b: Behaviour, index: MeshIndex) -> dict | None:
    out: dict[str, Any] = {}
    panic = TP.healthy_panic_threshold(policy.outlierDetection)
    if panic is not None:
        out["healthyPanicThreshold"] = panic
    if not b.no_default_locality_weighted_lb:
        if index.mesh.locality_lb_enabled:  # 1.17-1.23: whenever a locality setting is in effect
            out["localityWeightedLbConfig"] = {}
    elif TP.locality_weighted(policy.loadBalancer, getattr(index.mesh, "locality_lb", None), policy.outlierDetection is not None):
        out["localityWeightedLbConfig"] = {}
    return out


def _tls(svc: Service, sport: ServicePort, subset: str, policy: TP.Policy, ctype: str, index: MeshIndex,
         proxy: Proxy, b: Behaviour, dr_selector: bool = False) -> tuple[list[dict] | None, dict | None]:
    """(transportSocketMatches, transportSocket) per facts 5.7. `dr_selector`: the DR has a workloadSelector."""
    http2 = P.is_http2(sport.protocol)
    sni = sni_key(OUTBOUND, subset, svc.hostname, sport.port)
    tls = policy.tls
    if tls is not None and tls.mode:
        if tls.mode == "DISABLE":
            return None, None
        if tls.mode == "ISTIO_MUTUAL":
            ctx = T.istio_mutual_context(tls.sni or sni, list(tls.subjectAltNames) or index.service_sans(svc, sport),
                                         http2)
            return None, {"name": T.TLS_SOCKET, "typedConfig": ctx}
        if tls.credentialName:
            # buildUpstreamClusterTLSContext: a sidecar honours credentialName only from a DR with a
            # workloadSelector, and otherwise drops SIMPLE/MUTUAL TLS altogether
            if not proxy.is_gateway and not dr_selector:
                return None, None
            ctx = T.credential_context(tls, http2, b, list(svc.subject_alt_names), index.mesh.tls_defaults)
            return None, {"name": T.TLS_SOCKET, "typedConfig": ctx}
        ctx = T.simple_context(tls, http2, b, list(svc.subject_alt_names), index.mesh.tls_defaults)
        return None, {"name": T.TLS_SOCKET, "typedConfig": ctx}
    if not index.mesh.enable_auto_mtls or svc.mesh_external:
        return None, None
    ctx = T.istio_mutual_context(sni, index.service_sans(svc, sport), http2)
    if ctype == "ORIGINAL_DST":
        eps = index.endpoints(svc, sport)
        if eps and all(e.tls_mode == "istio" for e in eps):
            return None, {"name": T.TLS_SOCKET, "typedConfig": ctx}
        return None, None
    return T.auto_mtls_matches(ctx), None


def blackhole_cluster(index: MeshIndex, b: Behaviour) -> dict:
    out: dict[str, Any] = {"name": BLACKHOLE}
    if b.alt_stat_name:
        out["altStatName"] = BLACKHOLE + ";"
    out["type"] = "STATIC"
    out["connectTimeout"] = connect_timeout(TP.Policy(), index)
    return out


def _original_dst(name: str, index: MeshIndex, b: Behaviour) -> dict:
    """The shared head of the passthrough clusters: ORIGINAL_DST, default breakers, downstream protocol."""
    out: dict[str, Any] = {"name": name}
    if b.alt_stat_name:
        out["altStatName"] = name + ";"
    out.update({
        "type": "ORIGINAL_DST",
        "connectTimeout": connect_timeout(TP.Policy(), index),
        "lbPolicy": "CLUSTER_PROVIDED",
        "circuitBreakers": TP.circuit_breakers(None, not b.no_track_remaining),
        "typedExtensionProtocolOptions": {"envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
            "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
            "commonHttpProtocolOptions": {"idleTimeout": "300s"},
            "useDownstreamProtocolConfig": {"httpProtocolOptions": {}, "http2ProtocolOptions": {}},
        }},
    })
    return out


def passthrough_cluster(index: MeshIndex, b: Behaviour) -> dict:
    out = _original_dst(PASSTHROUGH, index, b)
    out["filters"] = [mx_filter(b)]
    return out


def inbound_passthrough_clusters(proxy: Proxy, index: MeshIndex, b: Behaviour) -> list[dict]:
    """Only for the proxy's IP families (model/context.go DiscoverIPMode: IPv4, IPv6 or dual).
    Up to 1.22 one cluster per family (cluster_builder.go@1.17.8 buildInboundPassthroughClusters:
    ...Ipv4 bound to 127.0.0.6 if SupportsIPv4, ...Ipv6 bound to ::6 if SupportsIPv6); since 1.23 one
    cluster (cluster_builder.go@1.30.3 buildInboundPassthroughCluster): 127.0.0.6, or ::6 for an
    IPv6-only proxy, plus ::6 as extraSourceAddresses on dual stack (facts 5.10)."""
    v4, v6 = _ip_families(proxy)
    if b.single_inbound_passthrough:
        bind: dict[str, Any] = {"sourceAddress": _bind_address("127.0.0.6" if v4 else "::6")}
        if v4 and v6:
            bind["extraSourceAddresses"] = [{"address": _bind_address("::6")}]
        variants = [(INBOUND_PASSTHROUGH, bind)]
    else:
        variants = [(INBOUND_PASSTHROUGH + "Ipv4", {"sourceAddress": _bind_address("127.0.0.6")})] if v4 else []
        if v6:
            variants.append((INBOUND_PASSTHROUGH + "Ipv6", {"sourceAddress": _bind_address("::6")}))
    out = []
    for name, bind in variants:
        c = _original_dst(name, index, b)
        c["upstreamBindConfig"] = bind
        out.append(c)
    return out


def _bind_address(address: str) -> dict:
    return {"address": address, "portValue": 0}


def _ip_families(proxy: Proxy) -> tuple[bool, bool]:
    """(IPv4, IPv6) of the proxy's addresses; a proxy without a known IP is taken as an IPv4 pod (what
    every seed's dump shows: InboundPassthroughClusterIpv4 only)."""
    ips = [ip for ip in (proxy.ip,) if ip]
    if not ips:
        return True, False
    v6 = [":" in ip for ip in ips]
    return not all(v6), any(v6)
