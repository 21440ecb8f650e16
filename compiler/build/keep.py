"""Keeping what a reload cannot have changed (`serve --watch`): a proxy's clusters and endpoints when
only VirtualServices changed, everything when nothing did.

A sidecar's clusters and endpoints are functions of the proxy, services, workloads, DestinationRules,
ServiceEntries, Sidecars and the mesh config (build/clusters.py, endpoints.py). VirtualServices reach them
in two ways only: a Sidecar with egress hosts adds the destinations of the VirtualServices it imports to
CDS (index/sidecar_scope.py, istiod's SidecarScope), and a gateway's clusters follow the hosts bound to
it. Everything else a VirtualService changes is routes and listeners, which are built again.
"""
from __future__ import annotations

from typing import Any

ROUTE_ONLY_KINDS = frozenset({"VirtualService"})


def proxy_key(proxy: Any) -> tuple:
    return (proxy.name, proxy.namespace, proxy.type, tuple(sorted(proxy.labels.items())), proxy.ip,
            proxy.service_account, tuple(sorted(proxy.gateway_ports.items())))


def keep_unchanged(cfg: Any, previous: Any, changed: set[str]) -> list[str]:
    """Give `cfg` (a fresh, unbuilt ProxyConfig) the kinds of `previous` (the same proxy compiled
    before the changes of kinds `changed`) that those changes cannot touch; -> the kinds kept."""
    if proxy_key(cfg.proxy) != proxy_key(previous.proxy) or cfg.behaviour != previous.behaviour:
        return []
    route_only = changed <= ROUTE_ONLY_KINDS and not cfg.proxy.is_gateway
    if route_only:
        cfg.route_memo = previous.route_memo           # unchanged VirtualServices keep their routes
    elif previous.route_memo is not None:
        cfg.route_memo = previous.route_memo.hosts_only()   # equal virtual hosts stay the same objects
    if not changed:
        kinds = ["clusters", "endpoints", "routes", "listeners"]
    elif route_only and _no_egress_scoping(cfg):
        kinds = ["clusters", "endpoints"]
    else:
        return []
    kept = [kind for kind in kinds if kind in vars(previous)]
    for kind in kept:
        vars(cfg)[kind] = vars(previous)[kind]    # ProxyConfig's cached_property slot
    return kept


def _no_egress_scoping(cfg: Any) -> bool:
    """No Sidecar with egress hosts applies: VirtualService destinations do not reach CDS."""
    sidecar = cfg.scope.sidecar
    return sidecar is None or not sidecar.spec.egress
