"""Translated VirtualService routes kept from one build to the next (`serve --watch`).

The routes of one VirtualService for one sidecar port depend on the VirtualService and on what else the
build reads: services, DestinationRules, the mesh config, the proxy. When only VirtualServices changed
(build/keep.py decides), an unchanged VirtualService (the same parsed object, kept by the reload cache)
gives the same routes, so they are taken from the last build. Roots with delegates are always translated
again: their routes also depend on the delegates, which may be what changed.
"""
from __future__ import annotations

from typing import Any, Callable


class RouteMemo:
    def __init__(self, previous: "RouteMemo | None" = None) -> None:
        self._previous = previous._entries if previous is not None else {}
        self._entries: dict[tuple[int, int], tuple[Any, list[dict]]] = {}

    def routes(self, config: Any, port: int, build: Callable[[], list[dict]]) -> list[dict]:
        """`build()`'s routes for (config, port), or the last build's when config is the same object."""
        key = (id(config), port)
        hit = self._entries.get(key) or self._previous.get(key)
        if hit is None or hit[0] is not config:      # (an id can be reused once its object is gone)
            hit = (config, build())
        self._entries[key] = hit                     # only what this build used is handed on
        return hit[1]
