"""Reusing per-resource work from one build of a view to the next.

`serve --watch` rebuilds a view after every input edit, yet most resources come out of the compiler
unchanged. Rewriting and encoding thousands of resources again took seconds at N=1000, so results are
kept keyed by the resource's JSON bytes (orjson keeps insertion order, so the same dict gives the same
bytes): an unchanged resource costs one orjson.dumps. A resource the compiler handed over again as the
very same object (it keeps what an edit cannot touch: mesh_compile.build.keep) is found by identity and
costs nothing. Only entries used by the latest build are kept, so the cache never holds more than one
build's worth.
"""
from __future__ import annotations

from typing import Any, Hashable, Optional

import orjson


def content_key(kind: str, value: Any) -> Optional[tuple[str, bytes]]:
    """(kind, JSON bytes) of a resource dict; None when it is not plain JSON data (then: no reuse)."""
    try:
        return kind, orjson.dumps(value)
    except (TypeError, orjson.JSONEncodeError):
        return None


class ReuseCache:
    """Results of the current build and the previous one; `finish()` ends a build."""

    def __init__(self) -> None:
        self._previous: dict[Hashable, Any] = {}
        self._current: dict[Hashable, Any] = {}
        self._same_previous: dict[tuple[int, Hashable], tuple[Any, Any]] = {}
        self._same_current: dict[tuple[int, Hashable], tuple[Any, Any]] = {}

    def get_same(self, obj: Any, variant: Hashable = None) -> Any:
        """The result stored for this very object (and variant) in this build or the previous one."""
        key = (id(obj), variant)
        found = self._same_current.get(key) or self._same_previous.get(key)
        if found is None or found[0] is not obj:        # (an id is reused once its object is gone)
            return None
        self._same_current[key] = found
        return found[1]

    def put_same(self, obj: Any, value: Any, variant: Hashable = None) -> None:
        self._same_current[(id(obj), variant)] = (obj, value)

    def get(self, key: Optional[Hashable]) -> Any:
        """The result stored under key in this build or the previous one, else None."""
        if key is None:
            return None
        found = self._current.get(key)
        if found is None:
            found = self._previous.get(key)
            if found is not None:
                self._current[key] = found
        return found

    def put(self, key: Optional[Hashable], value: Any) -> None:
        if key is not None:
            self._current[key] = value

    def finish(self) -> None:
        """Forget what the build just ended did not use."""
        self._previous, self._current = self._current, {}
        self._same_previous, self._same_current = self._same_current, {}

    def __len__(self) -> int:
        return len(self._current) + len(self._previous)
