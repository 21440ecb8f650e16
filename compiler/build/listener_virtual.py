"""The sidecar's virtualOutbound listener, 0.0.0.0:15001 (listener_builder.go buildVirtualOutboundListener,
buildOutboundCatchAllNetworkFilterChains, blackholeFilterChain; the same in 1.17.8 v1alpha3/listener_builder.go
and 1.30.3 core/listener_builder.go).

iptables redirects every outbound connection to 15001. The listener hands it to the outbound listener of its
original destination (`useOriginalDst`); what no outbound listener takes falls to its own chains: a blackhole
for connections addressed to 15001 itself (no loop back into the listener), then the catch-all tcp_proxy to
PassthroughCluster, or BlackHoleCluster under outboundTrafficPolicy REGISTRY_ONLY.

Left out, as for every listener here: the telemetry network filters (istio.stats) before each tcp_proxy.
"""
from __future__ import annotations

from typing import Any

from mesh_compile.build import listener_parts as LP
from mesh_compile.build.names import BLACKHOLE
from mesh_compile.versions import Behaviour

VIRTUAL_OUTBOUND = "virtualOutbound"              # model.VirtualOutboundListenerName
BLACKHOLE_CHAIN = "virtualOutbound-blackhole"     # model.VirtualOutboundBlackholeFilterChainName
CATCHALL_CHAIN = "virtualOutbound-catchall-tcp"   # model.VirtualOutboundCatchAllTCPFilterChainName
PROXY_LISTEN_PORT = 15001                         # mesh proxyListenPort default
WILDCARD = "0.0.0.0"


def build_virtual_outbound(cluster: str, b: Behaviour) -> dict:
    """Keys in Listener declaration order: name, address, filterChains, useOriginalDst, trafficDirection,
    maxConnectionsToAcceptPerSocketEvent (1.26+, features.MaxConnectionsToAcceptPerSocketEvent = 1)."""
    # `cluster`: names.catch_all_cluster (PassthroughCluster, BlackHoleCluster or the egress proxy)
    chains = [
        {"filterChainMatch": {"destinationPort": PROXY_LISTEN_PORT},
         "filters": [LP.tcp_proxy(BLACKHOLE, cluster=BLACKHOLE)],
         "name": BLACKHOLE_CHAIN},
        {"filters": [LP.tcp_proxy(cluster, cluster=cluster)], "name": CATCHALL_CHAIN},
    ]
    out: dict[str, Any] = {
        "name": VIRTUAL_OUTBOUND,
        "address": LP.address(WILDCARD, PROXY_LISTEN_PORT),
        "filterChains": chains,
        "useOriginalDst": True,
        "trafficDirection": "OUTBOUND",
    }
    if b.max_connections_per_socket_event:
        out["maxConnectionsToAcceptPerSocketEvent"] = 1
    return out
