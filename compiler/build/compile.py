"""The whole build for one proxy: pure functions of (proxy, index, behaviour)."""
from __future__ import annotations

from dataclasses import dataclass, field

from mesh_compile.build import gateway_routes, sidecar_routes
from mesh_compile.build.bootstrap_static import static_clusters, static_listeners, static_routes
from mesh_compile.build.clusters import build_clusters
from mesh_compile.build.endpoints import build_assignments
from mesh_compile.build.listeners import build_listeners
from mesh_compile.build.sni_dnat import sni_dnat_assignments
from mesh_compile.index.mesh_index import MeshIndex
from mesh_compile.index.proxy import Proxy
from mesh_compile.index.sidecar_scope import scope_for
from mesh_compile.versions import Behaviour


@dataclass
class ProxyConfig:
    proxy: Proxy
    behaviour: Behaviour
    clusters: list[dict] = field(default_factory=list)
    listeners: list[dict] = field(default_factory=list)
    routes: list[dict] = field(default_factory=list)
    endpoints: list[dict] = field(default_factory=list)
    # the bootstrap's static resources, which istioctl prints beside the dynamic ones
    static_clusters: list[dict] = field(default_factory=list)
    static_listeners: list[dict] = field(default_factory=list)
    static_routes: list[dict] = field(default_factory=list)


def compile_proxy(proxy: Proxy, index: MeshIndex, b: Behaviour) -> ProxyConfig:
    scope = scope_for(proxy, index)
    if proxy.is_gateway:
        names = gateway_routes.route_config_names(index, proxy)
        routes = [gateway_routes.build_route_config(n, index, proxy, b) for n in names]
    else:
        names = sidecar_routes.route_config_names(scope)
        routes = [sidecar_routes.build_route_config(n, index, proxy, scope, b) for n in names]
    clusters = build_clusters(proxy, index, scope, b)
    return ProxyConfig(
        proxy=proxy,
        behaviour=b,
        clusters=clusters,
        listeners=build_listeners(proxy, index, b, names),
        routes=routes,
        endpoints=build_assignments(clusters, index, proxy) + sni_dnat_assignments(clusters, index, proxy),
        static_clusters=static_clusters(b),
        static_listeners=static_listeners(),
        static_routes=static_routes(),
    )
