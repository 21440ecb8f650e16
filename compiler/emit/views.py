"""What `istioctl proxy-config <kind> -o json` prints for a compiled proxy: istioctl's filters and its
ordering (tables.py holds the Go-faithful sort and filter rules; this picks them per kind)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mesh_compile.emit import tables as T
from mesh_compile.emit.endpoints_view import endpoint_statuses


@dataclass
class Filters:
    name: str | None = None        # routes
    fqdn: str | None = None        # cluster
    port: int | None = None        # cluster, listener
    subset: str | None = None      # cluster
    direction: str | None = None   # cluster
    address: str | None = None     # listener
    cluster: str | None = None     # endpoint


def routes(cfg: Any, f: Filters = Filters()) -> list[dict]:
    version = cfg.behaviour.version
    # dynamic route configs first, then the bootstrap's unnamed static ones (facts 0)
    everything = list(cfg.routes) + list(cfg.static_routes)
    return T.sort_route_configs(T.filter_route_configs(everything, name=f.name or ""), version)


def clusters(cfg: Any, f: Filters = Filters()) -> list[dict]:
    version = cfg.behaviour.version
    kept = T.filter_clusters(list(cfg.clusters) + list(cfg.static_clusters), fqdn=f.fqdn or "", port=f.port or 0, subset=f.subset or "",
                             direction=f.direction or "")
    return T.sort_clusters(kept, version)


def listeners(cfg: Any, f: Filters = Filters()) -> list[dict]:
    return T.filter_listeners(list(cfg.listeners) + list(cfg.static_listeners), address=f.address or "", port=f.port or 0,
                              version=cfg.behaviour.version)


def endpoints(cfg: Any, f: Filters = Filters()) -> list[dict]:
    """The /clusters host-status view that `pc endpoint` prints."""
    statuses = endpoint_statuses(list(cfg.clusters) + list(cfg.static_clusters), cfg.endpoints,
                                 static_names=[c["name"] for c in cfg.static_clusters])
    return T.filter_endpoint_statuses(statuses, cluster=f.cluster or "")


def assignments(cfg: Any) -> list[dict]:
    """ClusterLoadAssignments in istioctl's EDS order."""
    return T.sort_endpoint_configs(cfg.endpoints, cfg.behaviour.version)


VIEWS = {"routes": routes, "cluster": clusters, "listener": listeners, "endpoint": endpoints}
