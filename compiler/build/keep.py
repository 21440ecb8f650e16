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
    if changed <= ROUTE_ONLY_KINDS and not cfg.proxy.is_gateway:
        cfg.route_memo = previous.route_memo           # unchanged VirtualServices keep their routes
    kinds = ["clusters", "endpoints", "routes", "listeners"] if not changed else ["clusters", "endpoints"]
    if changed and not _clusters_ignore(cfg, changed):
        return []
    kept = [kind for kind in kinds if kind in vars(previous)]
    for kind in kept:
        vars(cfg)[kind] = vars(previous)[kind]    # ProxyConfig's cached_property slot
    return kept


def _clusters_ignore(cfg: Any, changed: set[str]) -> bool:
    if not changed <= ROUTE_ONLY_KINDS or cfg.proxy.is_gateway:
        return False
    sidecar = cfg.scope.sidecar
    return sidecar is None or not sidecar.spec.egress
