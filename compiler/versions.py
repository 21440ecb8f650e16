"""The one table of behaviour switches by Istio release.

Every place where istiod's output differs between releases reads a named switch from `Behaviour`,
never an `if version < ...` of its own, so a reader can see all version differences here.
The boundaries come from shared/docs/istio-facts.md section 11 and the sections it points to.
"""
from __future__ import annotations

from dataclasses import dataclass, fields

SUPPORTED = [(1, minor) for minor in range(17, 31)]
DEFAULT_VERSION = (1, 30)


class VersionError(ValueError):
    pass


def parse_version(text: str) -> tuple[int, int]:
    """`1.17`, `1.17.8` or `v1.30` -> (1, 17); anything outside SUPPORTED is an error listing them."""
    parts = text.strip().lstrip("v").split(".")
    try:
        version = (int(parts[0]), int(parts[1]))
    except (ValueError, IndexError):
        raise VersionError(f"--istio-version {text!r} is not of the form X.Y; supported: {supported_text()}")
    if version not in SUPPORTED:
        raise VersionError(f"Istio {text} is not supported; supported: {supported_text()}")
    return version


def supported_text() -> str:
    return ", ".join(f"{a}.{b}" for a, b in SUPPORTED)


# switch name -> (first release where it is True, where it is documented)
_SINCE: dict[str, tuple[tuple[int, int], str]] = {
    # listeners
    "tcp_proxy_dr_idle_timeout": ((1, 21), "1.21.0 networkfilter.go: DR connectionPool.tcp.idleTimeout sets tcp_proxy idleTimeout"),
    "inspectors_by_chain": ((1, 20), "1.20.0 listener.go buildListenerFromEntry: tls_inspector only for SNI/ALPN chains "
                            "and listenerFiltersTimeout 0s on every outbound listener (1.17-1.19 buildListener added "
                            "it beside every http_inspector; removeListenerFilterTimeout cleared the timeout without one)"),
    "hcm_stat_prefix_delimiter": ((1, 23), "1.23.0 listener.go/gateway.go util.DelimitedStatsPrefix: HCM statPrefix ends in ';'"),
    "tls_inspector_read_buffer": ((1, 23), "1.23.0 xds/filters/filters.go TLSInspector initialReadBufferSize 512"),
    "transport_socket_connect_timeout": ((1, 24), "1.24.0 listener.go: filter chains transportSocketConnectTimeout 15s"),
    "max_connections_per_socket_event": ((1, 26), "1.26.0 listener.go buildGatewayListener: maxConnectionsToAcceptPerSocketEvent 1 "
                                         "(also listener_builder.go virtualOutbound, listener_inbound.go buildInboundListener)"),
    "inbound_retry_reset": ((1, 24), "1.24.0 route.go BuildDefaultHTTPInboundRoute: retryPolicy reset-before-request x2 "
                            "(features.EnableInboundRetryPolicy default true from 1.24.0, false in 1.23.0)"),
    "inbound_retry_skips_grpc": ((1, 26), "1.26.0 route.go BuildDefaultHTTPInboundRoute: no inbound retry policy for gRPC"),
    "sidecar_ingress_cluster_service_metadata": ((1, 24), "1.24.0 cluster.go buildInboundClustersFromSidecar passes "
                                                "the listener's ServiceTarget: its cluster's metadata lists that service"),
    "sidecar_ingress_cluster_no_instance_fallback": ((1, 19), "1.19.0 cluster_builder.go buildDefaultCluster: no "
                                                     "fallback to the proxy's service instances for a Sidecar ingress "
                                                     "cluster's telemetry metadata (1.18.7 had it)"),
    "mesh_tls_defaults_server": ((1, 18), "1.18.0 listener.go applyDownstreamTLSDefaults: meshConfig.tlsDefaults "
                                 "ecdhCurves / minProtocolVersion on SIMPLE/MUTUAL gateway servers"),
    "mesh_tls_defaults_ciphers": ((1, 19), "1.19.0 listener.go applyDownstreamTLSDefaults: tlsDefaults.cipherSuites"),
    "mesh_tls_min_version_mapped": ((1, 30), "1.30.0 listener.go applyDownstreamTLSDefaults: GetMinTLSVersion "
                                    "(1.18-1.29 cast the MeshConfig enum number: TLSV1_2 -> TLSv1_0)"),
    "mesh_tls_defaults_upstream": ((1, 18), "1.18.0 v1alpha3/cluster_builder.go applyTLSDefaults: meshConfig.tlsDefaults "
                                   "ecdhCurves on SIMPLE/MUTUAL upstream contexts (1.30.3 cluster_tls.go; 1.17.8 none)"),
    "mesh_tls_defaults_upstream_ciphers": ((1, 19), "1.19.0 v1alpha3/cluster_builder.go applyTLSDefaults: "
                                           "tlsDefaults.cipherSuites on upstream contexts too"),
    "sidecar_inbound_connection_pool": ((1, 21), "1.21.0 v1alpha3/cluster_builder.go buildInboundCluster: "
                                        "SidecarScope.InboundConnectionPoolForPort (ingress[].connectionPool, else "
                                        "inboundConnectionPool) replaces the DR's pool on inbound clusters (absent in 1.20.8)"),
    "sidecar_ingress_chain_metadata": ((1, 24), "1.24.0 listener_inbound.go inboundChainForOpts: Sidecar ingress chains "
                                       "carry metadata istio.config naming the Sidecar"),
    "server_tls_params_simple_or_mutual": ((1, 18), "1.18.0 listener.go BuildListenerTLSContext applyServerTLSSettings: "
                                           "gateway tlsParams only for SIMPLE/MUTUAL (1.17.8: any mode)"),
    "server_optional_mutual": ((1, 19), "1.19.0 listener.go/authentication.go: OPTIONAL_MUTUAL validates client certs "
                               "and gets tlsParams (1.18.7 treated it like SIMPLE)"),
    "server_ca_crl": ((1, 22), "1.22.0 authentication.go ApplyToCommonTLSContext: server tls.caCrl -> validation crl"),
    "server_credential_names": ((1, 27), "1.27.0 listener.go/authentication.go: tls.credentialNames and tls.tlsCertificates"),
    "server_ca_cert_credential_name": ((1, 28), "1.28.0 authentication.go ApplyCredentialSDSToServerCommonTLSContext: "
                                       "tls.caCertCredentialName"),
    # listener telemetry (compiler/build/http_filters.py)
    "stats_from_telemetry_api": ((1, 18), "1.18.0 istio-discovery configmap.yaml defaultProviders.metrics [prometheus] and "
                                 "model/telemetry.go generateStatsConfig: native stats.PluginConfig (1.17.8 "
                                 "telemetryv2_1.17.yaml EnvoyFilters insert a TypedStruct stats.PluginConfig)"),
    "native_http_mx": ((1, 19), "1.19.0 listener_builder.go NATIVE_METADATA_EXCHANGE (default true): TypedStruct "
                       "io.istio.http.peer_metadata.Config (1.17/1.18 HTTPMx: Wasm null VM envoy.wasm.metadata_exchange)"),
    "tracing_cluster_id_tag": ((1, 21), "1.21.0 tracing.go buildServiceTags: custom tag istio.cluster_id"),
    "hcm_proxy_100_continue": ((1, 23), "1.23.0 listener_builder.go buildHTTPConnectionManager: proxy100Continue = "
                               "ENABLE_100_CONTINUE_HEADERS (default true)"),
    "access_log_upstream_cluster_raw": ((1, 23), "1.23.0 model/telemetry_logging.go EnvoyTextLogFormat: %UPSTREAM_CLUSTER_RAW%"),
    "access_log_json_sort_option": ((1, 22), "1.22.0 telemetry_logging.go FileAccessLogFromMeshConfig: JSON "
                                    "jsonFormatOptions {sortProperties: true}"),
    "access_log_json_unsorted": ((1, 23), "1.23.0 telemetry_logging.go: jsonFormatOptions sortProperties false"),
    "access_log_json_upstream_cluster_raw": ((1, 25), "1.25.0 telemetry_logging.go EnvoyJSONLogFormatIstio "
                                             "upstream_cluster %UPSTREAM_CLUSTER_RAW%"),
    # routes
    "absolute_fqdn_domain": ((1, 27), "facts 1.4: FQDN with trailing dot in sidecar vhost domains"),
    "no_default_retry_503": ((1, 24), "facts 1.7: retriableStatusCodes [503] left the default policy"),
    "hash_drops_retry_predicate": ((1, 23), "facts 1.7: consistent-hash routes lose previous_hosts"),
    "no_total_weight": ((1, 18), "facts 2.3: weightedClusters.totalWeight removed"),
    "weighted_stays_weighted": ((1, 19), "1.19.0 route.go applyHTTPRouteDestination: one destination is a plain cluster, "
                                "several stay weightedClusters (1.18.7 still collapsed len(weighted) == 1)"),
    "vs_roots_in_creation_order": ((1, 19), "1.19.8/1.20.4/1.21.0 model/virtualservice.go mergeVirtualServicesIfNeeded: "
                                   "sortConfigByCreationTime(out) (#49554); 1.17.8 and 1.18.7 appended the merged "
                                   "delegate roots after every other VirtualService"),
    "redirect_default_port_elision": ((1, 18), "1.18.0 route.go ApplyRedirect: portRedirect 80 (http) / 443 (https) dropped"),
    "query_param_string_match": ((1, 18), "1.18.0 route.go translateQueryParamMatch: presentMatch for regex '*', "
                                 "ConvertToEnvoyMatch (1.17 knew only exact and regex)"),
    "empty_match_is_present": ((1, 21), "1.21.0 route.go canBeConvertedToPresentMatch: an empty StringMatch is presentMatch"),
    "uri_regex_rewrite": ((1, 19), "1.19.0 route.go applyHTTPRouteDestination: rewrite.uriRegexRewrite -> regexRewrite"),
    "append_action": ((1, 18), "facts 2.7: appendAction replaces append"),
    "cors_typed_filter": ((1, 20), "facts 2.7: CORS in typedPerFilterConfig"),
    "cors_forward_not_matching_preflights": ((1, 23), "facts 2.7"),
    "mirrors_list": ((1, 20), "1.20.0 route.go applyHTTPRouteDestination: range in.Mirrors (absent in 1.19.10)"),
    "disable_shadow_host_suffix": ((1, 28), "facts 2.7: disableShadowHostSuffixAppend"),
    "treat_missing_header_as_empty": ((1, 21), "facts 2.2: withoutHeaders treatMissingHeaderAsEmpty"),
    "metadata_api_v1": ((1, 24), "facts 1.8: /apis/networking.istio.io/v1/..."),
    "gateway_max_direct_response_body": ((1, 18), "facts 4.1: gateway RDS maxDirectResponseBodySizeBytes"),
    "routes_table_vhost_column": ((1, 18), "facts 8: VHOST NAME column"),
    "retry_backoff_and_ignore_hosts": ((1, 26), "facts 2.7: retries.backoff, retryIgnorePreviousHosts"),
    "jwt_claim_brackets": ((1, 19), "1.19.0 pkg/jwt/routing.go ToRoutingClaim: `@request.auth.claims[a][b]` besides "
                           "`.a.b` (1.18.7 route.go translateMetadataMatch: the `.` form only)"),
    "jwt_claims_extended_jwt": ((1, 21), "1.21.0 route.go TranslateRouteMatch(node.SupportsEnvoyExtendedJwt()): claim "
                                "matchers read envoy.filters.http.jwt_authn `payload` with an orMatch (istio_authn "
                                "`request.auth.claims` before)"),
    # clusters
    "alt_stat_name": ((1, 24), "facts 5.2: altStatName '<name>;'"),
    "no_track_remaining": ((1, 29), "facts 5.2: trackRemaining dropped"),
    "no_default_locality_weighted_lb": ((1, 24), "facts 5.2: commonLbConfig {} by default"),
    "single_inbound_passthrough": ((1, 23), "facts 5.10: InboundPassthroughCluster"),
    "mx_filter_typed_struct": ((1, 22), "facts 5.2: metadata-exchange filter as TypedStruct"),
    "simple_tls_verifies_system_ca": ((1, 18), "facts 5.7/11: SIMPLE without CA verifies system roots"),
    "dns_jitter": ((1, 30), "facts 5.3: dnsJitter 0.100s"),
    "dns_resolver_config": ((1, 30), "facts 5.3: typedDnsResolverConfig cares"),
    "external_name_alias": ((1, 21), "facts 5.3: ExternalName services become aliases"),
    "no_zipkin_bootstrap": ((1, 30), "facts 5.10: default tracer none"),
    "no_default_original_port": ((1, 18), "1.17.8 cluster.go addNetworkingMetadata: istio.default_original_port"),
    "external_metadata": ((1, 20), "1.20.0 cluster_builder.go: istio.external for MESH_EXTERNAL services"),
    "inbound_cleanup_interval": ((1, 23), "1.23.0 cluster_builder.go buildInboundCluster: ORIGINAL_DST inbound clusters "
                                 "get cleanupInterval maxSecondsValue (absent in 1.22.8)"),
    "lb_warmup_config": ((1, 24), "1.24.0 cluster_traffic_policy.go setWarmup: loadBalancer.warmup -> slowStartConfig "
                         "with aggression/minWeightPercent (1.23 read only warmupDurationSecs)"),
    "dr_proxy_protocol": ((1, 21), "1.21.0 cluster_traffic_policy.go applyUpstreamProxyProtocol: DR trafficPolicy."
                          "proxyProtocol wraps the cluster's transport sockets (1.20 has no such field: ignored)"),
    "proxy_protocol_wraps_raw_buffer": ((1, 23), "1.23.0 applyUpstreamProxyProtocol: a cluster without any transport "
                                        "socket gets the wrapper around util.RawBufferTransport (1.22.8 wrapped nothing)"),
    "dr_retry_budget": ((1, 27), "1.27.0 cluster_traffic_policy.go applyRetryBudget: DR trafficPolicy.retryBudget -> "
                        "circuitBreakers.thresholds.retryBudget (1.26 has no such field: ignored)"),
    "retry_budget_percent_20": ((1, 28), "1.28.6 and 1.29.2 applyRetryBudget: default budgetPercent 20.0 (0.2 before; "
                                "1.27.9 still 0.2; the last patch of a release is the reference)"),
    "retry_budget_subset_merge": ((1, 29), "1.29.2 util.go ShallowCopyTrafficPolicy/mergeTrafficPolicy carry "
                                  "retryBudget into subsets (1.28.10 drops it)"),
    "credential_tls_skip_verify": ((1, 19), "1.19.0 security/model/authentication.go ApplyCustomSDSToClientCommonTLSContext: "
                                   "insecureSkipVerify leaves the credentialName CA out (1.18.7 always set it)"),
    "passthrough_target_port": ((1, 22), "1.22.0 cluster_builder.go buildCluster: ORIGINAL_DST clusters of resolution NONE "
                                "ServiceEntries get originalDstLbConfig.upstreamPortOverride = the port's targetPort "
                                "(serviceentry/conversion.go PassthroughTargetPorts; absent in 1.21.6)"),
    "upstream_auto_sni": ((1, 21), "1.21.0 features/pilot.go ENABLE_AUTO_SNI and VERIFY_CERTIFICATE_AT_CLIENT default "
                          "true (false through 1.20.8): cluster_tls.go setAutoSniAndAutoSanValidation for SIMPLE/MUTUAL"),
    "no_gateway_istio_authn": ((1, 20), "1.20.0 gateway.go buildGatewayListeners: no istio_authn network filter; 1.17.8-"
                               "1.19.10 appended xdsfilters.IstioNetworkAuthenticationFilter to every gateway chain"),
    "no_inbound_istio_authn": ((1, 20), "1.20.0 listener_inbound.go buildInboundNetworkFilters(ForHTTP): no istio_authn "
                               "network filter; 1.17.8-1.19.10 put IstioNetworkAuthenticationFilter first on every "
                               "sidecar inbound chain (proxy >= 1.17)"),
}


@dataclass(frozen=True)
class Behaviour:
    version: tuple[int, int]
    tcp_proxy_dr_idle_timeout: bool
    inspectors_by_chain: bool
    hcm_stat_prefix_delimiter: bool
    tls_inspector_read_buffer: bool
    transport_socket_connect_timeout: bool
    max_connections_per_socket_event: bool
    inbound_retry_reset: bool
    inbound_retry_skips_grpc: bool
    sidecar_ingress_cluster_service_metadata: bool
    sidecar_ingress_cluster_no_instance_fallback: bool
    mesh_tls_defaults_server: bool
    mesh_tls_defaults_ciphers: bool
    mesh_tls_min_version_mapped: bool
    mesh_tls_defaults_upstream: bool
    mesh_tls_defaults_upstream_ciphers: bool
    sidecar_inbound_connection_pool: bool
    sidecar_ingress_chain_metadata: bool
    server_tls_params_simple_or_mutual: bool
    server_optional_mutual: bool
    server_ca_crl: bool
    server_credential_names: bool
    server_ca_cert_credential_name: bool
    absolute_fqdn_domain: bool
    no_default_retry_503: bool
    hash_drops_retry_predicate: bool
    no_total_weight: bool
    weighted_stays_weighted: bool
    vs_roots_in_creation_order: bool
    redirect_default_port_elision: bool
    query_param_string_match: bool
    empty_match_is_present: bool
    uri_regex_rewrite: bool
    append_action: bool
    cors_typed_filter: bool
    cors_forward_not_matching_preflights: bool
    mirrors_list: bool
    disable_shadow_host_suffix: bool
    treat_missing_header_as_empty: bool
    metadata_api_v1: bool
    gateway_max_direct_response_body: bool
    routes_table_vhost_column: bool
    retry_backoff_and_ignore_hosts: bool
    jwt_claim_brackets: bool
    jwt_claims_extended_jwt: bool
    alt_stat_name: bool
    no_track_remaining: bool
    no_default_locality_weighted_lb: bool
    single_inbound_passthrough: bool
    mx_filter_typed_struct: bool
    simple_tls_verifies_system_ca: bool
    dns_jitter: bool
    dns_resolver_config: bool
    external_name_alias: bool
    no_zipkin_bootstrap: bool
    no_default_original_port: bool
    external_metadata: bool
    inbound_cleanup_interval: bool
    lb_warmup_config: bool
    stats_from_telemetry_api: bool
    native_http_mx: bool
    tracing_cluster_id_tag: bool
    hcm_proxy_100_continue: bool
    access_log_upstream_cluster_raw: bool
    access_log_json_sort_option: bool
    access_log_json_unsorted: bool
    access_log_json_upstream_cluster_raw: bool
    dr_proxy_protocol: bool
    proxy_protocol_wraps_raw_buffer: bool
    dr_retry_budget: bool
    retry_budget_percent_20: bool
    retry_budget_subset_merge: bool
    credential_tls_skip_verify: bool
    passthrough_target_port: bool
    upstream_auto_sni: bool
    no_gateway_istio_authn: bool
    no_inbound_istio_authn: bool

    @property
    def config_api_version(self) -> str:
        return "v1" if self.metadata_api_v1 else "v1alpha3"


def behaviour_for(version: tuple[int, int]) -> Behaviour:
    values = {name: version >= since for name, (since, _doc) in _SINCE.items()}
    return Behaviour(version=version, **values)


def _check_table() -> None:
    names = {f.name for f in fields(Behaviour)} - {"version"}
    assert names == set(_SINCE), "every switch needs a release and a source"


_check_table()
