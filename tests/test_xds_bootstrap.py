"""mesh_compile_xds.bootstrap: compiled xDS -> a self-contained bootstrap (no Envoy needed here)."""
from __future__ import annotations

from mesh_compile_xds.bootstrap import (
    Note, Resources, build_bootstrap, from_config_dump, istio_only_reason, normalise, strip_istio_only, summarise,
)
from mesh_compile_xds.messages import config_dump, parse_as
from test_xds_samples import CLUSTER, URL, eds_cluster_117, mesh

HCM = URL + "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager"


def resources() -> Resources:
    clusters, listeners, routes, endpoints = mesh()
    return Resources(normalise("cluster", clusters), normalise("listener", listeners),
                     normalise("route", routes), normalise("endpoint", endpoints))


def build(res: Resources) -> tuple[dict, list[Note]]:
    notes: list[Note] = []
    return build_bootstrap(res, notes), notes


def test_the_bootstrap_is_a_valid_envoy_bootstrap_message():
    bootstrap, _ = build(resources())
    parse_as("envoy.config.bootstrap.v3.Bootstrap", bootstrap)
    assert bootstrap["admin"]["address"]["socketAddress"] == {"address": "127.0.0.1", "portValue": 0}


def test_rds_is_replaced_by_the_inline_route_config():
    bootstrap, _ = build(resources())
    hcm = bootstrap["staticResources"]["listeners"][0]["filterChains"][0]["filters"][0]["typedConfig"]
    assert "rds" not in hcm and hcm["routeConfig"]["name"] == "9080"
    assert list(hcm)[:3] == ["@type", "statPrefix", "routeConfig"]  # where rds was


def test_eds_clusters_become_static_with_their_assignment():
    bootstrap, _ = build(resources())
    cluster = bootstrap["staticResources"]["clusters"][0]
    assert cluster["type"] == "STATIC" and "edsClusterConfig" not in cluster
    assert cluster["loadAssignment"]["clusterName"] == CLUSTER
    ips = [e["endpoint"]["address"]["socketAddress"]["address"]
           for e in cluster["loadAssignment"]["endpoints"][0]["lbEndpoints"]]
    assert ips == ["10.244.0.12", "10.244.0.13"]


def test_istio_only_filters_are_removed_and_noted():
    res = resources()
    res.clusters.append(normalise("cluster", [eds_cluster_117("outbound|80||old.default.svc.cluster.local")])[0])
    bootstrap, notes = build(res)
    assert all("filters" not in c or c["filters"] == [] for c in bootstrap["staticResources"]["clusters"])
    removed = [n for n in notes if n.what.startswith("removed 'istio.metadata_exchange'")]
    assert {n.where for n in removed} == {f"cluster {CLUSTER}", "cluster outbound|9080|v2|reviews.default.svc.cluster.local",
                                          "cluster outbound|80||old.default.svc.cluster.local"}


def test_grpc_config_sources_get_stub_clusters_and_ads_is_not_needed_once_inlined():
    bootstrap, notes = build(resources())
    names = [c["name"] for c in bootstrap["staticResources"]["clusters"]]
    assert names[-1] == "sds-grpc" and names.count("sds-grpc") == 1
    assert Note("added an empty static cluster for the config sources that name it", "'sds-grpc'") in notes
    assert "dynamicResources" not in bootstrap


def test_missing_route_and_assignment_are_replaced_by_empty_ones_and_noted():
    res = resources()
    res.routes.clear()
    res.endpoints.clear()
    bootstrap, notes = build(res)
    hcm = bootstrap["staticResources"]["listeners"][0]["filterChains"][0]["filters"][0]["typedConfig"]
    assert hcm["routeConfig"] == {"name": "9080"}
    assert bootstrap["staticResources"]["clusters"][0]["loadAssignment"] == {"clusterName": CLUSTER}
    whats = {n.what for n in notes}
    assert "no RouteConfiguration for this RDS name; validated with an empty one" in whats
    assert "EDS cluster without a ClusterLoadAssignment; validated with no endpoints" in whats


def test_remaining_ads_sources_get_an_ads_config():
    res = resources()
    res.listeners[0]["filterChains"][0]["filters"][0]["typedConfig"]["httpFilters"].insert(0, {
        "name": "istio.stats", "configDiscovery": {"configSource": {"ads": {}}, "typeUrls": [URL + "x.Y"]}})
    res.clusters[2]["healthChecks"] = [{"timeout": "1s", "interval": "1s", "unhealthyThreshold": 1,
                                        "healthyThreshold": 1, "tcpHealthCheck": {},
                                        "eventService": {"grpcService": {"envoyGrpc": {"clusterName": "x"}}}}]
    res.clusters[2]["lrsServer"] = {"ads": {}}
    bootstrap, notes = build(res)
    assert bootstrap["dynamicResources"]["adsConfig"]["grpcServices"][0]["envoyGrpc"]["clusterName"] == "xds-grpc"
    assert {"x", "xds-grpc"} <= {c["name"] for c in bootstrap["staticResources"]["clusters"]}
    assert any("ECDS" in n.what for n in notes)  # the configDiscovery filter was removed


def test_istio_only_reasons():
    assert istio_only_reason({"@type": URL + "envoy.tcp.metadataexchange.config.MetadataExchange"})
    assert istio_only_reason({"@type": URL + "udpa.type.v1.TypedStruct", "typeUrl": URL + "stats.PluginConfig"})
    assert istio_only_reason({"@type": URL + "envoy.extensions.filters.http.wasm.v3.Wasm",
                              "config": {"vmConfig": {"runtime": "envoy.wasm.runtime.null"}}})
    assert istio_only_reason({"@type": URL + "udpa.type.v1.TypedStruct",
                              "typeUrl": URL + "envoy.extensions.filters.http.router.v3.Router"}) is None
    assert istio_only_reason({"@type": URL + "envoy.extensions.filters.http.router.v3.Router"}) is None
    assert istio_only_reason("not an any") is None


def test_map_entries_of_istio_only_types_are_dropped():
    notes: list[Note] = []
    route = {"typedPerFilterConfig": {
        "istio.alpn": {"@type": URL + "istio.envoy.config.filter.http.alpn.v2alpha1.FilterConfig"},
        "envoy.filters.http.fault": {"@type": URL + "envoy.extensions.filters.http.fault.v3.HTTPFault"}}}
    assert list(strip_istio_only(route, "route r", notes)["typedPerFilterConfig"]) == ["envoy.filters.http.fault"]
    assert notes[0].where == "route r" and "'istio.alpn'" in notes[0].what


def test_summarise_groups_by_change():
    notes = [Note("removed x", f"cluster {i}") for i in range(5)] + [Note("added y")]
    assert summarise(notes) == ["removed x: cluster 0, cluster 1, cluster 2 and 2 more", "added y"]


def test_resources_come_back_out_of_a_config_dump():
    clusters, listeners, routes, endpoints = mesh()
    res = from_config_dump(config_dump(clusters, listeners, routes, endpoints, version_info="1"))
    assert [c["name"] for c in res.clusters] == [c["name"] for c in clusters]
    assert [r["name"] for r in res.routes] == ["9080"]
    assert [e["clusterName"] for e in res.endpoints] == [e["clusterName"] for e in endpoints]
    assert res.listeners[0]["filterChains"][0]["filters"][0]["typedConfig"]["@type"] == HCM
