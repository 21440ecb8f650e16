"""istiod's webhook validation of a ServiceEntry (ValidateServiceEntry), the rules that matter here."""
import ipaddress
from typing import Iterator

from .findings import Finding, Path, error, warning
from .service_entry import ServiceEntrySpec, WorkloadEntry
from .validate_common import (PROTOCOLS, check_export_to, check_labels, check_port, dns1123_labels_error,
                              is_dns1123_label, is_ip, wildcard_domain_error)

ROOT: Path = ("spec",)


def validate(spec: ServiceEntrySpec, namespace: str) -> Iterator[Finding]:
    if spec.workloadSelector is not None and spec.endpoints:
        yield error(ROOT, "only one of workloadSelector or endpoints is allowed in a ServiceEntry")
    yield from _check_hosts(spec)
    yield from _check_addresses(spec)
    yield from _check_ports(spec)
    yield from _check_resolution(spec)
    yield from check_export_to(ROOT + ("exportTo",), spec.exportTo, namespace, service_entry=True)


def _check_hosts(spec: ServiceEntrySpec) -> Iterator[Finding]:
    if not spec.hosts:
        yield error(ROOT + ("hosts",), "service entry must have at least one host")
    for i, host in enumerate(spec.hosts):
        if host == "*":
            yield error(ROOT + ("hosts", i), f"invalid host {host}")
            continue
        if err := wildcard_domain_error(host):
            yield error(ROOT + ("hosts", i), err)
        elif "*" in host and not host.startswith("*.") and spec.resolution != "DYNAMIC_DNS":
            yield warning(ROOT + ("hosts", i), f'partial wildcard "{host}" not allowed')


def _check_addresses(spec: ServiceEntrySpec) -> Iterator[Finding]:
    cidr = False
    for i, addr in enumerate(spec.addresses):
        if "/" in addr:
            cidr = True
            try:
                ipaddress.ip_network(addr, strict=False)
            except ValueError:
                yield error(ROOT + ("addresses", i), f"{addr} is not a valid CIDR block")
        elif not is_ip(addr):
            yield error(ROOT + ("addresses", i), f"{addr} is not a valid IP")
    if cidr and (spec.resolution or "NONE") not in ("NONE", "STATIC"):
        yield error(ROOT + ("addresses",), "CIDR addresses are allowed only for NONE/STATIC resolution types")


def _check_ports(spec: ServiceEntrySpec) -> Iterator[Finding]:
    names: set[str] = set()
    numbers: set[int] = set()
    for i, port in enumerate(spec.ports):
        path = ROOT + ("ports", i)
        if port.name in names:
            yield error(path + ("name",), f'service entry port name "{port.name}" already defined')
        if port.number in numbers:
            yield error(path + ("number",), f"service entry port {port.number} already defined")
        names.add(port.name)
        numbers.add(port.number)
        if not is_dns1123_label(port.name):
            yield error(path + ("name",), f'invalid port name: "{port.name}"')
        if port.protocol and port.protocol.upper() not in PROTOCOLS:  # empty: protocol sniffing
            yield error(path + ("protocol",), f"unsupported protocol: {port.protocol}")


def _check_resolution(spec: ServiceEntrySpec) -> Iterator[Finding]:
    resolution = spec.resolution or "NONE"
    port_names = {p.name for p in spec.ports}
    if resolution == "NONE" and spec.endpoints:
        yield error(ROOT + ("endpoints",), "no endpoints should be provided for resolution type none")
    elif resolution in ("STATIC", "DNS", "DNS_ROUND_ROBIN"):
        for i, ep in enumerate(spec.endpoints):
            yield from _check_endpoint(ROOT + ("endpoints", i), ep, port_names, allow_fqdn=resolution != "STATIC")
    if resolution in ("DNS", "DNS_ROUND_ROBIN") and not spec.endpoints:
        for i, host in enumerate(spec.hosts):
            if host != "*" and (err := dns1123_labels_error(host)):  # "*" is reported already
                yield error(ROOT + ("hosts", i), f"hosts must be FQDN if no endpoints are provided for resolution "
                                                 f"mode {resolution}: {err}")
    if resolution == "DNS_ROUND_ROBIN" and len(spec.endpoints) > 1:
        yield error(ROOT + ("endpoints",), "there must only be 0 or 1 endpoint for resolution mode DNS_ROUND_ROBIN")
    if resolution == "DYNAMIC_DNS":
        for i, host in enumerate(spec.hosts):
            if not host.startswith("*"):
                yield error(ROOT + ("hosts", i), "host must be wildcarded for resolution mode DYNAMIC_DNS")
        if spec.addresses or spec.endpoints:
            yield error(ROOT, "addresses and endpoints cannot be set for resolution type DYNAMIC_DNS")


def _check_endpoint(path: Path, ep: WorkloadEntry, port_names: set[str], allow_fqdn: bool) -> Iterator[Finding]:
    addr = ep.address or ""
    if addr and not addr.startswith("unix://") and not is_ip(addr):
        if not allow_fqdn:
            yield error(path + ("address",), f'endpoint address "{addr}" is not a valid IP address')
        elif dns1123_labels_error(addr):
            yield error(path + ("address",), f'endpoint address "{addr}" is not a valid FQDN or an IP address')
    for name, number in ep.ports.items():
        if name not in port_names:
            yield error(path + ("ports", name), f"endpoint port {number} is not defined by the service entry")
        yield from check_port(path + ("ports", name), number)
    yield from check_labels(path + ("labels",), ep.labels)
