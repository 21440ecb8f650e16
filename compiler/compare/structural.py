"""Structural comparison of two sets of Envoy resources (normalize.py's shape).

Resources are paired by name. Inside one, objects are compared key by key. Lists come in two sorts:
* sets keyed by name, where Envoy does not care about order (SET_KEYED), e.g. virtual hosts, which Envoy
  picks by domain;
* everything else in order, because Envoy reads them in order: routes within a vhost (first match wins),
  domains, filter chains, network and HTTP filters, lbEndpoints, weighted clusters. They are aligned first
  (difflib), so one inserted route reads as one addition, not as every later route changed; a moved item
  reads as removed at its old index and added at its new one.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Any, Iterator

import orjson

from mesh_compile.compare.normalize import KINDS

# list field name -> the key its elements are paired by; order does not matter to Envoy.
SET_KEYED = {"virtualHosts": "name"}


class _Absent:
    """The value on the side where something does not exist."""

    def __repr__(self) -> str:
        return "ABSENT"

    def __bool__(self) -> bool:
        return False


ABSENT: Any = _Absent()
CHANGED, ADDED, REMOVED = "changed", "added", "removed"


@dataclass(frozen=True)
class Difference:
    resource_kind: str
    resource_name: str
    json_path: str                       # "" for a whole resource, else `.a.b[0]["k"]`-style
    old: Any
    new: Any
    parts: tuple = field(default=(), compare=False, repr=False)   # path components, for ignore globs

    @property
    def change(self) -> str:
        if self.old is ABSENT:
            return ADDED
        return REMOVED if self.new is ABSENT else CHANGED

    @property
    def full_path(self) -> str:
        return f"{self.resource_kind}/{self.resource_name}{self.json_path}"

    def prefixes(self) -> Iterator[str]:
        """The path and every ancestor of it down to KIND/NAME (what an ignore glob may match)."""
        path = f"{self.resource_kind}/{self.resource_name}"
        yield path
        for part in self.parts:
            path += format_part(part)
            yield path


_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def format_part(part: Any) -> str:
    if isinstance(part, int):
        return f"[{part}]"
    if _IDENT.match(part):
        return f".{part}"
    return "[" + orjson.dumps(part).decode() + "]"


def format_path(parts: tuple) -> str:
    return "".join(format_part(p) for p in parts)


# ---- comparing -------------------------------------------------------------------------------------
def compare(old: dict[str, dict[str, dict]], new: dict[str, dict[str, dict]],
            kinds: tuple[str, ...] = KINDS, ignore: Any = None) -> list[Difference]:
    """Every difference between two {kind: {name: resource}} maps, for the given kinds. `ignore` (an
    IgnoreSet) drops differences whose path or an ancestor of it matches."""
    out: list[Difference] = []
    for kind in kinds:
        a, b = old.get(kind, {}), new.get(kind, {})
        for name in _union(a, b):
            out.extend(compare_resource(kind, name, a.get(name, ABSENT), b.get(name, ABSENT)))
    if ignore:
        out = [d for d in out if not ignore.matches(d.prefixes())]
    return out


def compare_resource(kind: str, name: str, old: Any, new: Any) -> list[Difference]:
    return [Difference(kind, name, format_path(parts), o, n, parts) for parts, o, n in walk(old, new, ())]


def _union(a: dict, b: dict) -> list[str]:
    """Names of both sides: the old side's order, then what only the new side has."""
    return list(a) + [k for k in b if k not in a]


def walk(old: Any, new: Any, path: tuple) -> Iterator[tuple[tuple, Any, Any]]:
    """(path, old, new) for every place the two values differ."""
    if old is ABSENT or new is ABSENT:
        if old is not new:
            yield path, old, new
        return
    if type(old) is type(new) and old == new:
        return
    if isinstance(old, dict) and isinstance(new, dict):
        for key in _union(old, new):
            yield from walk(old.get(key, ABSENT), new.get(key, ABSENT), path + (key,))
    elif isinstance(old, list) and isinstance(new, list):
        key = SET_KEYED.get(path[-1]) if path and isinstance(path[-1], str) else None
        if key and _keyed(old, key) is not None and _keyed(new, key) is not None:
            yield from _walk_set(_keyed(old, key), _keyed(new, key), path)
        else:
            yield from _walk_sequence(old, new, path)
    elif _same_scalar(old, new):
        return
    else:
        yield path, old, new


def _same_scalar(a: Any, b: Any) -> bool:
    # JSON 1 and 1.0 are the same number; True is not 1.
    return (isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool)
            and not isinstance(b, bool) and a == b)


def _keyed(items: list, key: str) -> dict | None:
    """Elements by their key; None when one lacks it or two share it (then compare in order)."""
    out: dict = {}
    for item in items:
        k = item.get(key) if isinstance(item, dict) else None
        if not isinstance(k, str) or k in out:
            return None
        out[k] = item
    return out


def _walk_set(old: dict, new: dict, path: tuple) -> Iterator[tuple[tuple, Any, Any]]:
    for k in _union(old, new):
        yield from walk(old.get(k, ABSENT), new.get(k, ABSENT), path + (k,))


def identity(item: Any) -> str:
    """What makes two list elements 'the same element' for alignment: its name, else its match (routes,
    filter chains), else all of it."""
    if isinstance(item, dict):
        for key in ("name", "match", "filterChainMatch", "clusterName"):
            if key in item:
                return key + "=" + orjson.dumps(item[key], option=orjson.OPT_SORT_KEYS).decode()
    return orjson.dumps(item, option=orjson.OPT_SORT_KEYS).decode()


def _walk_sequence(old: list, new: list, path: tuple) -> Iterator[tuple[tuple, Any, Any]]:
    matcher = difflib.SequenceMatcher(None, [identity(x) for x in old], [identity(x) for x in new],
                                      autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for i, j in zip(range(i1, i2), range(j1, j2)):
                yield from walk(old[i], new[j], path + (j,))
            continue
        # replaced, inserted or deleted: pair up what is on both sides (same position), then the rest
        paired = min(i2 - i1, j2 - j1)
        for k in range(paired):
            yield from walk(old[i1 + k], new[j1 + k], path + (j1 + k,))
        for i in range(i1 + paired, i2):
            yield path + (i,), old[i], ABSENT
        for j in range(j1 + paired, j2):
            yield path + (j,), ABSENT, new[j]


def by_resource(diffs: list[Difference]) -> dict[tuple[str, str], list[Difference]]:
    """Differences grouped per resource, in the order found."""
    out: dict[tuple[str, str], list[Difference]] = {}
    for d in diffs:
        out.setdefault((d.resource_kind, d.resource_name), []).append(d)
    return out
