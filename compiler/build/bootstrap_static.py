"""The static resources of the Envoy bootstrap that istio-agent writes for every proxy
(tools/packaging/common/envoy_bootstrap.json). istioctl prints them beside the dynamic ones, so a faithful
`pc cluster` / `pc routes` / `pc listener` shows them too. Shapes are what Envoy's config dump gives back:
proto defaults (ROUND_ROBIN, TCP, priority DEFAULT) are not printed."""
from __future__ import annotations

from typing import Any

from mesh_compile.versions import Behaviour

HTTP2_OPTIONS = {"envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
    "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
    "explicitHttpConfig": {"http2ProtocolOptions": {}}}}
ROUTER = {"name": "envoy.filters.http.router",
          "typedConfig": {"@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"}}
SDS_SOCKET = "./var/run/secrets/workload-spiffe-uds/socket"
XDS_SOCKET = "./etc/istio/proxy/XDS"


def _assignment(name: str, address: dict) -> dict:
    return {"clusterName": name, "endpoints": [{"lbEndpoints": [{"endpoint": {"address": address}}]}]}


def _static(name: str, b: Behaviour, timeout: str, address: dict, **extra: Any) -> dict:
    out: dict[str, Any] = {"name": name}
    if b.alt_stat_name:
        out["altStatName"] = name + ";"
    out["type"] = extra.pop("type", "STATIC")
    out["connectTimeout"] = timeout
    out["loadAssignment"] = _assignment(name, address)
    out.update(extra)
    return out


def _socket(host: str, port: int) -> dict:
    return {"socketAddress": {"address": host, "portValue": port}}


def static_clusters(b: Behaviour) -> list[dict]:
    thresholds = [{"maxConnections": 100000, "maxPendingRequests": 100000, "maxRequests": 100000},
                  {"priority": "HIGH", "maxConnections": 100000, "maxPendingRequests": 100000, "maxRequests": 100000}]
    out = [
        _static("prometheus_stats", b, "0.250s", _socket("127.0.0.1", 15000)),
        _static("agent", b, "0.250s", _socket("127.0.0.1", 15020)),
        _static("sds-grpc", b, "1s", {"pipe": {"path": SDS_SOCKET}}, typedExtensionProtocolOptions=HTTP2_OPTIONS),
        _static("xds-grpc", b, "1s", {"pipe": {"path": XDS_SOCKET}}, maxRequestsPerConnection=1,
                circuitBreakers={"thresholds": thresholds}, typedExtensionProtocolOptions=HTTP2_OPTIONS,
                upstreamConnectionOptions={"tcpKeepalive": {"keepaliveTime": 300}}),
    ]
    if not b.no_zipkin_bootstrap:
        zipkin = _static("zipkin", b, "1s", _socket("zipkin.istio-system", 9411), type="STRICT_DNS")
        out.append(zipkin)
    return out


def _backend_route(prefix: str, cluster: str) -> dict:
    return {"virtualHosts": [{"name": "backend", "domains": ["*"],
                              "routes": [{"match": {"prefix": prefix}, "route": {"cluster": cluster}}]}]}


def static_routes() -> list[dict]:
    """The inline route configs of the prometheus (15090) and health (15021) listeners, unnamed."""
    return [_backend_route("/stats/prometheus", "prometheus_stats"), _backend_route("/healthz/ready", "agent")]


def static_listeners() -> list[dict]:
    out = []
    for port, prefix, route in ((15090, "stats", static_routes()[0]), (15021, "agent", static_routes()[1])):
        hcm = {"@type": "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
               "statPrefix": prefix, "routeConfig": route, "httpFilters": [dict(ROUTER)]}
        out.append({"address": _socket("0.0.0.0", port),
                    "filterChains": [{"filters": [{"name": "envoy.filters.network.http_connection_manager",
                                                   "typedConfig": hcm}]}]})
    return out
