"""istiod's webhook validation of a Gateway (ValidateGateway)."""
from typing import Iterator

from .findings import Finding, Path, error, warning
from .gateway import GatewaySpec, Server
from .validate_common import PROTOCOLS, check_port, is_dns1123_label, is_ip, wildcard_domain_error

ROOT: Path = ("spec",)
_TLS_PROTOCOLS = {"HTTPS", "TLS"}
_HTTP_PROTOCOLS = {"HTTP", "HTTP2", "HTTP_PROXY", "GRPC", "GRPC-WEB"}


def validate(spec: GatewaySpec, namespace: str) -> Iterator[Finding]:
    if not spec.servers:
        yield error(ROOT + ("servers",), "gateway must have at least one server")
    names: set[str] = set()
    for i, server in enumerate(spec.servers):
        path = ROOT + ("servers", i)
        yield from _check_server(path, server)
        if server.port.name in names:
            yield error(path + ("port", "name"),
                        f"port names in servers must be unique: duplicate name {server.port.name}")
        names.add(server.port.name)
        if server.tls is not None and server.tls.httpsRedirect and server.port.protocol.upper() not in _HTTP_PROTOCOLS:
            yield warning(path + ("tls", "httpsRedirect"), "tls.httpsRedirect should only be used with http servers")


def _check_server(path: Path, server: Server) -> Iterator[Finding]:
    if not server.hosts:
        yield error(path + ("hosts",), "server config must contain at least one host")
    for j, host in enumerate(server.hosts):
        yield from _check_server_host(path + ("hosts", j), host)
    port = server.port
    proto = port.protocol.upper()
    if proto not in PROTOCOLS:
        yield error(path + ("port", "protocol"), f'invalid protocol "{port.protocol}", supported protocols are '
                                                 "HTTP, HTTP2, GRPC, GRPC-WEB, MONGO, REDIS, MYSQL, TCP")
    if port.number or not (server.bind or "").startswith("unix://"):
        yield from check_port(path + ("port", "number"), port.number)
    if port.targetPort:
        yield error(path + ("port", "targetPort"), "targetPort has no impact on Gateways")
    if not port.name:
        yield error(path + ("port", "name"), "port name must be set")
    if server.bind and not server.bind.startswith("unix://") and not is_ip(server.bind):
        yield error(path + ("bind",), f"{server.bind} is not a valid IP")
    if proto in _TLS_PROTOCOLS and server.tls is None:
        yield error(path + ("tls",), "server must have TLS settings for HTTPS/TLS protocols")
    elif proto not in _TLS_PROTOCOLS and server.tls is not None:
        tls = server.tls
        # A plain HTTP server may carry TLS settings only to ask for an HTTPS redirect.
        has_certs = tls.caCertificates or tls.privateKey or tls.serverCertificate
        only_redirect = not (tls.mode and tls.mode != "SIMPLE") and not has_certs
        if proto not in _HTTP_PROTOCOLS or not only_redirect:
            yield error(path + ("tls",), "server cannot have TLS settings for plain text or non HTTPS/TLS ports")


def _check_server_host(path: Path, host: str) -> Iterator[Finding]:
    ns, slash, name = host.partition("/")
    if not slash:
        ns, name = "", host
    elif not ns or not name:
        yield error(path, "config namespace and dnsName in host entry cannot be empty")
        return
    elif ns not in ("*", ".") and not is_dns1123_label(ns):
        yield error(path, f'invalid namespace value "{ns}" in gateway')
    if name != "*" and "." not in name:
        yield error(path, f'short names (non FQDN) are not allowed: "{name}"')
    elif (err := wildcard_domain_error(name)) and not is_ip(name):
        yield error(path, err)
    if "*" in name and name != "*" and not name.startswith("*."):
        yield error(path, f'partial wildcard "{name}" not allowed')
