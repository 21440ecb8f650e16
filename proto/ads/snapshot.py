"""Resource dicts -> versioned protobuf resources, ready to put in a DiscoveryResponse.

A resource's version is a hash of its deterministic serialization, so the same config always has
the same version (across restarts too) and an unchanged resource is recognisably unchanged.
"""
from __future__ import annotations

import hashlib
from functools import partial
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Optional

from google.protobuf.any_pb2 import Any as AnyProto

from . import typeurls
from .reuse import ReuseCache
from .splice import reuse_key, route_config_bytes


@dataclass(frozen=True)
class Resource:
    type_url: str
    name: str
    version: str
    body: AnyProto  # the packed resource

    def key(self) -> tuple[str, str]:
        return self.name, self.version


@dataclass
class Snapshot:
    """Everything served to one proxy: type URL -> name -> Resource. Immutable once built."""

    resources: dict[str, dict[str, Resource]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)   # resources that could not be encoded

    def of(self, type_url: str) -> dict[str, Resource]:
        return self.resources.get(type_url, {})

    def versions(self) -> dict[str, dict[str, str]]:
        return {t: {n: r.version for n, r in rs.items()} for t, rs in self.resources.items()}

    def same_versions(self, other: "Snapshot") -> bool:
        """versions() == other.versions(), without building both: a reload hands over most resources (and
        whole lists of them) as the very objects of the last build (reuse.py)."""
        if self.resources.keys() != other.resources.keys():
            return False
        for type_url, mine in self.resources.items():
            theirs = other.resources[type_url]
            if mine is theirs:
                continue
            if mine.keys() != theirs.keys():
                return False
            for name, resource in mine.items():
                old = theirs[name]
                if old is not resource and old.version != resource.version:
                    return False
        return True

    def counts(self) -> str:
        return ", ".join(f"{len(self.of(t))} {typeurls.ATTRIBUTE[t]}" for t in typeurls.PUSH_ORDER)


def describe(resources: list[Resource], limit: int = 3) -> str:
    """`name@version, ... and N more` for logs."""
    shown = ", ".join(f"{r.name}@{r.version[:8]}" for r in resources[:limit])
    return shown + (f" and {len(resources) - limit} more" if len(resources) > limit else "")


def version_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def combined_version(pairs: Iterable[tuple[str, str]]) -> str:
    """One version for a set of (name, version): what a SotW response's version_info says."""
    h = hashlib.sha256()
    for name, version in sorted(pairs):
        h.update(name.encode() + b"\0" + version.encode() + b"\n")
    return h.hexdigest()[:16]


def build_snapshot(resources: Mapping[str, list[dict]], cache: Optional[ReuseCache] = None) -> Snapshot:
    """Encode resource dicts keyed "clusters"/"listeners"/"routes"/"endpoints" (ProxyConfig names).
    With a cache (one per view, kept between builds) a resource encoded in the previous build is not
    parsed and serialized again: protobuf's ParseDict was most of a rebuild's time."""
    cache = cache if cache is not None else ReuseCache()
    snap = Snapshot()
    for type_url in typeurls.PUSH_ORDER:
        kind = typeurls.KIND[type_url]
        items = resources.get(typeurls.ATTRIBUTE[type_url], [])
        # a list localise handed over unchanged is found by identity
        snap.resources[type_url], problems = cache.reuse(items, ("list", type_url), lambda: None,
                                                         partial(_encode_list, type_url, kind, items, cache))
        snap.problems.extend(problems)
    cache.finish()
    return snap


def _encode_list(type_url: str, kind: str, items: list[dict],
                 cache: ReuseCache) -> tuple[dict[str, Resource], list[str]]:
    """The resources of one type by name, and the problems that kept some from being served."""
    by_name: dict[str, Resource] = {}
    problems: list[str] = []
    for item in items:
        encoded = cache.reuse(item, None, partial(reuse_key, kind, item, kind == "route"),
                              partial(_encode, type_url, kind, item, cache))
        if isinstance(encoded, str):
            problems.append(encoded)
            continue
        if encoded.name in by_name:
            problems.append(f"not served: a second {kind} named {encoded.name!r}")
            continue
        by_name[encoded.name] = encoded
    return by_name, problems


def _encode(type_url: str, kind: str, item: dict, cache: ReuseCache) -> Resource | str:
    """The versioned resource, or the problem that keeps it from being served. Large route configs
    are encoded one virtual host at a time (splice.py), reusing the hosts that did not change."""
    from mesh_compile_xds.messages import ResourceError, resource_name, to_message

    name = resource_name(kind, item) or ""
    data = route_config_bytes(item, cache) if kind == "route" else None
    if data is None:
        try:
            msg = to_message(kind, item)
        except ResourceError as err:
            return f"not served: {err}"
        data = msg.SerializeToString(deterministic=True)
    return Resource(type_url, name, version_of(data), AnyProto(type_url=type_url, value=data))
