"""The endpoint views a running Envoy would report (/clusters and the EDS config dump), built offline."""
from __future__ import annotations

import copy

import pytest

from mesh_compile.emit import endpoints_view as E
from mesh_compile.emit import tables as T
from test_emit_tables import CONFIGDUMP_DATA, V130, dump_endpoints, load_dump, need_shared

REVIEWS = "outbound|9080||reviews.default.svc.cluster.local"
ISTIO_META = {"filterMetadata": {"istio": {"workload": "reviews-v1;default;reviews;v1;Kubernetes"}}}


def _socket(ip: str, port: int) -> dict:
    return {"socketAddress": {"address": ip, "portValue": port}}


def _lb(address: dict, **extra) -> dict:
    return {"endpoint": {"address": address}, **extra}


def _clusters() -> list[dict]:
    return [
        {"name": REVIEWS, "type": "EDS", "edsClusterConfig": {"serviceName": REVIEWS},
         "circuitBreakers": {"thresholds": [{"maxConnections": 4294967295, "maxPendingRequests": 4294967295,
                                             "maxRequests": 4294967295, "maxRetries": 4294967295}]},
         "altStatName": REVIEWS + ";"},
        {"name": "outbound|9411||zipkin.istio-system.svc.cluster.local", "type": "STRICT_DNS",
         "loadAssignment": {"clusterName": "outbound|9411||zipkin.istio-system.svc.cluster.local",
                            "endpoints": [{"lbEndpoints": [_lb(_socket("zipkin.istio-system", 9411))]}]}},
        {"name": "sds-grpc", "type": "STATIC",
         "loadAssignment": {"clusterName": "sds-grpc", "endpoints": [{"lbEndpoints": [
             _lb({"pipe": {"path": "./var/run/secrets/workload-spiffe-uds/socket"}})]}]}},
        {"name": "PassthroughCluster", "type": "ORIGINAL_DST"},
        {"name": "outbound|80||nobody.default.svc.cluster.local", "type": "EDS"},
        {"name": "dfp", "clusterType": {"name": "envoy.clusters.dynamic_forward_proxy"}},
    ]


def _assignments() -> list[dict]:
    return [
        {"clusterName": REVIEWS, "endpoints": [
            {"locality": {"region": "eu", "zone": "eu-1"}, "lbEndpoints": [
                _lb(_socket("10.1.0.9", 9080), metadata=ISTIO_META, loadBalancingWeight=1),
                _lb(_socket("10.1.0.10", 9080), healthStatus="DRAINING", loadBalancingWeight=2)],
             "loadBalancingWeight": 3},
            {"priority": 1, "lbEndpoints": [_lb(_socket("10.2.0.1", 9080), healthStatus="UNHEALTHY")]}]},
        {"clusterName": "outbound|80||nobody.default.svc.cluster.local"},
    ]


def test_endpoint_statuses_selects_clusters_with_hosts() -> None:
    got = E.endpoint_statuses(_clusters(), _assignments(), static_names=["sds-grpc"])
    assert [s["name"] for s in got] == [REVIEWS, "outbound|9411||zipkin.istio-system.svc.cluster.local", "sds-grpc"]
    assert "addedViaApi" not in got[2] and got[0]["addedViaApi"] is True


def test_endpoint_status_shape_follows_admin_proto() -> None:
    reviews = E.endpoint_statuses(_clusters(), _assignments())[0]
    assert list(reviews) == ["name", "addedViaApi", "hostStatuses", "circuitBreakers", "observabilityName",
                             "edsServiceName"]
    assert reviews["observabilityName"] == REVIEWS + ";" and reviews["edsServiceName"] == REVIEWS
    assert reviews["circuitBreakers"] == {"thresholds": [
        {"maxConnections": 4294967295, "maxPendingRequests": 4294967295, "maxRequests": 4294967295,
         "maxRetries": 4294967295},
        {"priority": "HIGH", "maxConnections": 1024, "maxPendingRequests": 1024, "maxRequests": 1024,
         "maxRetries": 3}]}
    first, draining, backup = reviews["hostStatuses"]
    assert list(first) == ["address", "stats", "healthStatus", "weight", "locality"]
    assert first["stats"][0] == {"name": "cx_connect_fail"} and first["stats"][-1] == {"type": "GAUGE", "name": "rq_active"}
    assert first["healthStatus"] == {"edsHealthStatus": "HEALTHY"} and first["locality"] == {"region": "eu", "zone": "eu-1"}
    assert draining["healthStatus"] == {"edsHealthStatus": "DRAINING"} and draining["weight"] == 2
    assert backup["priority"] == 1 and backup["healthStatus"] == {"edsHealthStatus": "UNHEALTHY"}


def test_dns_hosts_keep_their_name() -> None:
    zipkin = E.endpoint_statuses(_clusters(), _assignments())[1]
    host = zipkin["hostStatuses"][0]
    assert host["hostname"] == "zipkin.istio-system" and host["weight"] == 1
    assert "edsServiceName" not in zipkin and zipkin["observabilityName"] == zipkin["name"]


def test_endpoints_table_from_statuses() -> None:
    text = T.endpoints_table(E.endpoint_statuses(_clusters(), _assignments()), V130)
    rows = [r.split() for r in text.splitlines()]
    assert rows == [["ENDPOINT", "STATUS", "OUTLIER", "CHECK", "CLUSTER"],
                    ["10.1.0.10:9080", "DRAINING", "OK", REVIEWS],
                    ["10.1.0.9:9080", "HEALTHY", "OK", REVIEWS],
                    ["10.2.0.1:9080", "UNHEALTHY", "OK", REVIEWS],
                    ["unix://./var/run/secrets/workload-spiffe-uds/socket", "HEALTHY", "OK", "sds-grpc"],
                    ["zipkin.istio-system:9411", "HEALTHY", "OK", "outbound|9411||zipkin.istio-system.svc.cluster.local"]]


def test_eds_view_is_envoys_dump_form() -> None:
    view = E.eds_view(_clusters(), _assignments())
    assert [c["clusterName"] for c in view] == [c["name"] for c in _clusters()]   # every cluster, as Envoy
    assert view[3] == {"clusterName": "PassthroughCluster", "policy": {"overprovisioningFactor": 140}}
    reviews = view[0]
    assert list(reviews) == ["clusterName", "endpoints", "policy"] and reviews["policy"] == {"overprovisioningFactor": 140}
    first = reviews["endpoints"][0]
    assert list(first) == ["locality", "lbEndpoints", "loadBalancingWeight"]
    assert first["lbEndpoints"][0] == {"endpoint": {"address": _socket("10.1.0.9", 9080), "healthCheckConfig": {}},
                                       "healthStatus": "HEALTHY", "metadata": ISTIO_META, "loadBalancingWeight": 1}
    assert first["lbEndpoints"][1]["healthStatus"] == "UNHEALTHY"         # Envoy dumps draining hosts as unhealthy
    assert reviews["endpoints"][1] == {"locality": {}, "lbEndpoints": [
        {"endpoint": {"address": _socket("10.2.0.1", 9080), "healthCheckConfig": {}}, "healthStatus": "UNHEALTHY",
         "loadBalancingWeight": 1}], "priority": 1}
    zipkin = view[1]["endpoints"][0]["lbEndpoints"][0]
    assert zipkin["endpoint"]["hostname"] == "zipkin.istio-system"


def test_eds_view_does_not_share_input_objects() -> None:
    assignments = _assignments()
    view = E.eds_view(_clusters(), assignments)
    view[0]["endpoints"][0]["lbEndpoints"][0]["metadata"]["filterMetadata"]["istio"]["workload"] = "changed"
    assert assignments[0]["endpoints"][0]["lbEndpoints"][0]["metadata"] == ISTIO_META


def test_eds_from_statuses_round_trips_the_table() -> None:
    statuses = E.endpoint_statuses(_clusters(), _assignments())
    rows = [r.split() for r in T.eds_table(E.eds_from_statuses(statuses), V130).splitlines()]
    assert rows[1:] == [["10.1.0.9:9080", "HEALTHY", "eu/eu-1", REVIEWS],
                        ["10.1.0.10:9080", "UNHEALTHY", "eu/eu-1", REVIEWS],
                        ["10.2.0.1:9080", "UNHEALTHY", REVIEWS],
                        ["./var/run/secrets/workload-spiffe-uds/socket", "HEALTHY", "sds-grpc"],
                        ["zipkin.istio-system:9411", "HEALTHY", "outbound|9411||zipkin.istio-system.svc.cluster.local"]]


def test_eds_view_reproduces_envoys_own_dump() -> None:
    """Fed Envoy's EDS dump as the assignments, eds_view gives the dump back, and istioctl's table."""
    need_shared()
    dump = load_dump(CONFIGDUMP_DATA / "endpoint/configdump.json")
    section = dump["EndpointsConfigDump"]
    dynamic = [e["endpointConfig"] for e in section["dynamicEndpointConfigs"]]
    static = [e["endpointConfig"] for e in section["staticEndpointConfigs"]]
    clusters = [{"name": c["clusterName"], "type": "EDS"} for c in dynamic] + \
               [{"name": c["clusterName"], "loadAssignment": copy.deepcopy(c)} for c in static]
    view = E.eds_view(clusters, dynamic)
    assert view == [{k: v for k, v in c.items() if k != "@type"} for c in dynamic + static]
    expected = (CONFIGDUMP_DATA / "endpoint/emptyfilter_output.txt").read_text()
    assert T.eds_table(view, V130) == expected == T.eds_table(dump_endpoints(dump), V130)


@pytest.mark.parametrize("status,admin,dumped", [(None, "HEALTHY", "HEALTHY"), ("UNKNOWN", "HEALTHY", "HEALTHY"),
                                                 ("TIMEOUT", "UNHEALTHY", "UNHEALTHY"), ("DEGRADED", "DEGRADED", "DEGRADED"),
                                                 ("DRAINING", "DRAINING", "UNHEALTHY")])
def test_health_mapping(status, admin, dumped) -> None:
    lb = _lb(_socket("10.0.0.1", 80), **({"healthStatus": status} if status else {}))
    clusters = [{"name": "c", "type": "EDS"}]
    assignments = [{"clusterName": "c", "endpoints": [{"lbEndpoints": [lb]}]}]
    assert E.endpoint_statuses(clusters, assignments)[0]["hostStatuses"][0]["healthStatus"]["edsHealthStatus"] == admin
    assert E.eds_view(clusters, assignments)[0]["endpoints"][0]["lbEndpoints"][0]["healthStatus"] == dumped
