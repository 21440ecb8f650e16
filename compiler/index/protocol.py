"""Port protocol selection, as istiod infers it from port names and appProtocol.

The protocol decides whether a port gets HTTP routes, a TCP proxy, or both (sniffing). See
istio-facts.md section 1.1 and pilot/pkg/serviceregistry/kube/conversion.go / pkg/config/protocol.
"""
from __future__ import annotations

HTTP = "HTTP"
HTTP2 = "HTTP2"
GRPC = "GRPC"
GRPC_WEB = "GRPC-Web"
HTTPS = "HTTPS"
TLS = "TLS"
TCP = "TCP"
UDP = "UDP"
MONGO = "Mongo"
REDIS = "Redis"
MYSQL = "MySQL"
THRIFT = "Thrift"
UNSUPPORTED = "UnsupportedProtocol"  # auto-detected (sniffed)

_BY_NAME = {
    "http": HTTP, "http2": HTTP2, "grpc": GRPC, "grpc-web": GRPC_WEB, "https": HTTPS, "tls": TLS,
    "tcp": TCP, "udp": UDP, "mongo": MONGO, "redis": REDIS, "mysql": MYSQL, "thrift": THRIFT,
    "h2c": HTTP2, "kubernetes.io/h2c": HTTP2, "kubernetes.io/ws": HTTP, "kubernetes.io/wss": HTTPS,
}


def parse_protocol(text: str | None) -> str:
    """An Istio protocol name (case-insensitive) -> canonical name, UNSUPPORTED when unknown."""
    if not text:
        return UNSUPPORTED
    return _BY_NAME.get(text.lower(), UNSUPPORTED)


def kube_port_protocol(name: str | None, app_protocol: str | None, transport: str | None) -> str:
    """appProtocol wins; else the port name prefix before '-' (`http-web` -> HTTP); UDP stays UDP."""
    if (transport or "TCP").upper() == "UDP":
        return UDP
    if app_protocol:
        proto = parse_protocol(app_protocol)
        if proto != UNSUPPORTED:
            return proto
    if name:
        prefix = name.split("-", 1)[0]
        if name.lower().startswith("grpc-web"):
            return GRPC_WEB
        return parse_protocol(prefix)
    return UNSUPPORTED


def is_http(proto: str) -> bool:
    return proto in (HTTP, HTTP2, GRPC, GRPC_WEB)


def is_http2(proto: str) -> bool:
    return proto in (HTTP2, GRPC, GRPC_WEB)


def is_sniffed(proto: str) -> bool:
    return proto == UNSUPPORTED


def is_http_or_sniffed(proto: str) -> bool:
    return is_http(proto) or is_sniffed(proto)
