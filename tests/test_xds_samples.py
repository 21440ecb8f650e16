"""Hand-written xDS resources in the shapes istiod 1.30 emits (istio-facts.md sections 1.6, 5.2, 13).

Each builder returns a fresh dict whose keys are already in canonical order (.proto declaration
order; map and Struct keys sorted), so `canonical_json(to_message(...))` must give it back
unchanged. Other test_xds_* modules import these builders; the tests here check the samples
themselves are what the other tests assume.
"""
from __future__ import annotations

import copy

FQDN = "reviews.default.svc.cluster.local"
CLUSTER = f"outbound|9080||{FQDN}"
URL = "type.googleapis.com/"

RETRY = {
    "retryOn": "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes",
    "numRetries": 2,
    "retryHostPredicate": [{
        "name": "envoy.retry_host_predicates.previous_hosts",
        "typedConfig": {"@type": URL + "envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate"},
    }],
    "hostSelectionRetryMaxAttempts": "5",
}


def default_route(fqdn: str = FQDN, port: int = 9080) -> dict:
    """Section 1.6: the route of a service without a VirtualService."""
    return {
        "name": "default",
        "match": {"prefix": "/"},
        "route": {"cluster": f"outbound|{port}||{fqdn}", "timeout": "0s", "retryPolicy": copy.deepcopy(RETRY),
                  "maxGrpcTimeout": "0s"},
        "decorator": {"operation": f"{fqdn}:{port}/*"},
    }


def route_config() -> dict:
    """Section 13 (abbreviated): RDS "9080" with the reviews vhost and the allow_any catch-all."""
    return {
        "name": "9080",
        "virtualHosts": [
            {
                "name": f"{FQDN}:9080",
                "domains": [FQDN, FQDN + ".", "reviews", "reviews.default.svc", "reviews.default", "10.96.0.20"],
                "routes": [
                    {
                        "match": {"prefix": "/", "caseSensitive": True,
                                  "headers": [{"name": "end-user", "stringMatch": {"exact": "jason"}}]},
                        "route": {"cluster": f"outbound|9080|v2|{FQDN}", "timeout": "0s",
                                  "retryPolicy": copy.deepcopy(RETRY), "maxGrpcTimeout": "0s"},
                        "metadata": {"filterMetadata": {"istio": {
                            "config": "/apis/networking.istio.io/v1/namespaces/default/virtual-service/reviews"}}},
                        "decorator": {"operation": f"{FQDN}:9080/*"},
                    },
                    default_route(),
                ],
                "includeRequestAttemptCount": True,
            },
            {
                "name": "allow_any",
                "domains": ["*"],
                "routes": [{"name": "allow_any", "match": {"prefix": "/"},
                            "route": {"cluster": "PassthroughCluster", "timeout": "0s", "maxGrpcTimeout": "0s"}}],
                "includeRequestAttemptCount": True,
            },
        ],
        "validateClusters": False,
        "maxDirectResponseBodySizeBytes": 1048576,
        "ignorePortInHostMatching": True,
    }


def _sds(name: str) -> dict:
    return {"name": name, "sdsConfig": {
        "apiConfigSource": {"apiType": "GRPC", "transportApiVersion": "V3",
                            "grpcServices": [{"envoyGrpc": {"clusterName": "sds-grpc"}}],
                            "setNodeOnFirstMessageOnly": True},
        "initialFetchTimeout": "0s", "resourceApiVersion": "V3"}}


def _istio_mutual(sni: str) -> dict:
    return {
        "@type": URL + "envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext",
        "commonTlsContext": {
            "tlsParams": {"tlsMinimumProtocolVersion": "TLSv1_2", "tlsMaximumProtocolVersion": "TLSv1_3"},
            "tlsCertificateSdsSecretConfigs": [_sds("default")],
            "combinedValidationContext": {
                "defaultValidationContext": {"matchSubjectAltNames": [
                    {"exact": "spiffe://cluster.local/ns/default/sa/bookinfo-reviews"}]},
                "validationContextSdsSecretConfig": _sds("ROOTCA")},
            "alpnProtocols": ["istio-peer-exchange", "istio"],
        },
        "sni": sni,
    }


def eds_cluster(name: str = CLUSTER) -> dict:
    """Section 5.2: the default outbound EDS cluster with auto-mTLS matches and circuit breakers."""
    return {
        "transportSocketMatches": [
            {"name": "tlsMode-istio", "match": {"tlsMode": "istio"},
             "transportSocket": {"name": "envoy.transport_sockets.tls",
                                 "typedConfig": _istio_mutual(f"outbound_.9080_._.{FQDN}")}},
            {"name": "tlsMode-disabled", "match": {},
             "transportSocket": {"name": "envoy.transport_sockets.raw_buffer", "typedConfig": {
                 "@type": URL + "envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer"}}},
        ],
        "name": name,
        "altStatName": name + ";",
        "type": "EDS",
        "edsClusterConfig": {"edsConfig": {"ads": {}, "initialFetchTimeout": "0s", "resourceApiVersion": "V3"},
                             "serviceName": name},
        "connectTimeout": "10s",
        "lbPolicy": "LEAST_REQUEST",
        "circuitBreakers": {"thresholds": [{"maxConnections": 4294967295, "maxPendingRequests": 4294967295,
                                            "maxRequests": 4294967295, "maxRetries": 4294967295}]},
        "commonLbConfig": {},
        "metadata": {"filterMetadata": {"istio": {"services": [
            {"host": FQDN, "name": "reviews", "namespace": "default"}]}}},
        "filters": [{"name": "istio.metadata_exchange", "typedConfig": {
            "@type": URL + "udpa.type.v1.TypedStruct",
            "typeUrl": URL + "envoy.tcp.metadataexchange.config.MetadataExchange",
            "value": {"enable_discovery": True, "protocol": "istio-peer-exchange"}}}],
    }


def eds_cluster_117(name: str = CLUSTER) -> dict:
    """The same cluster as Istio 1.17 printed it: the raw MetadataExchange type (not in Envoy)."""
    cluster = eds_cluster(name)
    del cluster["altStatName"]
    cluster["circuitBreakers"]["thresholds"][0]["trackRemaining"] = True
    cluster["commonLbConfig"] = {"localityWeightedLbConfig": {}}
    cluster["filters"] = [{"name": "istio.metadata_exchange", "typedConfig": {
        "@type": URL + "envoy.tcp.metadataexchange.config.MetadataExchange", "protocol": "istio-peer-exchange"}}]
    return cluster


def passthrough_cluster() -> dict:
    return {
        "name": "PassthroughCluster",
        "altStatName": "PassthroughCluster;",
        "type": "ORIGINAL_DST",
        "connectTimeout": "10s",
        "lbPolicy": "CLUSTER_PROVIDED",
        "circuitBreakers": {"thresholds": [{"maxConnections": 4294967295, "maxPendingRequests": 4294967295,
                                            "maxRequests": 4294967295, "maxRetries": 4294967295}]},
        "typedExtensionProtocolOptions": {"envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
            "@type": URL + "envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
            "commonHttpProtocolOptions": {"idleTimeout": "300s"},
            "useDownstreamProtocolConfig": {"httpProtocolOptions": {}, "http2ProtocolOptions": {}}}},
    }


def subset_cluster(subset: str) -> dict:
    cluster = eds_cluster(f"outbound|9080|{subset}|{FQDN}")
    tls = cluster["transportSocketMatches"][0]["transportSocket"]["typedConfig"]
    tls["sni"] = f"outbound_.9080_.{subset}_.{FQDN}"
    cluster["metadata"]["filterMetadata"]["istio"] = {
        "config": "/apis/networking.istio.io/v1/namespaces/default/destination-rule/reviews",
        "services": [{"host": FQDN, "name": "reviews", "namespace": "default"}],
        "subset": subset}
    return cluster


def http_listener() -> dict:
    """An outbound sidecar HTTP listener 0.0.0.0_9080 whose HCM uses RDS "9080"."""
    return {
        "name": "0.0.0.0_9080",
        "address": {"socketAddress": {"address": "0.0.0.0", "portValue": 9080}},
        "filterChains": [{
            "filterChainMatch": {"transportProtocol": "raw_buffer", "applicationProtocols": ["http/1.1", "h2c"]},
            "filters": [{"name": "envoy.filters.network.http_connection_manager", "typedConfig": {
                "@type": URL + "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
                "statPrefix": "outbound_0.0.0.0_9080",
                "rds": {"configSource": {"ads": {}, "initialFetchTimeout": "0s", "resourceApiVersion": "V3"},
                        "routeConfigName": "9080"},
                "httpFilters": [
                    {"name": "envoy.filters.http.fault",
                     "typedConfig": {"@type": URL + "envoy.extensions.filters.http.fault.v3.HTTPFault"}},
                    {"name": "envoy.filters.http.cors",
                     "typedConfig": {"@type": URL + "envoy.extensions.filters.http.cors.v3.Cors"}},
                    {"name": "envoy.filters.http.router",
                     "typedConfig": {"@type": URL + "envoy.extensions.filters.http.router.v3.Router"}},
                ],
                "streamIdleTimeout": "0s",
                "useRemoteAddress": False,
                "upgradeConfigs": [{"upgradeType": "websocket"}],
                "normalizePath": True,
                "pathWithEscapedSlashesAction": "KEEP_UNCHANGED",
            }}],
            "name": "0.0.0.0_9080",
        }],
        "defaultFilterChain": {
            "filters": [{"name": "envoy.filters.network.tcp_proxy", "typedConfig": {
                "@type": URL + "envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy",
                "statPrefix": "PassthroughCluster", "cluster": "PassthroughCluster"}}],
            "name": "PassthroughFilterChain",
        },
        "listenerFilters": [
            {"name": "envoy.filters.listener.tls_inspector", "typedConfig": {
                "@type": URL + "envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector"}},
            {"name": "envoy.filters.listener.http_inspector", "typedConfig": {
                "@type": URL + "envoy.extensions.filters.listener.http_inspector.v3.HttpInspector"}},
        ],
        "listenerFiltersTimeout": "0s",
        "continueOnListenerFiltersTimeout": True,
        "trafficDirection": "OUTBOUND",
        "bindToPort": False,
    }


def assignment(name: str = CLUSTER, ips: tuple[str, ...] = ("10.244.0.12", "10.244.0.13")) -> dict:
    """The ClusterLoadAssignment EDS sends for `name`, one endpoint per pod IP."""
    return {
        "clusterName": name,
        "endpoints": [{
            "locality": {},
            "lbEndpoints": [{
                "endpoint": {"address": {"socketAddress": {"address": ip, "portValue": 9080}}},
                "healthStatus": "HEALTHY",
                "metadata": {"filterMetadata": {"envoy.transport_socket_match": {"tlsMode": "istio"},
                                                "istio": {"workload": "reviews-v1;default;reviews;v1;Kubernetes"}}},
                "loadBalancingWeight": 1,
            } for ip in ips],
            "loadBalancingWeight": len(ips),
        }],
    }


def mesh() -> tuple[list[dict], list[dict], list[dict], list[dict]]:
    """A consistent set: every reference resolves, so validation finds no errors or warnings."""
    clusters = [eds_cluster(), subset_cluster("v2"), passthrough_cluster()]
    endpoints = [assignment(), assignment(f"outbound|9080|v2|{FQDN}", ("10.244.0.14",))]
    return clusters, [http_listener()], [route_config()], endpoints


# ---------------------------------------------------------------------------------------------
# Tests of the samples themselves

def test_builders_return_fresh_objects():
    a, b = route_config(), route_config()
    a["virtualHosts"].clear()
    assert b["virtualHosts"], "builders must not share state between calls"


def test_map_and_struct_keys_in_samples_are_sorted():
    # istioctl (jsonpb) sorts map keys; the samples must already be in that order.
    meta = assignment()["endpoints"][0]["lbEndpoints"][0]["metadata"]["filterMetadata"]
    assert list(meta) == sorted(meta)
    value = eds_cluster()["filters"][0]["typedConfig"]["value"]
    assert list(value) == sorted(value)


def test_mesh_references_are_consistent():
    clusters, listeners, routes, endpoints = mesh()
    names = {c["name"] for c in clusters}
    for vhost in routes[0]["virtualHosts"]:
        for route in vhost["routes"]:
            assert route["route"]["cluster"] in names
    eds = {c["edsClusterConfig"]["serviceName"] for c in clusters if c["type"] == "EDS"}
    assert eds == {e["clusterName"] for e in endpoints}
