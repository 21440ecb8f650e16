"""The Gateway servers that apply to a gateway proxy, with their ports resolved (model/gateway.go
MergeGateways, resolvePorts, gatewayRDSRouteName; facts 4.1)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mesh_compile.index.mesh_index import MeshIndex
from mesh_compile.index.proxy import Proxy

HTTP_PROTOCOLS = ("HTTP", "HTTP2", "GRPC", "GRPC-WEB")


@dataclass
class GatewayServer:
    gateway: Any          # the Gateway ConfigObject
    server: Any           # its Server
    target_port: int      # the listener port (the Service's targetPort)

    @property
    def gateway_name(self) -> str:
        return f"{self.gateway.meta.namespace}/{self.gateway.meta.name}"

    @property
    def port(self) -> int:
        return self.server.port.number

    @property
    def protocol(self) -> str:
        return (self.server.port.protocol or "").upper()

    @property
    def hosts(self) -> list[str]:
        """`./host` rewritten to the Gateway's namespace (sanitizeServerHostNamespace)."""
        ns = self.gateway.meta.namespace
        return [f"{ns}/{h[2:]}" if h.startswith("./") else h for h in self.server.hosts]

    def is_http(self) -> bool:
        return self.protocol in HTTP_PROTOCOLS

    def terminates_tls(self) -> bool:
        tls = self.server.tls
        return self.protocol == "HTTPS" and tls is not None and (tls.mode or "SIMPLE") in ("SIMPLE", "MUTUAL", "OPTIONAL_MUTUAL", "ISTIO_MUTUAL")

    def route_name(self) -> str | None:
        if self.is_http():
            bind = f".{self.server.bind}" if self.server.bind else ""
            return f"http.{self.target_port}{bind}"
        if self.terminates_tls():
            s = self.server
            return f"https.{s.port.number}.{s.port.name}.{self.gateway.meta.name}.{self.gateway.meta.namespace}"
        return None


def gateways_for(proxy: Proxy, index: MeshIndex) -> list[Any]:
    out = []
    for gw in index.gateways:
        selector = gw.spec.selector or {}
        if selector and all(proxy.labels.get(k) == v for k, v in selector.items()):
            out.append(gw)
    return out


def servers_for(proxy: Proxy, index: MeshIndex) -> list[GatewayServer]:
    out = []
    for gw in gateways_for(proxy, index):
        for server in gw.spec.servers:
            target = proxy.gateway_ports.get(server.port.number, server.port.number)
            out.append(GatewayServer(gw, server, target))
    return out
