"""Translated VirtualService routes kept from one build to the next (`serve --watch`).

The routes of one VirtualService for one sidecar port depend on the VirtualService and on what else the
build reads: services, DestinationRules, the mesh config, the proxy. When only VirtualServices changed
(build/keep.py decides), an unchanged VirtualService (the same parsed object, kept by the reload cache)
gives the same routes, so they are taken from the last build. Roots with delegates are always translated
again: their routes also depend on the delegates, which may be what changed.

Virtual hosts are handed over as the very objects of the last build when they come out equal to it, so
the server's later stages (proto/ads/local.py, snapshot.py) find them by identity instead of walking or
serializing thousands of unchanged hosts again. Equality makes this safe whatever changed; built
resources are never changed afterwards.

When only VirtualServices changed, a port's virtual hosts are also cut as last time (PortLayout) as long as
every imported VirtualService has the same hosts and gives routes where it gave them: which services a
VirtualService binds, the extra hosts, the default routes, names and domains are then all the same, and
only the routes of edited VirtualServices are put in.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable


@dataclass
class PortLayout:
    """How one port's virtual hosts were made (build/sidecar_routes.py _virtual_hosts)."""

    hosts_key: tuple                      # the hosts of each VirtualService imported on the port, in order
    services: list[Any]                   # the port's services, trimmed to it (services_for_port)
    bound: list[tuple[int, list[Any], list[str]]]   # (VirtualService position, its services, extra hosts)
    nonempty: tuple[bool, ...]            # per `bound` entry: whether its VirtualService gave routes
    sources: list[int]                    # per virtual host: its `bound` entry, -1 for a default route
    vhosts: list[dict]


class RouteMemo:
    def __init__(self, previous: "RouteMemo | None" = None) -> None:
        self._previous = previous._entries if previous is not None else {}
        self._entries: dict[tuple[int, int], tuple[Any, list[dict]]] = {}
        self._previous_hosts = previous._hosts if previous is not None else {}
        self._hosts: dict[tuple[int, str], dict] = {}
        self._previous_layouts = previous._layouts if previous is not None else {}
        self._layouts: dict[int, PortLayout] = {}

    def routes(self, config: Any, port: int, build: Callable[[], list[dict]],
               keep: Callable[[], bool] = lambda: True) -> list[dict]:
        """`build()`'s routes for (config, port), or the last build's when config is the same object.
        `keep()`: whether these routes may be kept for the next build (asked only when built)."""
        key = (id(config), port)
        hit = self._entries.get(key) or self._previous.get(key)
        if hit is None or hit[0] is not config:      # (an id can be reused once its object is gone)
            if not keep():
                return build()
            hit = (config, build())
        self._entries[key] = hit                     # only what this build used is handed on
        return hit[1]

    def layout(self, port: int) -> PortLayout | None:
        """The port's layout in the last build, when only VirtualServices changed since (build/keep.py)."""
        return self._previous_layouts.get(port)

    def keep_layout(self, port: int, layout: PortLayout) -> None:
        self._layouts[port] = layout

    def same_hosts(self, port: int, vhosts: list[dict]) -> None:
        """Hand on virtual hosts taken from the last build as they are (no comparison needed)."""
        for vhost in vhosts:
            self._hosts[(port, vhost["name"])] = vhost

    def hosts_only(self) -> "RouteMemo":
        """A memo with this one's virtual hosts but no routes: what any reload may keep (the equality
        check makes hosts safe to offer whatever changed; routes need build/keep.py's conditions)."""
        memo = RouteMemo()
        memo._hosts = self._hosts            # (no layouts either: they hold routes)
        return memo

    def virtual_host(self, port: int, vhost: dict) -> dict:
        """`vhost`, or the equal virtual host of the same name and port from the last build (or this one).
        Unchanged routes are the same lists (routes() above), so the comparison is mostly identity."""
        key = (port, vhost["name"])
        old = self._hosts.get(key) or self._previous_hosts.get(key)
        kept = old if old is not None and old == vhost else vhost
        self._hosts[key] = kept
        return kept
