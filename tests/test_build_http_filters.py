"""Telemetry and Istio filters of sidecar outbound and inbound listeners (compiler/build/http_filters.py,
access_log.py, listener_telemetry.py). Expected values come from istiod at the tags (listener_builder.go
buildHTTPConnectionManager, listener_inbound.go, xds/filters/filters.go, tracing.go, model/telemetry.go,
model/telemetry_logging.go, the istio-discovery chart) and from the real sidecar dump
shared/reference/istio/istio-istio/istioctl/pkg/authz/testdata/configdump.yaml (a ~1.18 proxy, cited as
configdump.yaml:LINE); none from our own output."""
import pytest

from helpers import compile_yaml
from meshes import deployment, doc, service

URL = "type.googleapis.com/"
SVCS = doc(
    service("web", "[{name: http, port: 80, targetPort: 8080}]",
            namespace="shop", cluster_ip="10.96.0.21", selector=False),
    service("db", "[{name: tcp-db, port: 3306, targetPort: 3306}]",
            namespace="shop", cluster_ip="10.96.0.20", selector=False),
    deployment("client", "app: client, version: v7", namespace="shop"),
)
TARGET = "deploy/client.shop"
MX, STATS, ALPN = "istio.metadata_exchange", "istio.stats", "istio.alpn"
GRPC_STATS, FAULT, CORS, ROUTER = ("envoy.filters.http.grpc_stats", "envoy.filters.http.fault",
                                   "envoy.filters.http.cors", "envoy.filters.http.router")
TCP_PROXY = "envoy.filters.network.tcp_proxy"


def _listener(cfg, name):
    return next(lis for lis in cfg.listeners if lis.get("name") == name)


def _hcm(cfg, name="0.0.0.0_80"):
    [chain] = _listener(cfg, name)["filterChains"]
    [f] = chain["filters"]
    return f["typedConfig"]


def _filter(hcm, name):
    return next(f for f in hcm["httpFilters"] if f["name"] == name)["typedConfig"]


@pytest.mark.parametrize("version", ["1.17", "1.18", "1.30"])
def test_outbound_http_filter_order(version):
    # buildHTTPConnectionManager (1.17.8 v1alpha3/listener_builder.go, 1.30.3 core/listener_builder.go): MX first,
    # grpc_stats, ALPN (not inbound), fault, cors, the Telemetry filters, router; configdump.yaml:543-619
    hcm = _hcm(compile_yaml(SVCS, TARGET, version))
    assert [f["name"] for f in hcm["httpFilters"]] == [MX, GRPC_STATS, ALPN, FAULT, CORS, STATS, ROUTER]


def test_metadata_exchange_is_a_null_vm_wasm_plugin_before_1_19():
    # 1.17.8 filters.go buildHTTPMxFilter + model/wasm.go ConstructVMConfig (ENABLE_WASM_TELEMETRY false);
    # configdump.yaml:543-561 shows the same
    assert _filter(_hcm(compile_yaml(SVCS, TARGET, "1.18")), MX) == {
        "@type": URL + "envoy.extensions.filters.http.wasm.v3.Wasm",
        "config": {"vmConfig": {"runtime": "envoy.wasm.runtime.null",
                                "code": {"local": {"inlineString": "envoy.wasm.metadata_exchange"}}},
                   "configuration": {"@type": URL + "envoy.tcp.metadataexchange.config.MetadataExchange"}}}


@pytest.mark.parametrize("version", ["1.19", "1.30"])
def test_native_metadata_exchange_from_1_19(version):
    # 1.19.0 NATIVE_METADATA_EXCHANGE default true; 1.30.3 filters.go SidecarOutboundMetadataFilter,
    # protoconv.TypedStructWithFields (udpa TypedStruct); no additional labels by default
    assert _filter(_hcm(compile_yaml(SVCS, TARGET, version)), MX) == {
        "@type": URL + "udpa.type.v1.TypedStruct",
        "typeUrl": URL + "io.istio.http.peer_metadata.Config",
        "value": {"upstream_discovery": [{"istio_headers": {}}, {"workload_discovery": {}}],
                  "upstream_propagation": [{"istio_headers": {}}]}}


def test_grpc_stats_and_alpn_filters():
    # filters.go GrpcStats (EmitFilterState, StatsForAllMethods false) and Alpn (mtlsHTTP10/11/2ALPN; HTTP10 is
    # the enum zero); configdump.yaml:562-600
    hcm = _hcm(compile_yaml(SVCS, TARGET, "1.30"))
    assert _filter(hcm, GRPC_STATS) == {"@type": URL + "envoy.extensions.filters.http.grpc_stats.v3.FilterConfig",
                                        "emitFilterState": True, "statsForAllMethods": False}
    assert _filter(hcm, ALPN) == {
        "@type": URL + "istio.envoy.config.filter.http.alpn.v2alpha1.FilterConfig",
        "alpnOverride": [
            {"alpnOverride": ["istio-http/1.0", "istio", "http/1.0"]},
            {"upstreamProtocol": "HTTP11", "alpnOverride": ["istio-http/1.1", "istio", "http/1.1"]},
            {"upstreamProtocol": "HTTP2", "alpnOverride": ["istio-h2", "istio", "h2"]}]}


def test_stats_filter_1_17_comes_from_the_install_envoy_filters():
    # 1.17.8 manifests/.../telemetryv2_1.17.yaml stats-filter-1.17 (SIDECAR_OUTBOUND, INSERT_BEFORE router, value
    # {}) and tcp-stats-filter-1.17 (INSERT_BEFORE tcp_proxy, value {}); TypedStruct kept as given
    cfg = compile_yaml(SVCS, TARGET, "1.17")
    typed = {"@type": URL + "udpa.type.v1.TypedStruct", "typeUrl": URL + "stats.PluginConfig", "value": {}}
    assert _filter(_hcm(cfg), STATS) == typed
    [chain] = _listener(cfg, "10.96.0.20_3306")["filterChains"]
    assert chain["filters"][0] == {"name": STATS, "typedConfig": typed}


@pytest.mark.parametrize("version", ["1.18", "1.30"])
def test_stats_filter_from_default_providers(version):
    # configmap.yaml defaultProviders.metrics [prometheus] (1.18+); telemetry.go generateStatsConfig: sidecar
    # outbound has no disableHostHeaderFallback; configdump.yaml:613-618 and 262-267 (TCP) show the same
    cfg = compile_yaml(SVCS, TARGET, version)
    assert _filter(_hcm(cfg), STATS) == {"@type": URL + "stats.PluginConfig"}
    [chain] = _listener(cfg, "10.96.0.20_3306")["filterChains"]
    assert [f["name"] for f in chain["filters"]] == [STATS, TCP_PROXY]
    assert [f["name"] for f in _listener(cfg, "0.0.0.0_80")["defaultFilterChain"]["filters"]] == [STATS, TCP_PROXY]


def test_no_stats_filter_without_prometheus_provider():
    # telemetryFilters: no metrics provider, no istio.stats (the rest of the connection manager stays)
    cfg = compile_yaml(SVCS, TARGET, "1.30", mesh={"defaultProviders": {}})
    assert [f["name"] for f in _hcm(cfg)["httpFilters"]] == [MX, GRPC_STATS, ALPN, FAULT, CORS, ROUTER]
    [chain] = _listener(cfg, "10.96.0.20_3306")["filterChains"]
    assert [f["name"] for f in chain["filters"]] == [TCP_PROXY]


def _tags(version, labels=None, mesh=None):
    text = SVCS if labels is None else SVCS.replace("{app: client, version: v7}", labels)
    return _hcm(compile_yaml(text, TARGET, version, mesh=mesh))["tracing"]


def test_tracing_without_telemetry_objects():
    # tracing.go configureTracingFromTelemetry (no Telemetry, enableTracing true): client/overall 100, random =
    # PILOT_TRACE_SAMPLING 1.0; optionalPolicyTags + buildServiceTags sorted by tag (configdump.yaml:625-720).
    # Injector: canonical-name <- app, canonical-revision <- version; mesh id = trust domain; cluster Kubernetes
    tracing = _tags("1.30")
    assert [tracing[k] for k in ("clientSampling", "randomSampling", "overallSampling")] == [
        {"value": 100}, {"value": 1}, {"value": 100}]
    assert tracing["customTags"][0] == {"tag": "istio.authorization.dry_run.allow_policy.name", "metadata": {
        "kind": {"request": {}},
        "metadataKey": {"key": "envoy.filters.http.rbac", "path": [{"key": "istio_dry_run_allow_shadow_effective_policy_id"}]}}}
    assert [t["tag"] for t in tracing["customTags"][:4]] == [
        "istio.authorization.dry_run.allow_policy.name", "istio.authorization.dry_run.allow_policy.result",
        "istio.authorization.dry_run.deny_policy.name", "istio.authorization.dry_run.deny_policy.result"]
    assert tracing["customTags"][4:] == [
        {"tag": "istio.canonical_revision", "literal": {"value": "v7"}},
        {"tag": "istio.canonical_service", "literal": {"value": "client"}},
        {"tag": "istio.cluster_id", "literal": {"value": "Kubernetes"}},
        {"tag": "istio.mesh_id", "literal": {"value": "cluster.local"}},
        {"tag": "istio.namespace", "literal": {"value": "shop"}}]


def test_tracing_tags_1_17_have_no_cluster_id_and_canonical_labels_win():
    # 1.17.8 tracing.go buildServiceTags: revision, service, mesh id, namespace (istio.cluster_id from 1.21.0)
    tags = _tags("1.17", "{app: client, service.istio.io/canonical-name: shop-client}")["customTags"][4:]
    assert tags == [{"tag": "istio.canonical_revision", "literal": {"value": "latest"}},
                    {"tag": "istio.canonical_service", "literal": {"value": "shop-client"}},
                    {"tag": "istio.mesh_id", "literal": {"value": "cluster.local"}},
                    {"tag": "istio.namespace", "literal": {"value": "shop"}}]


@pytest.mark.parametrize("sampling,expected", [(10.5, 10.5), (150, 1)])
def test_sampling_from_default_config(sampling, expected):
    # proxyConfigSamplingValue: defaultConfig.tracing.sampling; above 100 it is read as 1
    tracing = _tags("1.30", mesh={"defaultConfig": {"tracing": {"sampling": sampling}}})
    assert tracing["randomSampling"] == {"value": expected}


def test_tracing_disabled_keeps_request_id_extension():
    # enableTracing false: no tracing; BuildUUIDRequestIDExtension(nil) is still set
    hcm = _hcm(compile_yaml(SVCS, TARGET, "1.30", mesh={"enableTracing": False}))
    assert "tracing" not in hcm
    assert hcm["requestIdExtension"] == {"typedConfig": {
        "@type": URL + "envoy.extensions.request_id.uuid.v3.UuidRequestIdConfig", "useRequestIdForTraceSampling": True}}


@pytest.mark.parametrize("version,continue_", [("1.22", False), ("1.23", True)])
def test_connection_manager_fields_in_declaration_order(version, continue_):
    # 1.23.0 buildHTTPConnectionManager Proxy_100Continue = ENABLE_100_CONTINUE_HEADERS (true); AccessLog empty
    # without accessLogFile; order of HttpConnectionManager's .proto
    keys = ["@type", "statPrefix", "rds", "httpFilters", "tracing", "streamIdleTimeout", "useRemoteAddress"]
    keys += ["proxy100Continue"] if continue_ else []
    keys += ["upgradeConfigs", "normalizePath", "pathWithEscapedSlashesAction", "requestIdExtension"]
    assert list(_hcm(compile_yaml(SVCS, TARGET, version))) == keys


TEXT_1_30 = ("[%START_TIME%] \"%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%\" %RESPONSE_CODE% "
             "%RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS% "
             "\"%UPSTREAM_TRANSPORT_FAILURE_REASON%\" %BYTES_RECEIVED% %BYTES_SENT% %DURATION% "
             "%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% \"%REQ(X-FORWARDED-FOR)%\" \"%REQ(USER-AGENT)%\" "
             "\"%REQ(X-REQUEST-ID)%\" \"%REQ(:AUTHORITY)%\" \"%UPSTREAM_HOST%\" %UPSTREAM_CLUSTER_RAW% "
             "%UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS% "
             "%REQUESTED_SERVER_NAME% %ROUTE_NAME%\n")


@pytest.mark.parametrize("version,text", [("1.30", TEXT_1_30),
                                          ("1.17", TEXT_1_30.replace("%UPSTREAM_CLUSTER_RAW%", "%UPSTREAM_CLUSTER%"))])
def test_access_log_file_text(version, text):
    # accesslog.go setHTTPAccessLog/setTCPAccessLog -> FileAccessLogFromMeshConfig (TEXT): EnvoyTextLogFormat,
    # %UPSTREAM_CLUSTER_RAW% from 1.23.0 (1.17.8: %UPSTREAM_CLUSTER%); the demo profile's /dev/stdout
    cfg = compile_yaml(SVCS, TARGET, version, mesh={"accessLogFile": "/dev/stdout"})
    log = {"name": "envoy.access_loggers.file", "typedConfig": {
        "@type": URL + "envoy.extensions.access_loggers.file.v3.FileAccessLog", "path": "/dev/stdout",
        "logFormat": {"textFormatSource": {"inlineString": text}}}}
    hcm = _hcm(cfg)
    assert hcm["accessLog"] == [log]
    assert list(hcm).index("accessLog") == list(hcm).index("useRemoteAddress") - 1
    [chain] = _listener(cfg, "10.96.0.20_3306")["filterChains"]
    tcp = chain["filters"][-1]["typedConfig"]
    assert list(tcp) == ["@type", "statPrefix", "cluster", "accessLog"] and tcp["accessLog"] == [log]


def test_access_log_custom_text_format_gets_a_newline_and_formatter():
    # fileAccessLogFormat appends "\n"; accessLogTextFormatters: %REQ_WITHOUT_QUERY needs its formatter
    hcm = _hcm(compile_yaml(SVCS, TARGET, "1.30", mesh={"accessLogFile": "/tmp/a", "accessLogFormat": "%REQ_WITHOUT_QUERY(:PATH)%"}))
    assert hcm["accessLog"][0]["typedConfig"]["logFormat"] == {
        "textFormatSource": {"inlineString": "%REQ_WITHOUT_QUERY(:PATH)%\n"},
        "formatters": [{"name": "envoy.formatter.req_without_query",
                        "typedConfig": {"@type": URL + "envoy.extensions.formatter.req_without_query.v3.ReqWithoutQuery"}}]}


@pytest.mark.parametrize("version,options,cluster", [
    ("1.17", None, "%UPSTREAM_CLUSTER%"), ("1.22", {"sortProperties": True}, "%UPSTREAM_CLUSTER%"),
    ("1.24", {}, "%UPSTREAM_CLUSTER%"), ("1.30", {}, "%UPSTREAM_CLUSTER_RAW%")])
def test_access_log_json(version, options, cluster):
    # FileAccessLogFromMeshConfig (JSON): EnvoyJSONLogFormatIstio (24 keys; upstream_cluster RAW from 1.25.0),
    # JsonFormatOptions{SortProperties: true} in 1.22.0, false (an empty message) from 1.23.0
    hcm = _hcm(compile_yaml(SVCS, TARGET, version, mesh={"accessLogFile": "/dev/stdout", "accessLogEncoding": "JSON"}))
    fmt = hcm["accessLog"][0]["typedConfig"]["logFormat"]
    assert len(fmt["jsonFormat"]) == 24 and list(fmt["jsonFormat"]) == sorted(fmt["jsonFormat"])
    assert fmt["jsonFormat"]["upstream_cluster"] == cluster
    assert fmt["jsonFormat"]["path"] == "%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%"
    assert fmt.get("jsonFormatOptions") == options


def test_virtual_outbound_blackhole_chain_has_no_access_log():
    # listener_builder.go blackholeFilterChain builds its tcp_proxy without setAccessLogAndBuildTCPFilter; the
    # catch-all chain (buildOutboundCatchAllNetworkFiltersOnly) gets stats and the access log
    lis = _listener(compile_yaml(SVCS, TARGET, "1.30", mesh={"accessLogFile": "/dev/stdout"}), "virtualOutbound")
    blackhole, catchall = lis["filterChains"]
    assert [f["name"] for f in blackhole["filters"]] == [STATS, TCP_PROXY]
    assert "accessLog" not in blackhole["filters"][-1]["typedConfig"]
    assert "accessLog" in catchall["filters"][-1]["typedConfig"]


@pytest.mark.parametrize("version", ["1.17", "1.30"])
def test_decorated_listeners_are_canonical(version):
    from test_build_listener_outbound import assert_canonical
    mesh = {"accessLogFile": "/dev/stdout", "accessLogEncoding": "JSON"}
    assert_canonical(compile_yaml(SVCS, TARGET, version, mesh=mesh).listeners)


def test_mesh_config_telemetry_fields_from_the_config_map_text():
    # MeshConfig accessLogFile/accessLogEncoding/accessLogFormat/enableTracing/defaultProviders and
    # defaultConfig.tracing.sampling (istio.io/api mesh/v1alpha1 config.proto field names)
    from mesh_compile.index.mesh_config import settings_from
    from mesh_compile.model.mesh_config import parse_mesh_config
    mesh, problems = parse_mesh_config("accessLogFile: /dev/stdout\naccessLogEncoding: JSON\nenableTracing: false\n"
                                       "defaultProviders: {metrics: []}\ndefaultConfig: {tracing: {sampling: 5}}\n")
    s = settings_from(mesh)
    assert problems == [] and (s.access_log_file, s.access_log_encoding, s.enable_tracing) == ("/dev/stdout", "JSON", False)
    assert s.default_metrics_providers == () and s.trace_sampling == 5.0
    default = settings_from(parse_mesh_config("")[0])
    assert (default.access_log_file, default.enable_tracing, default.default_metrics_providers) == ("", True, ("prometheus",))
    _, problems = parse_mesh_config("accessLogEncoding: XML\n")
    assert [p.field for p in problems] == ["mesh.accessLogEncoding"]


# --- sidecar inbound ------------------------------------------------------------------------------------------

AUTHN = "istio_authn"


def _inbound_filters(version, mesh=None):
    """Filter names of the virtualInbound chains for the client's own ports (web's 8080 HTTP, db's 3306 TCP)."""
    text = SVCS.replace("metadata: {name: web, namespace: shop}\nspec:\n",
                        "metadata: {name: web, namespace: shop}\nspec:\n  selector: {app: client}\n")
    lis = _listener(compile_yaml(text, TARGET, version, mesh=mesh), "virtualInbound")
    [http, _plain] = [c for c in lis["filterChains"] if c.get("filterChainMatch", {}).get("destinationPort") == 8080]
    return lis, http["filters"]


@pytest.mark.parametrize("version,expected", [
    ("1.17", [AUTHN, MX]), ("1.19", [AUTHN, MX]), ("1.20", [MX]), ("1.30", [MX])])
def test_inbound_network_filters(version, expected):
    # listener_inbound.go buildInboundNetworkFiltersForHTTP: IstioNetworkAuthenticationFilter (1.17.8-1.19.10,
    # proxy >= 1.17), then buildMetadataExchangeNetworkFilters (TCPListenerMx); configdump.yaml:4011-4026
    from mesh_compile.build import http_filters as HF
    from mesh_compile.versions import behaviour_for
    assert [f["name"] for f in HF.inbound_network_filters(behaviour_for((1, int(version[2:]))))] == expected
    _lis, filters = _inbound_filters(version)
    assert [f["name"] for f in filters] == expected + ["envoy.filters.network.http_connection_manager"]


@pytest.mark.parametrize("version,mx", [
    ("1.21", {"@type": URL + "envoy.tcp.metadataexchange.config.MetadataExchange", "protocol": "istio-peer-exchange"}),
    ("1.22", {"@type": URL + "udpa.type.v1.TypedStruct",
              "typeUrl": URL + "envoy.tcp.metadataexchange.config.MetadataExchange",
              "value": {"enable_discovery": True, "protocol": "istio-peer-exchange"}})])
def test_inbound_tcp_metadata_exchange_shape(version, mx):
    # xds/filters.go tcpMx: a MetadataExchange message in 1.21.6, a TypedStruct with enable_discovery from 1.22.0
    _lis, filters = _inbound_filters(version)
    assert filters[0] == {"name": MX, "typedConfig": mx}


def test_inbound_stats_go_right_before_the_protocol_stack():
    from mesh_compile.build import http_filters as HF
    from mesh_compile.versions import behaviour_for
    mysql = {"name": "envoy.filters.network.mysql_proxy", "typedConfig": {}}
    tcp = {"name": TCP_PROXY, "typedConfig": {"statPrefix": "inbound|3306||"}}
    for version in ((1, 18), (1, 19)):
        b = behaviour_for(version)
        tel = HF.Telemetry(b=b, prometheus=True, access_log=None, tracing=True, sampling=1.0, service_tags=())
        # 1.18.7/1.19.10 buildInboundNetworkFilters: authn, mx, authz, metrics, buildNetworkFiltersStack
        out = HF.decorate_network_filters(HF.inbound_network_filters(b) + [mysql, tcp], tel, HF.SIDECAR_INBOUND)
        assert [f["name"] for f in out] == [AUTHN, MX, STATS, mysql["name"], TCP_PROXY]
    b = behaviour_for((1, 17))
    tel = HF.Telemetry(b=b, prometheus=False, access_log=None, tracing=True, sampling=1.0, service_tags=())
    # telemetryv2_1.17.yaml tcp-stats-filter-1.17: INSERT_BEFORE tcp_proxy, whatever comes before it
    out = HF.decorate_network_filters(HF.inbound_network_filters(b) + [mysql, tcp], tel, HF.SIDECAR_INBOUND)
    assert [f["name"] for f in out] == [AUTHN, MX, mysql["name"], STATS, TCP_PROXY]


def test_inbound_without_prometheus_provider():
    # generateStatsConfig: no metrics provider, no istio.stats on inbound chains either (blackhole included)
    lis, filters = _inbound_filters("1.30", mesh={"defaultProviders": {}})
    assert [f["name"] for f in lis["filterChains"][0]["filters"]] == [MX, TCP_PROXY]
    names = [f["name"] for f in filters[-1]["typedConfig"]["httpFilters"]]
    assert names == [MX, GRPC_STATS, FAULT, CORS, ROUTER]
