"""Listeners (LDS) for one proxy (facts 7; listener.go BuildListeners).

Sidecar, in istiod's order (listener_builder.go getListeners): the outbound listeners of
compiler/build/listener_outbound.py (HTTP `0.0.0.0_<P>`, TCP/TLS and sniffed `<VIP>_<P>`), not bound to their
ports; virtualOutbound (15001, compiler/build/listener_virtual.py), to which iptables sends outbound traffic
and which hands it to them; then virtualInbound (15006) and the Sidecar ingress listeners bound to their own
port (compiler/build/listener_inbound.py). Gateway: the bound `<bind>_<targetPort>` listeners of
compiler/build/listener_gateway.py.

Every outbound and gateway chain then gets the default install's telemetry and Istio filters (istio.stats,
metadata exchange, ALPN, grpc_stats, tracing, access log: compiler/build/listener_telemetry.py).

Not built yet: Sidecar egress listeners with their own port or bind, the inbound listeners' telemetry and
security filters.
"""
from __future__ import annotations

from mesh_compile.build.listener_gateway import build_gateway_listeners
from mesh_compile.build.listener_inbound import build_inbound_listeners
from mesh_compile.build.listener_outbound import build_outbound_listeners
from mesh_compile.build.listener_telemetry import apply_telemetry
from mesh_compile.build.listener_virtual import build_virtual_outbound
from mesh_compile.build.names import catch_all_cluster
from mesh_compile.index.mesh_index import MeshIndex
from mesh_compile.index.proxy import Proxy
from mesh_compile.index.sidecar_scope import scope_for
from mesh_compile.versions import Behaviour


def _build_listeners(proxy: Proxy, index: MeshIndex, b: Behaviour, route_names: list[str]) -> list[dict]:
    """`route_names` is what the route build produced; the listeners name the same configs by construction."""
    if proxy.is_gateway:
        return build_gateway_listeners(proxy, index, b)
    scope = scope_for(proxy, index)
    return (build_outbound_listeners(proxy, index, scope, b) + [build_virtual_outbound(catch_all_cluster(scope), b)]
            + build_inbound_listeners(proxy, index, scope, b))


def build_listeners(proxy: Proxy, index: MeshIndex, b: Behaviour, route_names: list[str]) -> list[dict]:
    return apply_telemetry(_build_listeners(proxy, index, b, route_names), proxy, index, b)
