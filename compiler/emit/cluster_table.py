"""`istioctl pc cluster`: the table and its filter."""
from __future__ import annotations

from typing import Iterable

from mesh_compile.emit.go_tabwriter import tabwrite
from mesh_compile.emit.subset_keys import parse_subset_key, sort_clusters
from mesh_compile.emit.table_cells import (CLUSTER_TYPES, NothingToShow, as_text, describe_management, enum_name,
                                           tab_row)
from mesh_compile.emit.table_gates import Version


def filter_clusters(clusters: Iterable[dict], *, fqdn: str = "", port: int = 0, subset: str = "",
                    direction: str = "") -> list[dict]:
    """istioctl's ClusterFilter: plain substring tests on the cluster name, `|port|` for the port."""
    def keep(name: str) -> bool:
        if fqdn and fqdn not in name:
            return False
        if direction and direction not in name:
            return False
        if subset and subset not in name:
            return False
        return not port or f"|{port}|" in name
    return [c for c in clusters if keep(c.get("name", ""))]


def clusters_table(clusters: list[dict], version: Version, *, with_name_column: bool = False) -> str:
    """`istioctl pc cluster` (with_name_column: the `pc all` layout with `cluster/<name>`)."""
    if not clusters:
        raise NothingToShow("no clusters found")
    text = ("NAME\t" if with_name_column else "") + "SERVICE FQDN\tPORT\tSUBSET\tDIRECTION\tTYPE\tDESTINATION RULE\n"
    for cluster in sort_clusters(clusters, version):
        text += _cluster_row(cluster, version, with_name_column)
    return tabwrite(text, padding=5)


def _cluster_row(cluster: dict, version: Version, with_name_column: bool) -> str:
    name = as_text(cluster.get("name"))
    ctype = enum_name(cluster.get("type"), CLUSTER_TYPES)
    rule = describe_management(cluster.get("metadata"), version)
    if len(name.split("|")) > 3:
        direction, subset, fqdn, port = parse_subset_key(name, version)
        subset = subset or "-"
        if with_name_column:
            return tab_row(f"cluster/{name}", fqdn, port, subset, direction, ctype, rule)
        return tab_row(fqdn, port, subset, direction, ctype, rule)
    if with_name_column and name:
        return tab_row(f"cluster/{name}", f"cluster/{name}", "-", "-", "-", ctype, rule)
    return tab_row(name, "-", "-", "-", ctype, rule)
