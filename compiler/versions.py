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
    "max_connections_per_socket_event": ((1, 26), "1.26.0 listener.go buildGatewayListener: maxConnectionsToAcceptPerSocketEvent 1"),
    # routes
    "absolute_fqdn_domain": ((1, 27), "facts 1.4: FQDN with trailing dot in sidecar vhost domains"),
    "no_default_retry_503": ((1, 24), "facts 1.7: retriableStatusCodes [503] left the default policy"),
    "hash_drops_retry_predicate": ((1, 23), "facts 1.7: consistent-hash routes lose previous_hosts"),
    "no_total_weight": ((1, 18), "facts 2.3: weightedClusters.totalWeight removed"),
    "weighted_stays_weighted": ((1, 19), "1.19.0 route.go applyHTTPRouteDestination: one destination is a plain cluster, "
                                "several stay weightedClusters (1.18.7 still collapsed len(weighted) == 1)"),
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
    absolute_fqdn_domain: bool
    no_default_retry_503: bool
    hash_drops_retry_predicate: bool
    no_total_weight: bool
    weighted_stays_weighted: bool
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
