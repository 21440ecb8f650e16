"""The text tables `istioctl proxy-config ... -o short` prints, for istioctl 1.17 to 1.30.

Inputs are plain dicts in istioctl's camelCase JSON form (Cluster, RouteConfiguration, Listener,
ClusterLoadAssignment, admin ClusterStatus). The rules were learnt from istioctl's writers
(istioctl/pkg/writer/envoy/configdump/{cluster,route,listener,endpoint}.go,
istioctl/pkg/writer/envoy/clusters/clusters.go, istioctl/pkg/writer/compare/sds/writer.go) at every
minor tag from 1.17 to 1.30, taking the last patch release of each minor as its behaviour.

This module is the entry point (`all_tables`, and every public name re-exported). Byte parity needs
three pieces of Go, each emulated in its own module:
* text/tabwriter (column blocks, padding, trailing spaces): go_tabwriter.py;
* sort.Slice, i.e. Go's pattern-defeating quicksort: istioctl's route comparator is not a strict
  weak order (non-numeric names compare "equal" to everything) and its listener-chain sort is not
  stable, so the printed order depends on the exact algorithm, not only on the keys: go_sort.py;
* model.ParseSubsetKey, which changed in 1.21: subset_keys.py.
The per-kind writers are {cluster,route,listener,endpoint,eds,secret}_table.py; shared cells are in
table_cells.py and the istioctl version gates in table_gates.py.
"""
from __future__ import annotations

from typing import Callable

# The per-kind writers and the Go emulations live in their own modules; the names below are
# re-exported so `from mesh_compile.emit import tables` keeps working for every caller.
from mesh_compile.emit.cluster_table import clusters_table, filter_clusters
from mesh_compile.emit.eds_table import eds_entries, eds_table, locality_to_string
from mesh_compile.emit.endpoint_table import endpoints_table, filter_endpoint_statuses
from mesh_compile.emit.go_sort import go_sort_slice
from mesh_compile.emit.go_tabwriter import tabwrite
from mesh_compile.emit.listener_table import (BLACK_HOLE_CLUSTER, HTTP_CONNECTION_MANAGER, TCP_PROXY,
                                              describe_chain_match, filter_listeners, listeners_table)
from mesh_compile.emit.route_table import filter_route_configs, routes_table
from mesh_compile.emit.secret_table import bootstrap_summary, secrets_table
from mesh_compile.emit.subset_keys import parse_subset_key, sort_clusters, sort_endpoint_configs, sort_route_configs
from mesh_compile.emit.table_cells import (NothingToShow, describe_management, describe_match,
                                           describe_route_domains, dig)
from mesh_compile.emit.table_gates import (BOOTSTRAP_SUMMARY, CONFIG_TYPE_NAMES, EDS_NAME_HEADER, SECTION_HEADERS,
                                          Version, since)

__all__ = [
    "BLACK_HOLE_CLUSTER", "HTTP_CONNECTION_MANAGER", "NothingToShow", "TCP_PROXY", "Version", "all_tables",
    "bootstrap_summary", "clusters_table", "describe_chain_match", "describe_management", "describe_match",
    "describe_route_domains", "dig", "eds_entries", "eds_table", "endpoints_table", "filter_clusters",
    "filter_endpoint_statuses", "filter_listeners", "filter_route_configs", "go_sort_slice", "listeners_table",
    "locality_to_string", "parse_subset_key", "routes_table", "secrets_table", "sort_clusters",
    "sort_endpoint_configs", "sort_route_configs", "tabwrite",
]


def all_tables(clusters: list[dict], listeners: list[dict], route_configs: list[dict],
               endpoint_configs: list[dict], version: Version, *, bootstrap: dict | None = None,
               secrets: list[dict] | None = None, verbose: bool = True, with_headers: bool = False) -> str:
    """`istioctl pc all` (-o short): bootstrap, clusters, listeners, routes, secrets, endpoints.

    `endpoint_configs` are ClusterLoadAssignments in the EDS config-dump form (see
    endpoints_view.eds_view): `pc all` reads config_dump?include_eds, not /clusters; admin
    ClusterStatuses (endpoints_view.endpoint_statuses) are accepted too and converted. The bootstrap
    section (1.21+) is printed only when `bootstrap` is given; `secrets` None prints istioctl's
    "No active or warming secrets found.". Section headers exist from 1.29.
    """
    if any(isinstance(e, dict) and "hostStatuses" in e for e in endpoint_configs):
        from mesh_compile.emit.endpoints_view import eds_from_statuses
        endpoint_configs = eds_from_statuses(endpoint_configs)
    named = since(version, CONFIG_TYPE_NAMES)
    headers = with_headers and since(version, SECTION_HEADERS)
    sections: list[tuple[str, Callable[[], str]]] = []
    if since(version, BOOTSTRAP_SUMMARY) and bootstrap is not None:
        sections.append(("BOOTSTRAP INFO", lambda: bootstrap_summary(bootstrap)))
    sections += [
        ("CLUSTER INFO", lambda: clusters_table(clusters, version, with_name_column=named)),
        ("LISTENER INFO", lambda: listeners_table(listeners, version, verbose=verbose, with_type_prefix=named)),
        ("ROUTE INFO", lambda: routes_table(route_configs, version, verbose=verbose, with_type_prefix=named)),
        ("SECRET INFO", lambda: secrets_table(secrets, version, with_type_prefix=named)),
    ]
    if since(version, EDS_NAME_HEADER):
        sections.append(("ENDPOINTS INFO", lambda: eds_table(endpoint_configs, version, with_type_prefix=named)))
    parts = [(f"------ {title} ------\n\n" if headers else "") + render() for title, render in sections]
    return "\n".join(parts)
