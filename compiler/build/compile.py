"""The whole build for one proxy: pure functions of (proxy, index, behaviour)."""
from __future__ import annotations

from functools import cached_property
from typing import Any

from mesh_compile.build import gateway_routes, sidecar_routes
from mesh_compile.build.bootstrap_static import static_clusters, static_listeners, static_routes
from mesh_compile.build.clusters import build_clusters
from mesh_compile.build.endpoints import build_assignments
from mesh_compile.build.listeners import build_listeners
from mesh_compile.build.memo import PartsMemo
from mesh_compile.build.route_memo import RouteMemo
from mesh_compile.build.sni_dnat import sni_dnat_assignments
from mesh_compile.index.mesh_index import MeshIndex
from mesh_compile.index.proxy import Proxy
from mesh_compile.index.sidecar_scope import scope_for
from mesh_compile.versions import Behaviour


class ProxyConfig:
    """Everything istiod would send one proxy, each kind built on first use: `pc routes` or a `diff`
    against a routes dump then pays for the routes alone. The builders are pure functions of (proxy,
    index, behaviour), so the order in which kinds are asked for never changes what they hold."""

    def __init__(self, proxy: Proxy, index: MeshIndex, behaviour: Behaviour) -> None:
        self.proxy, self.index, self.behaviour = proxy, index, behaviour
        self.route_memo: RouteMemo | None = None     # set by build/keep.py when it may be used

    @cached_property
    def scope(self) -> Any:
        return scope_for(self.proxy, self.index)

    @cached_property
    def route_names(self) -> list[str]:
        if self.proxy.is_gateway:
            return gateway_routes.route_config_names(self.index, self.proxy)
        return sidecar_routes.route_config_names(self.scope)

    @cached_property
    def routes(self) -> list[dict]:
        proxy, index, b = self.proxy, self.index, self.behaviour
        if proxy.is_gateway:
            return [gateway_routes.build_route_config(n, index, proxy, b) for n in self.route_names]
        memo = self.route_memo = RouteMemo(self.route_memo)
        parts = PartsMemo()      # parts of routes that several ports' route configurations share
        return [sidecar_routes.build_route_config(n, index, proxy, self.scope, b, memo, parts)
                for n in self.route_names]

    @cached_property
    def clusters(self) -> list[dict]:
        return build_clusters(self.proxy, self.index, self.scope, self.behaviour)

    @cached_property
    def listeners(self) -> list[dict]:
        return build_listeners(self.proxy, self.index, self.behaviour, self.route_names)

    @cached_property
    def endpoints(self) -> list[dict]:
        return self.endpoints_for(self.clusters)

    def endpoints_for(self, clusters: list[dict]) -> list[dict]:
        """The endpoints of `clusters`, of which only each name and type is read: a process that has
        the EDS clusters' names alone makes the same list (cli/parallel_dump.py)."""
        return (build_assignments(clusters, self.index, self.proxy)
                + sni_dnat_assignments(clusters, self.index, self.proxy))

    # the bootstrap's static resources, which istioctl prints beside the dynamic ones
    @cached_property
    def static_clusters(self) -> list[dict]:
        return static_clusters(self.behaviour)

    @cached_property
    def static_listeners(self) -> list[dict]:
        return static_listeners()

    @cached_property
    def static_routes(self) -> list[dict]:
        return static_routes()


def compile_proxy(proxy: Proxy, index: MeshIndex, b: Behaviour) -> ProxyConfig:
    return ProxyConfig(proxy, index, b)
