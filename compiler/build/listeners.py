"""Listeners: enough of istiod's LDS for Envoy to reach the routes (facts 7).

Sidecar: `0.0.0.0_<P>` HTTP listeners whose connection manager names route config `P`, not bound (in a
pod, iptables sends traffic to virtualOutbound, which hands it to them). Gateway: `0.0.0.0_<targetPort>`
bound listeners naming `http.<targetPort>`.
"""
from __future__ import annotations

from typing import Any

from mesh_compile.build import gateway_servers as GS
from mesh_compile.build.cluster_parts import eds_config
from mesh_compile.index.mesh_index import MeshIndex
from mesh_compile.index.proxy import Proxy
from mesh_compile.versions import Behaviour

HCM = "envoy.filters.network.http_connection_manager"
HCM_TYPE = "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager"
HTTP_FILTERS = [
    {"name": "envoy.filters.http.fault",
     "typedConfig": {"@type": "type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault"}},
    {"name": "envoy.filters.http.cors",
     "typedConfig": {"@type": "type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors"}},
    {"name": "envoy.filters.http.router",
     "typedConfig": {"@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"}},
]


def http_connection_manager(stat_prefix: str, route_name: str) -> dict:
    return {
        "name": HCM,
        "typedConfig": {
            "@type": HCM_TYPE,
            "statPrefix": stat_prefix,
            "rds": {"configSource": eds_config(), "routeConfigName": route_name},
            "httpFilters": [dict(f) for f in HTTP_FILTERS],
        },
    }


def _listener(name: str, address: str, port: int, route_name: str, direction: str, bind: bool) -> dict:
    out: dict[str, Any] = {
        "name": name,
        "address": {"socketAddress": {"address": address, "portValue": port}},
        "filterChains": [{"filters": [http_connection_manager(f"outbound_{address}_{port}", route_name)]}],
    }
    out["trafficDirection"] = direction
    if not bind:
        out["bindToPort"] = False
    return out


def build_listeners(proxy: Proxy, index: MeshIndex, b: Behaviour, route_names: list[str]) -> list[dict]:
    if proxy.is_gateway:
        out, seen = [], set()
        for gs in GS.servers_for(proxy, index):
            name = gs.route_name()
            if name is None or not name.startswith("http.") or gs.target_port in seen:
                continue
            seen.add(gs.target_port)
            address = gs.server.bind or "0.0.0.0"
            out.append(_listener(f"{address}_{gs.target_port}", address, gs.target_port, name, "OUTBOUND", True))
        return out
    out = []
    for name in route_names:
        if name.isdigit():
            port = int(name)
            out.append(_listener(f"0.0.0.0_{port}", "0.0.0.0", port, name, "OUTBOUND", False))
    return out
