"""Pieces shared by the cluster builders: EDS config source, DNS fields, metadata, protocol options."""
from __future__ import annotations

from typing import Any

from mesh_compile.build.endpoints import lb_endpoint, subset_matches
from mesh_compile.index import protocol as P
from mesh_compile.index.mesh_index import DestinationRuleView, MeshIndex
from mesh_compile.index.proxy import Proxy
from mesh_compile.index.services import EXTERNAL, PASSTHROUGH, Service, ServicePort
from mesh_compile.versions import Behaviour

HTTP_OPTIONS_TYPE = "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions"


def eds_config() -> dict:
    return {"ads": {}, "initialFetchTimeout": "0s", "resourceApiVersion": "V3"}


# The clusters' edsConfig: one shared object (like tls.SDS_CONFIG), the builders never mutate emitted dicts.
EDS_CONFIG = eds_config()


def mx_filter(b: Behaviour) -> dict:
    """The istio.metadata_exchange upstream filter; its shape changed by 1.22 (facts 5.2)."""
    if b.mx_filter_typed_struct:
        typed = {"@type": "type.googleapis.com/udpa.type.v1.TypedStruct",
                 "typeUrl": "type.googleapis.com/envoy.tcp.metadataexchange.config.MetadataExchange",
                 "value": {"enable_discovery": True, "protocol": "istio-peer-exchange"}}
    else:
        typed = {"@type": "type.googleapis.com/envoy.tcp.metadataexchange.config.MetadataExchange",
                 "protocol": "istio-peer-exchange"}
    return {"name": "istio.metadata_exchange", "typedConfig": typed}


def service_metadata(svc: Service, port: int, subset: str, dr: DestinationRuleView | None, b: Behaviour,
                     policy: Any) -> dict:
    """metadata.filterMetadata.istio: a Struct, so its keys print sorted (they are added in that order)."""
    istio: dict[str, Any] = {}
    tls = getattr(policy, "tls", None)
    if tls is not None and tls.mode in ("SIMPLE", "MUTUAL"):
        istio["alpn_override"] = "false"
    if dr is not None:
        istio["config"] = (f"/apis/networking.istio.io/{b.config_api_version}/namespaces/"
                           f"{dr.namespace}/destination-rule/{dr.name}")
    if not b.no_default_original_port:
        istio["default_original_port"] = port
    if svc.mesh_external and b.external_metadata:
        istio["external"] = True
    istio["services"] = [{"host": svc.hostname, "name": svc.name, "namespace": svc.namespace}]
    if subset:
        istio["subset"] = subset
    return {"filterMetadata": {"istio": istio}}


def dns_fields(index: MeshIndex, b: Behaviour) -> dict:
    from mesh_compile.model.duration import parse_duration, to_proto_duration
    out: dict[str, Any] = {"dnsRefreshRate": to_proto_duration(parse_duration(index.mesh.dns_refresh_rate))}
    if b.dns_jitter:
        out["dnsJitter"] = "0.100s"
    out["respectDnsTtl"] = True
    out["dnsLookupFamily"] = "V4_ONLY"
    if b.dns_resolver_config:
        out["typedDnsResolverConfig"] = {
            "name": "envoy.network.dns_resolver.cares",
            "typedConfig": {"@type": "type.googleapis.com/envoy.extensions.network.dns_resolver.cares.v3.CaresDnsResolverConfig",
                            "udpMaxQueries": 100},
        }
    return out


def load_assignment(name: str, svc: Service, sport: ServicePort, subset: Any, index: MeshIndex) -> dict | None:
    """Inline endpoints of a DNS cluster: the ServiceEntry's endpoints, or the host itself (facts 5.3)."""
    lb_eps = []
    # BuildLbEndpointMetadata with every part empty: no workload, namespace or canonical labels
    meta = {"filterMetadata": {"istio": {"workload": ";;;;"}}}
    if svc.se_endpoints:
        for ep in svc.se_endpoints:
            labels = dict(getattr(ep, "labels", None) or {})
            if subset is not None and not subset_matches(subset, labels):
                continue
            port = (getattr(ep, "ports", None) or {}).get(sport.name) or _target(sport)
            lb_eps.append(lb_endpoint(ep.address, port, meta, healthy=False))
    elif svc.external_name:
        lb_eps.append(lb_endpoint(svc.external_name, _target(sport), meta, healthy=False))
    else:
        lb_eps.append(lb_endpoint(svc.hostname, _target(sport), meta, healthy=False))
    if not lb_eps:
        return None
    return {"clusterName": name,
            "endpoints": [{"locality": {}, "lbEndpoints": lb_eps, "loadBalancingWeight": len(lb_eps)}]}


def _target(sport: ServicePort) -> int:
    return sport.target_port if isinstance(sport.target_port, int) and sport.target_port else sport.port


def upstream_protocol_options(svc: Service, sport: ServicePort, policy: Any, proxy: Proxy, index: MeshIndex,
                              inbound: bool = False, upstream: dict | None = None) -> dict:
    """typedExtensionProtocolOptions[HttpProtocolOptions], only when something needs it (facts 5.5).
    `upstream`: upstreamHttpProtocolOptions (auto SNI / SAN validation of SIMPLE and MUTUAL TLS, tls.py)."""
    pool = policy.connectionPool
    http = getattr(pool, "http", None) if pool is not None else None
    from mesh_compile.build.traffic_policy import http_protocol_options
    common = http_protocol_options(pool)
    out: dict[str, Any] = {}
    if common:
        out["commonHttpProtocolOptions"] = common
    if upstream:
        out["upstreamHttpProtocolOptions"] = upstream
    if getattr(http, "useClientProtocol", None) or (P.is_sniffed(sport.protocol) and not proxy.is_gateway):
        out["useDownstreamProtocolConfig"] = {"httpProtocolOptions": {}, "http2ProtocolOptions": {}}
    elif P.is_http2(sport.protocol) or (not inbound and _h2_upgrade(http, sport, index)):
        h2: dict[str, Any] = {}
        mcs = getattr(http, "maxConcurrentStreams", None)
        if mcs:
            h2["maxConcurrentStreams"] = mcs
        out["explicitHttpConfig"] = {"http2ProtocolOptions": h2}
    elif out:
        out["explicitHttpConfig"] = {"httpProtocolOptions": {}}
    if not out:
        return {}
    return {"@type": HTTP_OPTIONS_TYPE, **out}


def _h2_upgrade(http: Any, sport: ServicePort, index: MeshIndex) -> bool:
    """cluster_traffic_policy.go shouldH2Upgrade (outbound only): a DR UPGRADE upgrades any port, a DR
    DO_NOT_UPGRADE never; DEFAULT/unset leaves it to the mesh policy, for HTTP ports only."""
    override = getattr(http, "h2UpgradePolicy", None)
    if override == "UPGRADE":
        return True
    if override == "DO_NOT_UPGRADE":
        return False
    return P.is_http(sport.protocol) and index.mesh.h2_upgrade_policy == "UPGRADE"


def original_dst_lb_config(svc: Service, sport: ServicePort, b: Behaviour) -> dict | None:
    """originalDstLbConfig.upstreamPortOverride for a ServiceEntry with resolution NONE whose port has a
    targetPort (serviceentry/conversion.go PassthroughTargetPorts -> cluster_builder.go buildCluster,
    ORIGINAL_DST case; 1.22+, behind ENABLE_RESOLUTION_NONE_TARGET_PORT=true until 1.24, always since 1.25).
    Kubernetes headless services never set these overrides."""
    if not b.passthrough_target_port or svc.registry != EXTERNAL or svc.resolution != PASSTHROUGH:
        return None
    if not isinstance(sport.target_port, int) or not sport.target_port:
        return None
    return {"upstreamPortOverride": sport.target_port}
