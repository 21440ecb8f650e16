"""Names istiod gives to Envoy resources (model.BuildSubsetKey, BuildDNSSrvSubsetKey, util.DomainName)."""
from __future__ import annotations

OUTBOUND = "outbound"
INBOUND = "inbound"
BLACKHOLE = "BlackHoleCluster"
PASSTHROUGH = "PassthroughCluster"
INBOUND_PASSTHROUGH = "InboundPassthroughCluster"


def subset_key(direction: str, subset: str, host: str, port: int) -> str:
    return f"{direction}|{port}|{subset}|{host}"


def sni_key(direction: str, subset: str, host: str, port: int) -> str:
    return f"{direction}_.{port}_.{subset}_.{host}"


def parse_subset_key(name: str) -> tuple[str, int, str, str] | None:
    """`outbound|80|v1|host` -> (direction, port, subset, host); None for other names."""
    parts = name.split("|")
    if len(parts) != 4 or not parts[1].isdigit():
        return None
    return parts[0], int(parts[1]), parts[2], parts[3]


def domain_name(host: str, port: int) -> str:
    """`host:port`, with IPv6 literals bracketed (net.JoinHostPort)."""
    if ":" in host and not host.startswith("["):
        return f"[{host}]:{port}"
    return f"{host}:{port}"
