"""Cluster-name helpers: model.ParseSubsetKey (changed in 1.21) and the name orderings istioctl sorts
clusters, route configs and endpoints with (cluster.go retrieveSortedClusterSlice, route.go).
"""
from __future__ import annotations

import re
from typing import Callable, Iterable

from mesh_compile.emit.go_sort import go_sort_slice
from mesh_compile.emit.table_gates import SUBSET_KEY_CUT, Version, since


def _go_atoi(text: str) -> int:
    """strconv.Atoi with its error ignored: 0 for bad input, clamped to int64 when out of range."""
    if not re.fullmatch(r"[+-]?[0-9]+", text):
        return 0
    value = int(text)
    return max(-(1 << 63), min(value, (1 << 63) - 1))


def parse_subset_key(name: str, version: Version = (1, 30)) -> tuple[str, str, str, int]:
    """(direction, subset, hostname, port) from `dir|port|subset|host`, as model.ParseSubsetKey."""
    srv = name.startswith("outbound_") or name.startswith("inbound_")
    if not since(version, SUBSET_KEY_CUT):
        parts = name.split(".", 3) if srv else name.split("|")
        if len(parts) < 4:
            return "", "", "", 0
        subset = parts[2][:-1] if srv and parts[2].endswith("_") else parts[2]
        direction = parts[0][:-1] if parts[0].endswith("_") else parts[0]
        port_text = parts[1][:-1] if parts[1].endswith("_") else parts[1]
        return direction, subset, parts[3], _go_atoi(port_text)
    sep = "_." if srv else "|"
    pieces = name.split(sep, 3)
    if len(pieces) < 2:
        return "", "", "", 0
    direction = pieces[0]
    if len(pieces) < 3:
        return direction, "", "", 0
    port = _go_atoi(pieces[1])
    if len(pieces) < 4:
        return direction, "", "", port
    host = "" if sep in pieces[3] else pieces[3]
    return direction, pieces[2], host, port


def _safe_subset_key(name: str, version: Version) -> tuple[str, str, str, int]:
    if len(name.split("|")) > 3:
        return parse_subset_key(name, version)
    return "", "", name, 0


def subset_key_less(version: Version) -> Callable[[str, str], bool]:
    """hostname, then subset, then port, then direction (cluster.go retrieveSortedClusterSlice)."""
    def less(a: str, b: str) -> bool:
        a_dir, a_subset, a_host, a_port = _safe_subset_key(a, version)
        b_dir, b_subset, b_host, b_port = _safe_subset_key(b, version)
        if a_host != b_host:
            return a_host < b_host
        if a_subset != b_subset:
            return a_subset < b_subset
        if a_port != b_port:
            return a_port < b_port
        return a_dir < b_dir
    return less


# -o json ordering (facts section 0).
def sort_clusters(clusters: Iterable[dict], version: Version = (1, 30)) -> list[dict]:
    """Dynamic and static clusters in the order `istioctl pc cluster` prints them (table and JSON)."""
    less = subset_key_less(version)
    return go_sort_slice(list(clusters), lambda a, b: less(a.get("name", ""), b.get("name", "")), version)


def _route_name_less(a: dict, b: dict) -> bool:
    a_num, b_num = _go_strict_int(a.get("name", "")), _go_strict_int(b.get("name", ""))
    if a_num is None or b_num is None:
        return False
    return a_num < b_num


def _go_strict_int(text: str) -> int | None:
    """strconv.Atoi success, or None on any error (out of range included)."""
    if not re.fullmatch(r"[+-]?[0-9]+", text):
        return None
    value = int(text)
    return value if -(1 << 63) <= value < (1 << 63) else None


def sort_route_configs(route_configs: Iterable[dict], version: Version = (1, 30)) -> list[dict]:
    """Route configs as `istioctl pc routes` orders them. Give dynamic configs first, then static.

    Only names that parse as integers are compared; every other pair is "equal", so where those
    names end up is whatever Go's pdqsort does with them (usually: where Envoy listed them).
    """
    return go_sort_slice(list(route_configs), _route_name_less, version)


def sort_endpoint_configs(assignments: Iterable[dict], version: Version = (1, 30)) -> list[dict]:
    """ClusterLoadAssignments in `istioctl pc eds` / `pc all` order (same key as clusters)."""
    less = subset_key_less(version)
    return go_sort_slice(list(assignments),
                         lambda a, b: less(a.get("clusterName", ""), b.get("clusterName", "")), version)
