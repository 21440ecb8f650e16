"""References between xDS resources: listener -> RDS route config, EDS cluster -> assignment,
route / TCP proxy -> cluster. Works on canonical (camelCase) resource dicts.

Levels follow what Envoy does with the gap:
* an RDS name without a RouteConfiguration, or an EDS cluster without a ClusterLoadAssignment,
  leaves the listener or cluster warming forever (initial_fetch_timeout is 0s in Istio): Error;
* a route to a cluster that does not exist is what istiod itself emits for an unknown host or
  subset (validate_clusters is false); Envoy answers 503 NC at request time: Warning, IST0101;
* EDS and STATIC clusters take IP endpoints only ("malformed IP address"): Error.
"""
from __future__ import annotations

import ipaddress
from typing import Any as AnyValue, Iterator

from mesh_compile.diagnostics import ERROR, WARNING, Problem

from . import codes, registry

_HCM = "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager"
_TCP_PROXY = "envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy"


def check(clusters: list[dict], listeners: list[dict], routes: list[dict],
          endpoints: list[dict]) -> list[Problem]:
    cluster_names = {c.get("name") for c in clusters}
    route_names = {r.get("name") for r in routes}
    assignment_names = {e.get("clusterName") for e in endpoints}
    problems: list[Problem] = []
    for lis in listeners:
        problems += _listener_refs(lis, route_names, cluster_names)
    assignments = {e.get("clusterName"): e for e in endpoints}
    for cluster in clusters:
        problems += _eds_ref(cluster, assignment_names)
        problems += _ip_endpoints(cluster, assignments)
    for route in routes:
        problems += _route_refs(route, cluster_names)
    return problems


def _listener_refs(lis: dict, route_names: set, cluster_names: set) -> list[Problem]:
    name = lis.get("name")
    out = []
    for path, obj in _typed(lis, ""):
        kind = registry.full_name_of(obj["@type"])
        if kind == _HCM and isinstance(obj.get("rds"), dict):
            rds = obj["rds"].get("routeConfigName", "")
            if rds not in route_names:
                out.append(Problem(ERROR, f"RDS route config {rds!r} is not among the routes; the listener "
                                          "would wait for it forever", kind="Listener", name=name,
                                   field=f"{path}.rds.routeConfigName", code=codes.MISSING_ROUTE))
        elif kind == _TCP_PROXY:
            for where, cluster in _cluster_refs(obj, path):
                if cluster not in cluster_names:
                    out.append(_missing_cluster("Listener", name, where, cluster))
    return out


def _cluster_refs(action: dict, path: str) -> Iterator[tuple[str, str]]:
    """`cluster` or `weightedClusters.clusters[].name`: the same fields in a TcpProxy and a RouteAction."""
    if isinstance(action.get("cluster"), str):
        yield f"{path}.cluster", action["cluster"]
    for i, entry in enumerate(action.get("weightedClusters", {}).get("clusters", [])):
        yield f"{path}.weightedClusters.clusters[{i}].name", entry.get("name", "")


def _eds_ref(cluster: dict, assignment_names: set) -> list[Problem]:
    if cluster.get("type") != "EDS":
        return []
    service = cluster.get("edsClusterConfig", {}).get("serviceName") or cluster.get("name")
    if service in assignment_names:
        return []
    return [Problem(ERROR, f"EDS cluster has no ClusterLoadAssignment {service!r}; Envoy would keep it "
                           "warming forever (istiod sends an empty assignment instead)",
                    kind="Cluster", name=cluster.get("name"), field="edsClusterConfig", code=codes.MISSING_ASSIGNMENT)]


def _ip_endpoints(cluster: dict, assignments: dict) -> list[Problem]:
    """EDS and STATIC clusters cannot resolve names: every socket address must be an IP."""
    kind = cluster.get("type")
    if kind == "STATIC":
        assignment, where, label = cluster.get("loadAssignment", {}), "loadAssignment", ("Cluster", cluster.get("name"))
    elif kind == "EDS":
        service = cluster.get("edsClusterConfig", {}).get("serviceName") or cluster.get("name")
        assignment, where, label = assignments.get(service, {}), "", ("ClusterLoadAssignment", service)
    else:
        return []
    out = []
    for i, locality in enumerate(assignment.get("endpoints", [])):
        for j, lb in enumerate(locality.get("lbEndpoints", [])):
            socket = lb.get("endpoint", {}).get("address", {}).get("socketAddress")
            if not socket or socket.get("resolverName") or _is_ip(socket.get("address", "")):
                continue
            field = f"endpoints[{i}].lbEndpoints[{j}].endpoint.address.socketAddress.address"
            out.append(Problem(ERROR, f"malformed IP address: {socket.get('address', '')} (cluster "
                                      f"{cluster.get('name')!r} is {kind}; only DNS clusters resolve names)",
                               kind=label[0], name=label[1], field=f"{where}.{field}" if where else field,
                               code=codes.BAD_ADDRESS))
    return out


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
        return True
    except ValueError:
        return False


def _route_refs(route_config: dict, cluster_names: set) -> list[Problem]:
    name = route_config.get("name")
    out = []
    for i, vhost in enumerate(route_config.get("virtualHosts", [])):
        for j, route in enumerate(vhost.get("routes", [])):
            base = f"virtualHosts[{i}].routes[{j}].route"
            for where, cluster in _route_clusters(route.get("route", {}), base):
                if cluster not in cluster_names:
                    out.append(_missing_cluster("RouteConfiguration", name, where, cluster))
    return out


def _route_clusters(action: dict, base: str) -> Iterator[tuple[str, str]]:
    yield from _cluster_refs(action, base)
    for k, mirror in enumerate(action.get("requestMirrorPolicies", [])):
        if isinstance(mirror.get("cluster"), str):
            yield f"{base}.requestMirrorPolicies[{k}].cluster", mirror["cluster"]


def _missing_cluster(kind: str, name: AnyValue, where: str, cluster: str) -> Problem:
    return Problem(WARNING, f"Referenced cluster not found: {cluster!r} (Envoy answers 503 NC)",
                   kind=kind, name=name, field=where, code=codes.MISSING_CLUSTER)


def _typed(obj: AnyValue, path: str) -> Iterator[tuple[str, dict]]:
    """Every `Any` JSON object (dict with "@type") inside obj, with its path."""
    if isinstance(obj, dict):
        if isinstance(obj.get("@type"), str):
            yield path, obj
        for key, value in obj.items():
            yield from _typed(value, f"{path}.{key}" if path else key)
    elif isinstance(obj, list):
        for i, item in enumerate(obj):
            yield from _typed(item, f"{path}[{i}]")
