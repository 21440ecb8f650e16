"""Names istiod gives to Envoy resources (model.BuildSubsetKey, BuildDNSSrvSubsetKey, util.DomainName)."""
from __future__ import annotations

from typing import Any

OUTBOUND = "outbound"
INBOUND = "inbound"
BLACKHOLE = "BlackHoleCluster"
PASSTHROUGH = "PassthroughCluster"
INBOUND_PASSTHROUGH = "InboundPassthroughCluster"


def catch_all_cluster(scope: Any) -> str:
    """Where traffic no service claims goes (httproute.go buildCatchAllVirtualHost and listener_builder.go
    buildOutboundCatchAllNetworkFiltersOnly at 1.17.8 and 1.30.3): BlackHoleCluster under REGISTRY_ONLY;
    under ALLOW_ANY the Sidecar's outboundTrafficPolicy.egressProxy when set, named as
    GetDestinationCluster(egressProxy, nil, 0) names it (the host as written, its port or 0, its subset),
    else PassthroughCluster."""
    if scope.outbound_mode == "REGISTRY_ONLY":
        return BLACKHOLE
    policy = getattr(getattr(scope.sidecar, "spec", None), "outboundTrafficPolicy", None)
    proxy = getattr(policy, "egressProxy", None)
    if proxy is None:
        return PASSTHROUGH
    port = proxy.port.number if proxy.port is not None and proxy.port.number is not None else 0
    return subset_key(OUTBOUND, proxy.subset or "", proxy.host, port)


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
