"""The Istio and telemetry filters of a default install (no Telemetry objects, MeshConfig defaults), for
sidecar outbound, sidecar inbound and gateway listeners.

HTTP connection managers (listener_builder.go buildHTTPConnectionManager, 1.17.8 v1alpha3/ and 1.30.3 core/):
  istio.metadata_exchange, envoy.filters.http.grpc_stats, istio.alpn (not inbound), fault, cors, istio.stats,
  router; plus `tracing` (tracing.go, MeshConfig enableTracing defaults to true), `requestIdExtension`
  (requestidextension BuildUUIDRequestIDExtension), `accessLog` (access_log.py) and, from 1.23,
  `proxy100Continue`.
TCP chains (networkfilter.go buildCompleteNetworkFilters, listener_builder.go
  buildOutboundCatchAllNetworkFiltersOnly): istio.stats before the terminal filters, access log on tcp_proxy.
Sidecar inbound chains (listener_inbound.go buildInboundNetworkFilters(ForHTTP), buildInboundBlackhole) start with
  the network filters of inbound_network_filters (istio_authn up to 1.19, the TCP istio.metadata_exchange); their
  connection managers get the SIDECAR_INBOUND variant (downstream peer metadata, no istio.alpn, stats without host
  header fallback).

Where istio.stats comes from: 1.17 installs EnvoyFilters (istio-discovery telemetryv2_1.17.yaml, stats-filter-1.17
and tcp-stats-filter-1.17) that insert a TypedStruct of stats.PluginConfig before the router / tcp_proxy; from
1.18 the `istio` ConfigMap names prometheus in defaultProviders.metrics and model/telemetry.go generateStatsConfig
emits a native stats.PluginConfig (disableHostHeaderFallback for inbound and gateway listeners).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mesh_compile.build.access_log import file_access_log
from mesh_compile.build.cluster_parts import mx_filter
from mesh_compile.index.mesh_index import MeshIndex
from mesh_compile.index.proxy import Proxy
from mesh_compile.versions import Behaviour

URL = "type.googleapis.com/"
TYPED_STRUCT = URL + "udpa.type.v1.TypedStruct"
SIDECAR_OUTBOUND, SIDECAR_INBOUND, GATEWAY = "SIDECAR_OUTBOUND", "SIDECAR_INBOUND", "GATEWAY"
MX, STATS, ALPN = "istio.metadata_exchange", "istio.stats", "istio.alpn"
GRPC_STATS, FAULT, ROUTER = "envoy.filters.http.grpc_stats", "envoy.filters.http.fault", "envoy.filters.http.router"
GRPC_WEB = "envoy.filters.http.grpc_web"
TCP_PROXY = "envoy.filters.network.tcp_proxy"
# buildNetworkFiltersStack: the filters a TCP chain ends with (telemetry goes in front of them)
TERMINAL_NETWORK_FILTERS = (TCP_PROXY, "envoy.filters.network.mongo_proxy", "envoy.filters.network.redis_proxy",
                            "envoy.filters.network.mysql_proxy")
PILOT_TRACE_SAMPLING = 1.0       # features.TraceSampling default (values.yaml pilot.traceSampling 1.0)
DEFAULT_CLUSTER_ID = "Kubernetes"  # injector ISTIO_META_CLUSTER_ID: global.multiCluster.clusterName or Kubernetes
# filters.go mtlsHTTP10ALPN / mtlsHTTP11ALPN / mtlsHTTP2ALPN (1.17.8 and 1.30.3)
_ALPN_OVERRIDES = [
    {"alpnOverride": ["istio-http/1.0", "istio", "http/1.0"]},            # HTTP10 is the enum zero
    {"upstreamProtocol": "HTTP11", "alpnOverride": ["istio-http/1.1", "istio", "http/1.1"]},
    {"upstreamProtocol": "HTTP2", "alpnOverride": ["istio-h2", "istio", "h2"]},
]


@dataclass(frozen=True)
class Telemetry:
    """What the telemetry filters of one proxy depend on."""
    b: Behaviour
    prometheus: bool                              # 1.18+: defaultProviders.metrics names prometheus
    access_log: dict | None                       # the file access log entry, None without accessLogFile
    tracing: bool                                 # MeshConfig enableTracing
    sampling: float
    service_tags: tuple[tuple[str, str], ...]     # buildServiceTags literal tags


def canonical_labels(proxy: Proxy) -> tuple[str, str]:
    """(canonical service, canonical revision) as the sidecar injector labels the pod
    (injection-template.yaml; the gateway chart sets name = gateway name, revision latest)."""
    labels = proxy.labels
    service = (labels.get("service.istio.io/canonical-name") or labels.get("app.kubernetes.io/name")
               or labels.get("app") or proxy.name)
    revision = (labels.get("service.istio.io/canonical-revision") or labels.get("app.kubernetes.io/version")
                or labels.get("version") or "latest")
    return service, revision


def telemetry_for(proxy: Proxy, index: MeshIndex, b: Behaviour) -> Telemetry:
    mesh = index.mesh
    service, revision = canonical_labels(proxy)
    # the injector and the gateway chart set ISTIO_META_MESH_ID to the trust domain when global.meshID is unset
    tags = [("istio.canonical_revision", revision), ("istio.canonical_service", service)]
    if b.tracing_cluster_id_tag:
        tags.append(("istio.cluster_id", DEFAULT_CLUSTER_ID))
    tags += [("istio.mesh_id", mesh.trust_domain), ("istio.namespace", proxy.namespace)]
    return Telemetry(
        b=b, prometheus="prometheus" in mesh.default_metrics_providers,
        access_log=file_access_log(mesh.access_log_file, mesh.access_log_encoding, mesh.access_log_format, b),
        tracing=mesh.enable_tracing, sampling=_sampling(mesh.trace_sampling), service_tags=tuple(tags))


def _sampling(value: float | None) -> float:
    """proxyConfigSamplingValue: defaultConfig.tracing.sampling, above 100 read as 1, else PILOT_TRACE_SAMPLING."""
    if not value:
        return PILOT_TRACE_SAMPLING
    return 1.0 if value > 100.0 else value


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


# --- HTTP filters -----------------------------------------------------------------------------------------

def mx_http_filter(b: Behaviour, cls: str = SIDECAR_OUTBOUND) -> dict:
    """istio.metadata_exchange: a Wasm null-VM plugin up to 1.18 (HTTPMx), then the native peer_metadata
    filter (SidecarOutboundMetadataFilter / SidecarInboundMetadataFilter)."""
    if not b.native_http_mx:
        return {"name": MX, "typedConfig": {
            "@type": URL + "envoy.extensions.filters.http.wasm.v3.Wasm",
            "config": {"vmConfig": {"runtime": "envoy.wasm.runtime.null",
                                    "code": {"local": {"inlineString": "envoy.wasm.metadata_exchange"}}},
                       "configuration": {"@type": URL + "envoy.tcp.metadataexchange.config.MetadataExchange"}}}}
    side = "downstream" if cls == SIDECAR_INBOUND else "upstream"
    value = {f"{side}_discovery": [{"istio_headers": {}}, {"workload_discovery": {}}],
             f"{side}_propagation": [{"istio_headers": {}}]}
    return {"name": MX, "typedConfig": {"@type": TYPED_STRUCT, "typeUrl": URL + "io.istio.http.peer_metadata.Config",
                                        "value": value}}


def grpc_stats_filter() -> dict:
    return {"name": GRPC_STATS, "typedConfig": {
        "@type": URL + "envoy.extensions.filters.http.grpc_stats.v3.FilterConfig",
        "emitFilterState": True, "statsForAllMethods": False}}


def alpn_filter() -> dict:
    return {"name": ALPN, "typedConfig": {
        "@type": URL + "istio.envoy.config.filter.http.alpn.v2alpha1.FilterConfig",
        "alpnOverride": [dict(o, alpnOverride=list(o["alpnOverride"])) for o in _ALPN_OVERRIDES]}}


def stats_filter(tel: Telemetry, cls: str, http: bool) -> dict | None:
    """istio.stats for an HTTP (http=True) or TCP chain of this listener class; None when not installed."""
    if not tel.b.stats_from_telemetry_api:
        # telemetryv2_1.17.yaml: only the HTTP patches of GATEWAY and SIDECAR_INBOUND set this field
        value = {"disable_host_header_fallback": True} if http and cls != SIDECAR_OUTBOUND else {}
        return {"name": STATS, "typedConfig": {"@type": TYPED_STRUCT, "typeUrl": URL + "stats.PluginConfig",
                                               "value": value}}
    if not tel.prometheus:
        return None
    typed: dict[str, Any] = {"@type": URL + "stats.PluginConfig"}
    if cls in (SIDECAR_INBOUND, GATEWAY):           # telemetry.go disableHostHeaderFallback
        typed["disableHostHeaderFallback"] = True
    return {"name": STATS, "typedConfig": typed}


def grpc_web_filter() -> dict:
    """xdsfilters.GrpcWeb (1.17.8 and 1.30.3): for connection managers of gRPC-Web ports."""
    return {"name": GRPC_WEB, "typedConfig": {"@type": URL + "envoy.extensions.filters.http.grpc_web.v3.GrpcWeb"}}


def http_filters(base: list[dict], tel: Telemetry, cls: str) -> list[dict]:
    """buildHTTPConnectionManager's order around the (grpc_web/)fault/cors/router filters of `base`: metadata
    exchange first, then grpc_web when there, grpc_stats and (not inbound) ALPN before fault; istio.stats right
    before the router."""
    names = [f["name"] for f in base]
    if GRPC_STATS in names:
        return list(base)                         # already decorated
    mx = mx_http_filter(tel.b, cls)
    after = [grpc_stats_filter()] + ([alpn_filter()] if cls != SIDECAR_INBOUND else [])
    if GRPC_WEB in names:
        web = names.index(GRPC_WEB)
        out = list(base[:web]) + [mx, base[web]] + after + list(base[web + 1:])
    else:
        cut = names.index(FAULT) if FAULT in names else max(len(base) - 1, 0)
        out = list(base[:cut]) + [mx] + after + list(base[cut:])
    stats = stats_filter(tel, cls, http=True)
    if stats is not None:
        at = next((i for i, f in enumerate(out) if f["name"] == ROUTER), len(out))
        out.insert(at, stats)
    return out


# --- network filters ------------------------------------------------------------------------------------

AUTHN = "istio_authn"
# xds/filters IstioNetworkAuthenticationFilter (1.17.8-1.19.10): an empty TypedStruct of io.istio.network.authn.Config
ISTIO_AUTHN = {"name": AUTHN, "typedConfig": {"@type": TYPED_STRUCT, "typeUrl": URL + "io.istio.network.authn.Config"}}


def inbound_network_filters(b: Behaviour) -> list[dict]:
    """What a sidecar inbound chain has before its connection manager / authz / stats / tcp_proxy:
    istio_authn (1.17-1.19), then xdsfilters.TCPListenerMx (features.MetadataExchange, default true; the same
    message as the upstream TCPClusterMx, TypedStruct from 1.22)."""
    out = [] if b.no_inbound_istio_authn else [{**ISTIO_AUTHN, "typedConfig": dict(ISTIO_AUTHN["typedConfig"])}]
    return out + [mx_filter(b)]


# --- the connection manager's own fields ------------------------------------------------------------------

_POLICY_TAGS = [  # tracing.go optionalPolicyTags: RBAC shadow-rule results
    ("istio.authorization.dry_run.allow_policy.name", "istio_dry_run_allow_shadow_effective_policy_id"),
    ("istio.authorization.dry_run.allow_policy.result", "istio_dry_run_allow_shadow_engine_result"),
    ("istio.authorization.dry_run.deny_policy.name", "istio_dry_run_deny_shadow_effective_policy_id"),
    ("istio.authorization.dry_run.deny_policy.result", "istio_dry_run_deny_shadow_engine_result"),
]


def tracing(tel: Telemetry) -> dict | None:
    """configureTracing without Telemetry objects: sampling from proxy config, Istio tags sorted by name."""
    if not tel.tracing:
        return None
    tags: list[dict] = [{"tag": tag, "metadata": {"kind": {"request": {}}, "metadataKey": {
        "key": "envoy.filters.http.rbac", "path": [{"key": key}]}}} for tag, key in _POLICY_TAGS]
    tags += [{"tag": tag, "literal": {"value": value}} for tag, value in tel.service_tags]
    return {"clientSampling": {"value": 100}, "randomSampling": {"value": _number(tel.sampling)},
            "overallSampling": {"value": 100}, "customTags": sorted(tags, key=lambda t: t["tag"])}


def request_id_extension() -> dict:
    """UUIDRequestIDExtension: useRequestIdForTraceSampling true (also when tracing is off)."""
    return {"typedConfig": {"@type": URL + "envoy.extensions.request_id.uuid.v3.UuidRequestIdConfig",
                            "useRequestIdForTraceSampling": True}}


# HttpConnectionManager fields in .proto declaration order (istioctl prints them so)
HCM_ORDER = (
    "codecType", "statPrefix", "rds", "routeConfig", "scopedRoutes", "httpFilters", "addUserAgent", "tracing",
    "commonHttpProtocolOptions", "http1SafeMaxConnectionDuration", "httpProtocolOptions", "http2ProtocolOptions",
    "http3ProtocolOptions", "serverName", "serverHeaderTransformation", "schemeHeaderTransformation",
    "maxRequestHeadersKb", "streamIdleTimeout", "streamFlushTimeout", "requestTimeout", "requestHeadersTimeout",
    "drainTimeout", "delayedCloseTimeout", "accessLog", "accessLogFlushInterval", "flushAccessLogOnNewRequest",
    "accessLogOptions", "useRemoteAddress", "xffNumTrustedHops", "originalIpDetectionExtensions",
    "earlyHeaderMutationExtensions", "internalAddressConfig", "skipXffAppend", "via", "generateRequestId",
    "preserveExternalRequestId", "alwaysSetRequestIdInResponse", "forwardClientCertDetails",
    "setCurrentClientCertDetails", "forwardClientCertMatcher", "proxy100Continue",
    "representIpv4RemoteAddressAsIpv4MappedIpv6", "upgradeConfigs", "normalizePath", "mergeSlashes",
    "pathWithEscapedSlashesAction", "requestIdExtension", "localReplyConfig", "stripMatchingHostPort",
    "stripAnyHostPort", "streamErrorOnInvalidHttpMessage", "pathNormalizationOptions", "stripTrailingHostDot",
    "proxyStatusConfig", "typedHeaderValidationConfig", "appendXForwardedPort", "appendLocalOverload",
    "addProxyProtocolConnectionState",
)
# TcpProxy fields up to the ones istiod sets, in declaration order
TCP_PROXY_ORDER = (
    "statPrefix", "cluster", "weightedClusters", "onDemand", "metadataMatch", "idleTimeout", "downstreamIdleTimeout",
    "upstreamIdleTimeout", "accessLog", "maxConnectAttempts", "backoffOptions", "hashPolicy", "tunnelingConfig",
    "maxDownstreamConnectionDuration",
)


def ordered(typed: dict, order: tuple[str, ...]) -> dict:
    """`typed` with "@type" first, then the known fields in `order`, then anything else as it was."""
    rank = {k: i for i, k in enumerate(order)}
    keys = sorted((k for k in typed if k != "@type"), key=lambda k: rank.get(k, len(order)))
    return ({"@type": typed["@type"]} if "@type" in typed else {}) | {k: typed[k] for k in keys}


def decorate_hcm(typed: dict, tel: Telemetry, cls: str) -> dict:
    """A connection manager's typedConfig with the telemetry filters and fields added."""
    if any(f.get("name") == GRPC_STATS for f in typed.get("httpFilters", [])):
        return typed
    out = dict(typed)
    out["httpFilters"] = http_filters(typed.get("httpFilters", []), tel, cls)
    trace = tracing(tel)
    if trace is not None:
        out["tracing"] = trace
    if tel.access_log is not None:
        out["accessLog"] = [tel.access_log]
    if tel.b.hcm_proxy_100_continue:
        out["proxy100Continue"] = True
    out["requestIdExtension"] = request_id_extension()
    return ordered(out, HCM_ORDER)


def decorate_network_filters(filters: list[dict], tel: Telemetry, cls: str, access_log: bool = True) -> list[dict]:
    """A TCP chain's filters with istio.stats after the metadata exchange filter, in front of the rest (sidecar
    inbound: right before the protocol stack; 1.17: the EnvoyFilter inserts it right before tcp_proxy, none
    without one) and the access log on tcp_proxy. HTTP chains and chains already carrying istio.stats are
    returned as they are."""
    names = [f.get("name") for f in filters]
    if STATS in names or not any(n in TERMINAL_NETWORK_FILTERS for n in names):
        return list(filters)
    out = [_with_access_log(f, tel) if access_log and f.get("name") == TCP_PROXY else f for f in filters]
    stats = stats_filter(tel, cls, http=False)
    if stats is None:
        return out
    if tel.b.stats_from_telemetry_api and cls == SIDECAR_INBOUND:
        # buildInboundNetworkFilters (1.18/1.19) and buildCompleteNetworkFilters: the metrics filters go right
        # before the protocol stack (mongo/mysql/tcp_proxy), after authn, metadata exchange and authz
        at = next(i for i, n in enumerate(names) if n in TERMINAL_NETWORK_FILTERS)
    elif tel.b.stats_from_telemetry_api:
        # buildCompleteNetworkFilters: metadata exchange, (authz), stats, then the stack; filters a listener adds
        # to every chain afterwards (1.18/1.19 gateway istio_authn) go before the last filter, after stats
        at: int | None = 1 if names[0] == MX else 0
    else:
        at = names.index(TCP_PROXY) if TCP_PROXY in names else None
    if at is not None:
        out.insert(at, stats)
    return out


def _with_access_log(f: dict, tel: Telemetry) -> dict:
    if tel.access_log is None or "accessLog" in f["typedConfig"]:
        return f
    typed = dict(f["typedConfig"], accessLog=[tel.access_log])
    return {**f, "typedConfig": ordered(typed, TCP_PROXY_ORDER)}
