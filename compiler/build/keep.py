"""Keeping what a reload cannot have changed (`serve --watch`): a proxy's clusters and endpoints when
only VirtualServices changed, everything when nothing did.

A proxy's clusters and endpoints are functions of the proxy, services, workloads, DestinationRules,
ServiceEntries, Sidecars, Gateways and the mesh config (build/clusters.py, endpoints.py, sni_dnat.py).
VirtualServices reach them in one way only: a Sidecar with egress hosts adds the destinations of the
VirtualServices it imports to CDS (index/sidecar_scope.py, istiod's SidecarScope). A gateway's clusters
are every visible service's, not only the hosts bound to it (istiod filters them only with
PILOT_FILTER_GATEWAY_CLUSTER_CONFIG=true, off by default: istio-facts 4.4). Listeners read VirtualServices
only for their tcp and tls routes (a sidecar's listener_outbound.py and tcp_routes.py, a gateway's
listener_gateway.py): when the VirtualServices that have any are the very same objects, in the same order,
the listeners are kept too. Everything else a VirtualService changes is routes, which are built again
(a sidecar reusing unchanged VirtualServices' routes, route_memo.py).
"""
from __future__ import annotations

from typing import Any

from mesh_compile.index.mesh_index import same_objects

ROUTE_ONLY_KINDS = frozenset({"VirtualService"})


def proxy_key(proxy: Any) -> tuple:
    return (proxy.name, proxy.namespace, proxy.type, tuple(sorted(proxy.labels.items())), proxy.ip,
            proxy.service_account, tuple(sorted(proxy.gateway_ports.items())))


def keep_unchanged(cfg: Any, previous: Any, changed: set[str]) -> list[str]:
    """Give `cfg` (a fresh, unbuilt ProxyConfig) the kinds of `previous` (the same proxy compiled
    before the changes of kinds `changed`) that those changes cannot touch; -> the kinds kept."""
    if proxy_key(cfg.proxy) != proxy_key(previous.proxy) or cfg.behaviour != previous.behaviour:
        return []
    route_only = changed <= ROUTE_ONLY_KINDS
    if route_only and not cfg.proxy.is_gateway:
        cfg.route_memo = previous.route_memo           # unchanged VirtualServices keep their routes
    elif previous.route_memo is not None:
        cfg.route_memo = previous.route_memo.hosts_only()   # equal virtual hosts stay the same objects
    if not changed:
        kinds = ["clusters", "endpoints", "routes", "listeners"]
    elif route_only:
        kinds = ((["clusters", "endpoints"] if _no_egress_scoping(cfg) else [])
                 + (["listeners"] if _same_l4_routes(cfg.index, previous.index) else []))
    else:
        return []
    kept = [kind for kind in kinds if kind in vars(previous)]
    for kind in kept:
        vars(cfg)[kind] = vars(previous)[kind]    # ProxyConfig's cached_property slot
    return kept


def _no_egress_scoping(cfg: Any) -> bool:
    """No Sidecar with egress hosts applies (never to a gateway): VirtualService destinations do not
    reach CDS."""
    sidecar = cfg.scope.sidecar
    return sidecar is None or not sidecar.spec.egress


def _same_l4_routes(index: Any, previous: Any) -> bool:
    """The VirtualServices with tcp or tls routes are the same objects in the same order in both indexes."""
    def l4(ix: Any) -> list[Any]:
        return [vs.config for vs in ix.virtual_services if vs.spec.tcp or vs.spec.tls]
    return same_objects(l4(index), l4(previous))
