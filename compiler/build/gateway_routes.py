"""Gateway RouteConfigurations (gateway.go buildGatewayHTTPRouteConfig, collapseDuplicateRoutes; facts 4.2-4.3)."""
from __future__ import annotations

from typing import Any

from mesh_compile.build.gateway_servers import GatewayServer, servers_for
from mesh_compile.build.http_routes import RouteContext, build_vs_routes
from mesh_compile.build.names import domain_name
from mesh_compile.build.route_match import is_catch_all
from mesh_compile.index.hosts import hosts_intersect
from mesh_compile.index.mesh_index import MeshIndex, VirtualServiceView
from mesh_compile.index.proxy import Proxy
from mesh_compile.index.services import Service
from mesh_compile.versions import Behaviour

MAX_DIRECT_RESPONSE_BODY = 1048576


def route_config_names(index: MeshIndex, proxy: Proxy) -> list[str]:
    names: list[str] = []
    for gs in servers_for(proxy, index):
        name = gs.route_name()
        if name and name not in names:
            names.append(name)
    return names


def _lookup(index: MeshIndex, proxy: Proxy):
    """Destinations are looked up in the VS namespace first, then any visible one (facts 4.3)."""
    def lookup(host: str, vs_ns: str) -> Service | None:
        for svc in index.services_by_host.get(host, []):
            if svc.namespace == vs_ns:
                return svc
        return index.service_for_host(host, proxy.namespace)
    return lookup


def _server_hosts_for_vs(gs: GatewayServer, vs: VirtualServiceView) -> list[str]:
    out = []
    for h in gs.hosts:
        ns, sep, host = h.rpartition("/")
        if sep and ns not in ("*", vs.namespace):
            continue
        out.append(host)
    return out


def _vhosts_for_server(gs: GatewayServer, index: MeshIndex, proxy: Proxy, b: Behaviour,
                       merged: dict[str, dict]) -> None:
    ctx = RouteContext(b, index, proxy, gs.port, gs.gateway_name, _lookup(index, proxy), is_tls=gs.terminates_tls())
    for vs in index.virtual_services_for(proxy.namespace, gs.gateway_name):
        server_hosts = _server_hosts_for_vs(gs, vs)
        hosts = []
        for vh in vs.hosts:
            for sh in server_hosts:
                common = hosts_intersect(sh, vh)
                if common and common.lower() not in hosts:
                    hosts.append(common.lower())
        if not hosts:
            continue
        routes = build_vs_routes(vs, ctx)
        for host in hosts:
            name = domain_name(host, gs.port)
            vhost = merged.setdefault(name, {"name": name, "domains": [host], "routes": []})
            vhost["routes"].extend(routes)
            if gs.server.tls is not None and gs.server.tls.httpsRedirect:
                vhost["requireTls"] = "ALL"


def _sort_catch_all_last(routes: list[dict]) -> list[dict]:
    """SortVHostRoutes: catch-all routes move to the end, the rest keep their order."""
    return [r for r in routes if not is_catch_all(r["match"])] + [r for r in routes if is_catch_all(r["match"])]


def _collapse(vhosts: list[dict]) -> list[dict]:
    """Vhosts with identical routes merge; the alphabetically first host names the result."""
    groups: dict[str, dict] = {}
    order = []
    for vh in sorted(vhosts, key=lambda v: v["name"]):
        routes = vh.get("routes")      # a VirtualService without http routes still makes a vhost
        key = repr((routes, vh.get("requireTls")))
        if key in groups and routes:
            groups[key]["domains"].extend(vh["domains"])
        else:
            groups[key if routes else vh["name"]] = vh
            order.append(vh)
    return order


def build_route_config(name: str, index: MeshIndex, proxy: Proxy, b: Behaviour) -> dict:
    servers = [gs for gs in servers_for(proxy, index) if gs.route_name() == name]
    merged: dict[str, dict] = {}
    for gs in servers:
        _vhosts_for_server(gs, index, proxy, b, merged)
    vhosts = []
    for vh in merged.values():
        routes = _sort_catch_all_last(vh.pop("routes"))
        out: dict[str, Any] = {"name": vh["name"], "domains": vh["domains"]}
        if routes:
            out["routes"] = routes
        if "requireTls" in vh:
            out["requireTls"] = vh["requireTls"]
        out["includeRequestAttemptCount"] = True
        vhosts.append(out)
    vhosts = _collapse(vhosts)
    if not vhosts and servers:
        port = servers[0].port
        vhosts = [{"name": f"blackhole:{port}", "domains": ["*"]}]  # no routes: Envoy answers 404 NR
    vhosts.sort(key=lambda v: v["name"])
    out = {"name": name, "virtualHosts": vhosts, "validateClusters": False}
    if b.gateway_max_direct_response_body:
        out["maxDirectResponseBodySizeBytes"] = MAX_DIRECT_RESPONSE_BODY
    out["ignorePortInHostMatching"] = True
    return out
