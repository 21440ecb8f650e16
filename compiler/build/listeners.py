"""Listeners (LDS) for one proxy (facts 7; listener.go BuildListeners).

Sidecar: the outbound listeners of compiler/build/listener_outbound.py (HTTP `0.0.0.0_<P>`, TCP/TLS and
sniffed `<VIP>_<P>`), not bound to their ports: in a pod, iptables sends traffic to virtualOutbound, which
hands it to them. Gateway: the bound `<bind>_<targetPort>` listeners of compiler/build/listener_gateway.py.

Not built yet: virtualOutbound (15001), virtualInbound (15006) and the inbound listeners, the telemetry
filters (istio.stats, access logs, tracing) and the metadata-exchange/ALPN HTTP filters.
"""
from __future__ import annotations

from mesh_compile.build.listener_gateway import build_gateway_listeners
from mesh_compile.build.listener_outbound import build_outbound_listeners
from mesh_compile.index.mesh_index import MeshIndex
from mesh_compile.index.proxy import Proxy
from mesh_compile.index.sidecar_scope import scope_for
from mesh_compile.versions import Behaviour


def build_listeners(proxy: Proxy, index: MeshIndex, b: Behaviour, route_names: list[str]) -> list[dict]:
    """`route_names` is what the route build produced; the listeners name the same configs by construction."""
    if proxy.is_gateway:
        return build_gateway_listeners(proxy, index, b)
    return build_outbound_listeners(proxy, index, scope_for(proxy, index), b)
