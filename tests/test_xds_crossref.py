"""mesh_compile_xds.crossref: references between listeners, routes, clusters and assignments."""
from __future__ import annotations

from mesh_compile_xds import codes
from mesh_compile_xds.crossref import check
from test_xds_samples import CLUSTER, FQDN, URL, mesh


def summary(problems) -> list[tuple[str, str, str, str]]:
    return [(p.level, p.code, p.name, p.field) for p in problems]


def test_a_consistent_mesh_has_no_dangling_references():
    assert check(*mesh()) == []


def test_rds_name_without_route_configuration():
    clusters, listeners, routes, endpoints = mesh()
    routes[0]["name"] = "9081"
    assert summary(check(clusters, listeners, routes, endpoints)) == [
        ("Error", codes.MISSING_ROUTE, "0.0.0.0_9080", "filterChains[0].filters[0].typedConfig.rds.routeConfigName")]


def test_eds_cluster_without_assignment_uses_service_name_or_cluster_name():
    clusters, listeners, routes, endpoints = mesh()
    endpoints.pop(0)
    assert summary(check(clusters, listeners, routes, endpoints)) == [
        ("Error", codes.MISSING_ASSIGNMENT, CLUSTER, "edsClusterConfig")]
    del clusters[0]["edsClusterConfig"]["serviceName"]  # falls back to the cluster name
    endpoints.insert(0, {"clusterName": CLUSTER})
    assert check(clusters, listeners, routes, endpoints) == []


def test_routes_to_missing_clusters_are_warnings_like_istioctl_analyze():
    clusters, listeners, routes, endpoints = mesh()
    action = routes[0]["virtualHosts"][0]["routes"][0]["route"]
    action.pop("cluster")
    action["weightedClusters"] = {"clusters": [{"name": CLUSTER, "weight": 80},
                                               {"name": f"outbound|9080|v3|{FQDN}", "weight": 20}]}
    action["requestMirrorPolicies"] = [{"cluster": "outbound|80||mirror.default.svc.cluster.local"}]
    assert summary(check(clusters, listeners, routes, endpoints)) == [
        ("Warning", codes.MISSING_CLUSTER, "9080", "virtualHosts[0].routes[0].route.weightedClusters.clusters[1].name"),
        ("Warning", codes.MISSING_CLUSTER, "9080", "virtualHosts[0].routes[0].route.requestMirrorPolicies[0].cluster"),
    ]


def test_tcp_proxy_to_missing_cluster():
    clusters, listeners, routes, endpoints = mesh()
    clusters = [c for c in clusters if c["name"] != "PassthroughCluster"]
    routes[0]["virtualHosts"].pop()  # the allow_any vhost also points at PassthroughCluster
    problems = check(clusters, listeners, routes, endpoints)
    assert summary(problems) == [
        ("Warning", codes.MISSING_CLUSTER, "0.0.0.0_9080", "defaultFilterChain.filters[0].typedConfig.cluster")]
    assert "'PassthroughCluster'" in problems[0].message


def test_static_clusters_need_no_assignment():
    clusters, listeners, routes, endpoints = mesh()
    clusters.append({"name": "BlackHoleCluster", "type": "STATIC", "connectTimeout": "10s"})
    assert check(clusters, listeners, routes, endpoints) == []


def test_typed_objects_are_found_under_any_key():
    listener = {"name": "l", "apiListener": {"apiListener": {
        "@type": URL + "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
        "rds": {"routeConfigName": "x"}}}}
    assert summary(check([], [listener], [], [])) == [
        ("Error", codes.MISSING_ROUTE, "l", "apiListener.apiListener.rds.routeConfigName")]
