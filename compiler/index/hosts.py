"""Host names: short-name resolution and wildcard matching, as istiod does at config load.

facts 2.4: a name without a dot becomes `<name>.<ns>.svc.<domainSuffix>`; anything with a dot is literal.
"""
from __future__ import annotations

import ipaddress
from functools import lru_cache


@lru_cache(maxsize=65536)
def is_ip(text: str) -> bool:
    # an IPv4 address starts with a digit and an IPv6 one holds a colon: the common hostnames are answered
    # without the parse and its exception (a thousand services' vhosts ask)
    if not text or not (text[0].isdigit() or ":" in text):
        return False
    try:
        ipaddress.ip_address(text)
        return True
    except ValueError:
        return False


@lru_cache(maxsize=65536)
def resolve_short_name(host: str, namespace: str, domain_suffix: str = "cluster.local") -> str:
    if not host or host == "*" or "." in host or is_ip(host):
        return host
    return f"{host}.{namespace}.svc.{domain_suffix}"


def is_wildcard(host: str) -> bool:
    return host.startswith("*")


def host_matches(pattern: str, host: str) -> bool:
    """`*.foo.com` matches `a.foo.com` and `*.b.foo.com`; `*` matches everything; else exact (case-insensitive)."""
    pattern, host = pattern.lower(), host.lower()
    if pattern == "*":
        return True
    if pattern.startswith("*"):
        suffix = pattern[1:]
        if host.startswith("*"):
            return host[1:].endswith(suffix)
        return host.endswith(suffix)
    return pattern == host


def hosts_intersect(a: str, b: str) -> str | None:
    """The more specific of two matching hosts (host.Names intersection), or None."""
    if host_matches(a, b):
        return b
    if host_matches(b, a):
        return a
    return None


def specificity_key(host: str) -> tuple[int, int]:
    """Sort key: exact hosts first, then longer wildcards first (most specific match wins)."""
    return (1 if is_wildcard(host) else 0, -len(host))


def resolve_gateway_name(name: str, namespace: str) -> str:
    """VS `gateways` entries -> `ns/name`; `mesh` stays; `name.ns.svc.cluster.local` -> `ns/name`."""
    if name == "mesh":
        return name
    if "/" in name:
        ns, _, gw = name.partition("/")
        return f"{namespace if ns == '.' else ns}/{gw}"
    if "." in name:
        parts = name.split(".")
        return f"{parts[1]}/{parts[0]}"
    return f"{namespace}/{name}"
