"""VirtualService `tcp` and `tls` routes -> tcp_proxy filter chains (tls.go buildSidecarOutboundTCP/TLSFilterChainOpts,
networkfilter.go buildOutboundNetworkFilters, gateway.go buildGatewayNetworkFiltersFrom{TCP,TLS}Routes;
1.17.8 v1alpha3/ and 1.30.3 core/ agree on everything built here)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mesh_compile.build import listener_parts as LP
from mesh_compile.build.http_routes import config_metadata
from mesh_compile.build.names import OUTBOUND, subset_key
from mesh_compile.index import protocol as P
from mesh_compile.index.hosts import resolve_gateway_name, resolve_short_name
from mesh_compile.index.mesh_index import MeshIndex, VirtualServiceView
from mesh_compile.index.proxy import Proxy
from mesh_compile.index.services import Service
from mesh_compile.model.duration import parse_duration, to_proto_duration
from mesh_compile.versions import Behaviour


@dataclass
class L4Context:
    b: Behaviour
    index: MeshIndex
    proxy: Proxy
    port: int                 # the listener's service port (sidecar) or server port (gateway)
    gateway: str              # "mesh" or "ns/name"
    protocol: str = ""        # the port's protocol (compiler/index/protocol.py names)


MONGO_PROXY = "envoy.filters.network.mongo_proxy"
MONGO_PROXY_TYPE = "type.googleapis.com/envoy.extensions.filters.network.mongo_proxy.v3.MongoProxy"


def _stack(ctx: L4Context, stat: str, tcp: dict) -> list[dict]:
    """buildNetworkFiltersStack: Mongo ports get mongo_proxy before tcp_proxy (PILOT_ENABLE_MONGO_FILTER
    defaults to true in 1.17.8 and 1.30.3; the Redis and MySQL filters default to off)."""
    if ctx.protocol == P.MONGO:
        return [{"name": MONGO_PROXY, "typedConfig": {"@type": MONGO_PROXY_TYPE, "statPrefix": stat}}, tcp]
    return [tcp]


def l4_match(match: Any, ctx: L4Context, vs_namespace: str) -> bool:
    """matchTCP / matchTLS: gateways, sourceLabels, port and sourceNamespace must all agree."""
    if match is None:
        return True
    gateways = list(getattr(match, "gateways", None) or [])
    if gateways and ctx.gateway not in [resolve_gateway_name(g, vs_namespace) for g in gateways]:
        return False
    labels = getattr(match, "sourceLabels", None) or {}
    if any(ctx.proxy.labels.get(k) != v for k, v in labels.items()):
        return False
    port = getattr(match, "port", None) or 0
    if port and port != ctx.port:
        return False
    ns = getattr(match, "sourceNamespace", None) or ""
    return not ns or ns == ctx.proxy.namespace


def _destination_cluster(dest: Any, vs: VirtualServiceView, ctx: L4Context) -> str:
    """route.GetDestinationCluster: the destination's port, else the service's only port, else the listener's."""
    host = resolve_short_name(dest.host, vs.namespace, ctx.index.mesh.domain_suffix)
    if dest.port is not None and dest.port.number:
        port = dest.port.number
    else:
        svc = ctx.index.service_for_host(host, ctx.proxy.namespace)
        port = svc.ports[0].port if svc is not None and len(svc.ports) == 1 else ctx.port
    return subset_key(OUTBOUND, dest.subset or "", host, port)


def _dr_spec(host: str, ctx: L4Context) -> Any | None:
    svc = ctx.index.service_for_host(host, ctx.proxy.namespace)
    if svc is None:
        return None
    drs = ctx.index.destination_rule(ctx.proxy.namespace, ctx.proxy.labels, svc)
    return drs[0].spec if drs else None


def _source_ip_hash(spec: Any | None, subset: str) -> bool:
    """maybeSetHashPolicy: consistentHash.useSourceIp of the DR, overridden by the named subset's LB."""
    if spec is None:
        return False
    tp = spec.trafficPolicy
    use = bool(tp and tp.loadBalancer and tp.loadBalancer.consistentHash and tp.loadBalancer.consistentHash.useSourceIp)
    for s in spec.subsets or []:
        if s.name != subset:
            continue
        lb = s.trafficPolicy.loadBalancer if s.trafficPolicy else None
        if lb is not None:
            use = bool(lb.consistentHash and lb.consistentHash.useSourceIp)
        break
    return use


def _tcp_pool(spec: Any | None) -> Any | None:
    tp = spec.trafficPolicy if spec is not None else None
    return tp.connectionPool.tcp if tp and tp.connectionPool else None


def _duration(value: Any) -> str | None:
    return to_proto_duration(parse_duration(value)) if value else None


def _tunnel_settings(spec: Any | None, subset: str) -> Any | None:
    """tunnelingconfig.Apply (1.17.8 v1alpha3/ and 1.30.3 core/ alike): the named subset's own
    trafficPolicy.tunnel (the DR's top level is not inherited), or the DR's top-level one without a subset."""
    if spec is None:
        return None
    if subset:
        for s in spec.subsets or []:
            if s.name == subset:
                return s.trafficPolicy.tunnel if s.trafficPolicy is not None else None
        return None
    return spec.trafficPolicy.tunnel if spec.trafficPolicy is not None else None


def _with_tunneling(f: dict, tunnel: Any) -> dict:
    """tcp_proxy tunnelingConfig: hostname = net.JoinHostPort(targetHost, targetPort), usePost for protocol
    "POST" (CONNECT otherwise); placed before maxDownstreamConnectionDuration (TcpProxy declaration order)."""
    host = f"[{tunnel.targetHost}]" if ":" in tunnel.targetHost else tunnel.targetHost
    config: dict[str, Any] = {"hostname": f"{host}:{tunnel.targetPort}"}
    if tunnel.protocol == "POST":
        config["usePost"] = True
    typed: dict[str, Any] = {}
    for key, value in f["typedConfig"].items():
        if key == "maxDownstreamConnectionDuration":
            typed["tunnelingConfig"] = config
        typed[key] = value
    typed.setdefault("tunnelingConfig", config)
    return {**f, "typedConfig": typed}


def _tcp_proxy(stat: str, spec: Any | None, subset: str, ctx: L4Context, cluster: str | None = None,
               weighted: list[tuple[str, int]] | None = None, tunneling: bool = False) -> list[dict]:
    """The DR's top-level tcp pool sets idleTimeout (1.21+) and maxDownstreamConnectionDuration;
    `tunneling` (tunnelingconfig.Apply rather than Skip) adds the DR's tunnel settings."""
    pool = _tcp_pool(spec)
    idle = _duration(getattr(pool, "idleTimeout", None)) if pool and ctx.b.tcp_proxy_dr_idle_timeout else None
    f = LP.tcp_proxy(stat, cluster=cluster, weighted=weighted, idle_timeout=idle,
                     source_ip_hash=_source_ip_hash(spec, subset),
                     max_connection_duration=_duration(getattr(pool, "maxConnectionDuration", None)) if pool else None)
    tunnel = _tunnel_settings(spec, subset) if tunneling else None
    if tunnel is not None:
        f = _with_tunneling(f, tunnel)
    return _stack(ctx, stat, f)


def single_destination(stat: str, cluster: str, host: str, subset: str, ctx: L4Context,
                       tunneling: bool = False) -> list[dict]:
    """One cluster. Tunnel settings are applied for sidecar routes and default chains, TLS/TCP routes of
    gateways (tunnelingconfig.Apply), never for AUTO_PASSTHROUGH gateway chains (tunnelingconfig.Skip)."""
    return _tcp_proxy(stat, _dr_spec(host, ctx), subset, ctx, cluster=cluster, tunneling=tunneling)


def route_filters(routes: list[Any], vs: VirtualServiceView, ctx: L4Context) -> list[dict]:
    """buildOutboundNetworkFilters: one destination -> cluster (stat prefix = cluster name); several ->
    weightedClusters of the weight>0 ones, stat prefix `<vs name>.<vs namespace>`."""
    first_host = resolve_short_name(routes[0].destination.host, vs.namespace, ctx.index.mesh.domain_suffix)
    if len(routes) == 1:
        cluster = _destination_cluster(routes[0].destination, vs, ctx)
        return single_destination(cluster, cluster, first_host, routes[0].destination.subset or "", ctx, True)
    weighted = [(_destination_cluster(r.destination, vs, ctx), r.weight) for r in routes if (r.weight or 0) > 0]
    # weighted clusters: the DR's top-level tunnel only (a subset's is ignored, networkfilter.go)
    return _tcp_proxy(f"{vs.name}.{vs.namespace}", _dr_spec(first_host, ctx), "", ctx, weighted=weighted,
                      tunneling=True)


def default_chain(svc: Service, ctx: L4Context, cidrs: list[str], sni: list[str] | None = None) -> LP.ChainOpts:
    """No VS route applies: straight to `outbound|P||host` (the service's only port when it has one)."""
    port = svc.ports[0].port if len(svc.ports) == 1 else ctx.port
    cluster = subset_key(OUTBOUND, "", svc.hostname, port)
    return LP.ChainOpts(sni_hosts=list(sni or []), cidrs=list(cidrs),
                        network_filters=single_destination(cluster, cluster, svc.hostname, "", ctx, True))


def sidecar_tcp_chains(svc: Service, vss: list[VirtualServiceView], ctx: L4Context, cidrs: list[str]) -> list[LP.ChainOpts]:
    """buildSidecarOutboundTCPFilterChainOpts: the first VS tcp route that matches everything ends the list."""
    out: list[LP.ChainOpts] = []
    for vs in vss:
        for tcp in vs.spec.tcp or []:
            if not tcp.match:
                out.append(LP.ChainOpts(cidrs=list(cidrs), metadata=config_metadata(vs, ctx.b),
                                        network_filters=route_filters(tcp.route, vs, ctx)))
                return out
            subnets: list[str] = []
            for m in tcp.match:
                if not l4_match(m, ctx, vs.namespace):
                    continue
                if not m.destinationSubnets:
                    out.append(LP.ChainOpts(cidrs=list(cidrs), metadata=config_metadata(vs, ctx.b),
                                            network_filters=route_filters(tcp.route, vs, ctx)))
                    return out
                subnets.extend(m.destinationSubnets)
            if subnets:
                out.append(LP.ChainOpts(cidrs=subnets, network_filters=route_filters(tcp.route, vs, ctx)))
                if sorted(subnets) == sorted(cidrs):
                    return out
    out.append(default_chain(svc, ctx, cidrs))
    return out


def sidecar_tls_chains(svc: Service, vss: list[VirtualServiceView], ctx: L4Context,
                       cidrs: list[str]) -> list[LP.ChainOpts]:
    """buildSidecarOutboundTLSFilterChainOpts: one chain per distinct (sniHosts, destinationSubnets) match."""
    out: list[LP.ChainOpts] = []
    seen: set[str] = set()
    for vs in vss:
        for tls in vs.spec.tls or []:
            for m in tls.match or []:
                if not l4_match(m, ctx, vs.namespace):
                    continue
                chain_cidrs = list(m.destinationSubnets) if m.destinationSubnets else list(cidrs)
                key = ",".join(m.sniHosts or []) + "|" + ",".join(m.destinationSubnets or [])
                if key not in seen:
                    out.append(LP.ChainOpts(sni_hosts=list(m.sniHosts or []), cidrs=chain_cidrs,
                                            metadata=config_metadata(vs, ctx.b),
                                            network_filters=route_filters(tls.route, vs, ctx)))
                seen.add(key)
    if not out:
        # without a VS, SNI matching only where the listener cannot tell services apart by address
        sni = [svc.hostname] if cidrs or not svc.addresses else []
        out.append(default_chain(svc, ctx, cidrs, sni))
    return out
