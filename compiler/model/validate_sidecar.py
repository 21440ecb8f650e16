"""istiod's webhook validation of a Sidecar (ValidateSidecar), the rules that matter here."""
from typing import Iterator

from .findings import Finding, Path, error
from .sidecar import SidecarSpec
from .validate_common import check_port, is_dns1123_label, wildcard_domain_error
from .validate_destination_rule import check_connection_pool

ROOT: Path = ("spec",)


def validate(spec: SidecarSpec, namespace: str) -> Iterator[Finding]:
    if not (spec.egress or spec.ingress or spec.outboundTrafficPolicy or spec.inboundConnectionPool):
        yield error(ROOT, "sidecar: empty configuration provided")
        return
    ports: set[int] = set()
    for i, ing in enumerate(spec.ingress):
        path = ROOT + ("ingress", i)
        if ing.port.targetPort:
            yield error(path + ("port", "targetPort"), "targetPort has no impact on Sidecars")
        yield from check_port(path + ("port", "number"), ing.port.number or 0)
        if ing.port.number in ports:
            yield error(path + ("port", "number"), "sidecar: ports on IP bound listeners must be unique")
        ports.add(ing.port.number or 0)
        yield from check_connection_pool(path + ("connectionPool",), ing.connectionPool)
    yield from check_connection_pool(ROOT + ("inboundConnectionPool",), spec.inboundConnectionPool)
    yield from _check_egress(spec)


def _check_egress(spec: SidecarSpec) -> Iterator[Finding]:
    ports: set[int] = set()
    for i, egress in enumerate(spec.egress):
        path = ROOT + ("egress", i)
        if egress.port is None and i != len(spec.egress) - 1:
            yield error(path, "sidecar: the egress listener with empty port should be the last listener in the list")
        if egress.port is not None and egress.port.number:
            if egress.port.number in ports:
                yield error(path + ("port", "number"), "sidecar: ports on IP bound listeners must be unique")
            ports.add(egress.port.number)
            yield from check_port(path + ("port", "number"), egress.port.number)
        if not egress.hosts:
            yield error(path + ("hosts",), "sidecar: egress listener must contain at least one host")
        for j, host in enumerate(egress.hosts):
            yield from _check_egress_host(path + ("hosts", j), host)


def _check_egress_host(path: Path, host: str) -> Iterator[Finding]:
    ns, slash, name = host.partition("/")
    if not slash:
        yield error(path, "host must be of form namespace/dnsName")
        return
    if not ns or not name:
        yield error(path, "config namespace and dnsName in host entry cannot be empty")
        return
    bare = ns.removeprefix("~")
    if bare not in ("", "*", ".") and not is_dns1123_label(bare):
        yield error(path, f'invalid namespace value "{ns}" in sidecar')
    if name != "*" and "." not in name:
        yield error(path, "short names (non FQDN) are not allowed")
    elif err := wildcard_domain_error(name):
        yield error(path, err)
    elif "*" in name and name != "*" and not name.startswith("*."):
        yield error(path, f'partial wildcard "{name}" not allowed')
