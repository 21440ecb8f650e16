"""`istioctl pc endpoint`: the table and the -o json filter over Envoy's /clusters view."""
from __future__ import annotations

from typing import Iterable

from mesh_compile.emit.go_sort import go_sort_slice
from mesh_compile.emit.go_tabwriter import tabwrite
from mesh_compile.emit.table_cells import HEALTH_STATUSES, as_text, as_uint, dig, enum_name, tab_row
from mesh_compile.emit.table_gates import Version


def _host_address(host: dict) -> str:
    address = host.get("address")
    if isinstance(dig(address, "socketAddress"), dict):
        return as_text(address["socketAddress"].get("address"))
    if isinstance(dig(address, "pipe"), dict):
        return "unix://" + as_text(address["pipe"].get("path"))
    internal = dig(address, "envoyInternalAddress")
    if isinstance(internal, dict) and "serverListenerName" in internal:
        return f"envoy://{as_text(internal['serverListenerName'])}/{as_text(internal.get('endpointId'))}"
    return "unknown"


def _host_matches(host: dict, cluster_name: str, address: str, port: int, cluster: str, status: str) -> bool:
    """clusters.go EndpointFilter.Verify for one host of one cluster."""
    if address and _host_address(host).lower() != address.lower():
        return False
    if port and as_uint(dig(host, "address", "socketAddress", "portValue")) != port:
        return False
    if cluster and cluster_name.lower() != cluster.lower():
        return False
    health = enum_name(dig(host, "healthStatus", "edsHealthStatus"), HEALTH_STATUSES)
    return not status or health.lower() == status.lower()


def filter_endpoint_statuses(statuses: Iterable[dict], *, address: str = "", port: int = 0,
                             cluster: str = "", status: str = "") -> list[dict]:
    """The ClusterStatuses `istioctl pc endpoint -o json` prints: clusters with a matching host.

    The clusters are printed whole, as istioctl does, not only their matching hosts.
    """
    return [entry for entry in statuses
            if any(_host_matches(h, as_text(entry.get("name")), address, port, cluster, status)
                   for h in entry.get("hostStatuses") or [])]


def endpoints_table(endpoint_statuses: list[dict], version: Version, *, address: str = "", port: int = 0,
                    cluster: str = "", status: str = "") -> str:
    """`istioctl pc endpoint`: one row per host of Envoy's /clusters, sorted by address, port, cluster."""
    rows = []
    for entry in endpoint_statuses:
        name = as_text(entry.get("name"))
        for host in entry.get("hostStatuses") or []:
            if _host_matches(host, name, address, port, cluster, status):
                rows.append(_endpoint_row(host, name))
    rows = go_sort_slice(rows, _endpoint_row_less, version)
    text = "ENDPOINT\tSTATUS\tOUTLIER CHECK\tCLUSTER\n"
    for addr, host_port, health, outlier, name in rows:
        shown = f"{addr}:{host_port}" if host_port else addr
        text += tab_row(shown, health, outlier, name)
    return tabwrite(text, padding=5)


def _endpoint_row(host: dict, cluster: str) -> tuple[str, int, str, str, str]:
    health = enum_name(dig(host, "healthStatus", "edsHealthStatus"), HEALTH_STATUSES)
    outlier = "FAILED" if dig(host, "healthStatus", "failedOutlierCheck") is True else "OK"
    port = as_uint(dig(host, "address", "socketAddress", "portValue"))
    return _host_address(host), port, health, outlier, cluster


def _endpoint_row_less(a: tuple, b: tuple) -> bool:
    if a[0] != b[0]:
        return a[0] < b[0]
    if a[1] != b[1]:
        return a[1] < b[1]
    return a[4] < b[4]
