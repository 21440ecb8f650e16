"""Per-build memo of resource parts shared by many resources (clusters of one DestinationRule, routes of
one VirtualService on several ports).

A part is keyed by the model object it is made from (by identity: pydantic models are not hashable) and a
tag. The memo holds each key object, so its id cannot be reused by another object while the memo
lives (delegate routes are fresh copies that would otherwise be freed). The parts are shared objects in
the output: no builder or emitter mutates an emitted dict (proto/ads copies before it rewrites one).
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Callable, Hashable


class PartsMemo:
    def __init__(self) -> None:
        self._parts: dict[Hashable, tuple[Any, Any]] = {}

    def of(self, obj: Any, tag: Hashable, make: Callable[[], Any]) -> Any:
        """make()'s result for (this very object, tag), made once."""
        key = (tag, id(obj))
        hit = self._parts.get(key)
        if hit is None:
            hit = self._parts[key] = (obj, make())
        return hit[1]


@lru_cache(maxsize=4096)
def proto_duration(text: str) -> str:
    """A model duration ("30s", "1.5s") as proto3 JSON, parsed once per distinct text (thousands of routes
    and clusters repeat a few values). A bad value raises ValueError every time, as the parse does."""
    from mesh_compile.model.duration import parse_duration, to_proto_duration
    return to_proto_duration(parse_duration(text))
