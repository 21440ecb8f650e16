"""SNI-DNAT clusters of gateways with AUTO_PASSTHROUGH servers (cluster.go buildOutboundSniDnatClusters,
cluster_builder.go applyDestinationRule / buildSubsetCluster with SniDnatClusterMode; the same in 1.17.8
v1alpha3/ and 1.30.3 core/; facts 4.4, 5.1).

They are the gateway's outbound clusters of every in-mesh service port and DestinationRule subset, named
`outbound_.<port>_.<subset>_.<fqdn>` (BuildDNSSrvSubsetKey, `_` for no subset) instead of
`outbound|<port>|<subset>|<fqdn>`, and without any upstream TLS: the gateway forwards the client's own mTLS
stream as it is (applyTrafficPolicy skips buildUpstreamTLSSettings in that mode, so also the auto SNI /
SAN validation it would set, cluster_tls.go setAutoSniAndAutoSanValidation). Every other field comes from
the same cluster build, so they are built as the normal clusters and then renamed and stripped.
"""
from __future__ import annotations

from mesh_compile.build import clusters as C
from mesh_compile.build.names import OUTBOUND, sni_key
from mesh_compile.index import protocol as P
from mesh_compile.index.mesh_index import MeshIndex
from mesh_compile.index.proxy import Proxy
from mesh_compile.index.sidecar_scope import Scope
from mesh_compile.versions import Behaviour

TLS_FIELDS = ("transportSocketMatches", "transportSocket")
HTTP_OPTIONS = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions"
# cluster_builder.go clusterWrapper.build: the default explicitHttpConfig, added whenever any option is set
DEFAULT_EXPLICIT = {"httpProtocolOptions": {}}


def sni_dnat_clusters(proxy: Proxy, index: MeshIndex, scope: Scope, b: Behaviour) -> list[dict]:
    """Only for gateways with an AUTO_PASSTHROUGH server (MergedGateway.ContainsAutoPassthroughGateways)."""
    from mesh_compile.build.listener_gateway import has_auto_passthrough

    if not proxy.is_gateway or not has_auto_passthrough(proxy, index):
        return []
    out: list[dict] = []
    for svc in scope.services:          # SidecarScope.Services(): no VirtualService-only destinations
        if svc.mesh_external:     # (ExternalName aliases are not skipped here: convertResolution -> EDS)
            continue
        drs = index.destination_rule(proxy.namespace, proxy.labels, svc)
        for sport in svc.ports:
            if sport.protocol == P.UDP:
                continue
            for cluster in C.service_port_clusters(svc, sport, drs, proxy, index, b):
                out.append(_as_sni_dnat(cluster, svc.hostname, sport.port))
    return out


def _subset(cluster: dict) -> str:
    return cluster["metadata"]["filterMetadata"]["istio"].get("subset", "")


def _as_sni_dnat(cluster: dict, hostname: str, port: int) -> dict:
    """The same cluster under its SNI name, without TLS; key order kept (a new dict, the input is shared)."""
    name = sni_key(OUTBOUND, _subset(cluster), hostname, port)
    out: dict = {}
    for key, value in cluster.items():
        if key in TLS_FIELDS:
            continue
        if key == "name":
            value = name
        elif key == "altStatName":
            value = name + ";"
        elif key == "edsClusterConfig":
            value = {**value, "serviceName": name}
        elif key == "loadAssignment":
            value = {**value, "clusterName": name}
        elif key == "typedExtensionProtocolOptions":
            value = _without_auto_sni(value)
            if value is None:
                continue
        out[key] = value
    return out


def _without_auto_sni(typed: dict) -> dict | None:
    """typedExtensionProtocolOptions without upstreamHttpProtocolOptions (auto SNI comes only with a TLS
    context, which SNI-DNAT clusters never get); None when nothing else is left but the default
    explicitHttpConfig that clusterWrapper.build adds only because some option was set."""
    options = typed.get(HTTP_OPTIONS)
    if options is None or "upstreamHttpProtocolOptions" not in options:
        return typed
    rest = {k: v for k, v in options.items() if k != "upstreamHttpProtocolOptions"}
    if set(rest) <= {"@type", "explicitHttpConfig"} and rest.get("explicitHttpConfig") == DEFAULT_EXPLICIT:
        rest = {k: v for k, v in rest.items() if k != "explicitHttpConfig"}
    if set(rest) <= {"@type"}:
        return None
    return {**typed, HTTP_OPTIONS: rest}


def parse_sni_key(name: str) -> tuple[str, int, str, str] | None:
    """`outbound_.80_.v1_.host` -> ("outbound", 80, "v1", host) (model.ParseSubsetKey, DNS SRV form;
    `outbound_.80_._.host` has no subset); None for other names."""
    parts = name.split("_.", 3)
    if len(parts) != 4 or parts[0] != OUTBOUND or not parts[1].isdigit():
        return None
    return parts[0], int(parts[1]), parts[2], parts[3]


def _mtls(lb_endpoint: dict) -> bool:
    """mtls_checker.go isMtlsEnabled: the endpoint's transport socket match says tlsMode istio."""
    meta = (lb_endpoint.get("metadata") or {}).get("filterMetadata", {})
    return meta.get("envoy.transport_socket_match", {}).get("tlsMode") == "istio"


def sni_dnat_assignments(clusters: list[dict], index: MeshIndex, proxy: Proxy) -> list[dict]:
    """EDS of the SNI-DNAT clusters: the service's endpoints, keeping only those that speak Istio mTLS
    (endpoint_builder.go: IsDNSSrvSubsetKey -> EndpointsWithMTLSFilter), since the gateway cannot check it."""
    from mesh_compile.build.endpoints import assignment_for

    out = []
    for cluster in clusters:
        key = parse_sni_key(cluster["name"]) if cluster.get("type") == "EDS" else None
        if key is None:
            continue
        cla = assignment_for(cluster["name"], key, index, proxy)
        localities = []
        for loc in cla.get("endpoints", []):
            kept = [ep for ep in loc["lbEndpoints"] if _mtls(ep)]
            if kept:
                localities.append({**loc, "lbEndpoints": kept, "loadBalancingWeight": len(kept)})
        out.append({"clusterName": cla["clusterName"], **({"endpoints": localities} if localities else {})})
    return out
