"""Resource dicts -> versioned protobuf resources, ready to put in a DiscoveryResponse.

A resource's version is a hash of its deterministic serialization, so the same config always has
the same version (across restarts too) and an unchanged resource is recognisably unchanged.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Iterable, Mapping

from google.protobuf.any_pb2 import Any as AnyProto

from . import typeurls


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


def build_snapshot(resources: Mapping[str, list[dict]]) -> Snapshot:
    """Encode resource dicts keyed "clusters"/"listeners"/"routes"/"endpoints" (ProxyConfig names)."""
    from mesh_compile_xds.messages import ResourceError, resource_name, to_message

    snap = Snapshot()
    for type_url in typeurls.PUSH_ORDER:
        kind = typeurls.KIND[type_url]
        by_name: dict[str, Resource] = {}
        for item in resources.get(typeurls.ATTRIBUTE[type_url], []):
            name = resource_name(kind, item) or ""
            try:
                msg = to_message(kind, item)
            except ResourceError as err:
                snap.problems.append(f"not served: {err}")
                continue
            data = msg.SerializeToString(deterministic=True)
            if name in by_name:
                snap.problems.append(f"not served: a second {kind} named {name!r}")
                continue
            by_name[name] = Resource(type_url, name, version_of(data), AnyProto(type_url=type_url, value=data))
        snap.resources[type_url] = by_name
    return snap
