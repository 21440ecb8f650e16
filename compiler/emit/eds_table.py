"""`istioctl pc eds` and the endpoint part of `pc all`: the EDS config-dump view."""
from __future__ import annotations

from typing import Any, Iterable

from mesh_compile.emit.go_tabwriter import tabwrite
from mesh_compile.emit.subset_keys import sort_endpoint_configs
from mesh_compile.emit.table_cells import HEALTH_STATUSES, as_text, as_uint, dig, enum_name, tab_row
from mesh_compile.emit.table_gates import EDS_MULTI_ADDRESS, EDS_NAME_HEADER, Version, since


def _lb_endpoint_addresses(lb_endpoint: dict, version: Version) -> list[str]:
    endpoint = lb_endpoint.get("endpoint") if isinstance(lb_endpoint.get("endpoint"), dict) else {}
    addresses = [endpoint.get("address")]
    if since(version, EDS_MULTI_ADDRESS):
        addresses += [dig(extra, "address") for extra in endpoint.get("additionalAddresses") or []]
    shown = [_eds_address(a) for a in addresses]
    if version[:2] == (1, EDS_MULTI_ADDRESS):      # 1.23 worked around an Envoy bug by de-duplicating
        shown = list(dict.fromkeys(shown))
    return shown


def _eds_address(address: Any) -> str:
    if isinstance(dig(address, "socketAddress"), dict):
        socket = address["socketAddress"]
        return f"{as_text(socket.get('address'))}:{as_uint(socket.get('portValue'))}"
    if isinstance(dig(address, "pipe"), dict):
        return as_text(address["pipe"].get("path"))
    internal = dig(address, "envoyInternalAddress")
    if isinstance(internal, dict) and "serverListenerName" in internal:
        return f"envoy://{as_text(internal['serverListenerName'])}/{as_text(internal.get('endpointId'))}"
    return "unknown"


def _lb_endpoint_matches(lb_endpoint: dict, cluster_name: str, version: Version, address: str, port: int,
                         cluster: str, status: str) -> bool:
    if address and not any(a.lower() == address.lower() for a in _lb_endpoint_addresses(lb_endpoint, version)):
        return False
    if port and as_uint(dig(lb_endpoint, "endpoint", "address", "socketAddress", "portValue")) != port:
        return False
    if cluster and cluster_name.lower() != cluster.lower():
        return False
    health = enum_name(lb_endpoint.get("healthStatus"), HEALTH_STATUSES)
    return not status or health.lower() == status.lower()


def eds_entries(assignments: Iterable[dict], version: Version, *, address: str = "", port: int = 0,
                cluster: str = "", status: str = "") -> list[dict]:
    """What `istioctl pc eds -o json` prints: filtered, sorted assignments, none without endpoints.

    Give dynamic (CDS) clusters' assignments first, then static ones, as the EDS dump lists them.
    """
    kept = []
    for cla in assignments:
        name = as_text(cla.get("clusterName"))
        copy = dict(cla)
        localities, count = [], 0
        for llb in [g for g in cla.get("endpoints") or [] if isinstance(g, dict)]:
            lbs = [e for e in llb.get("lbEndpoints") or []
                   if isinstance(e, dict) and _lb_endpoint_matches(e, name, version, address, port, cluster, status)]
            count += len(lbs)
            llb = {k: v for k, v in llb.items() if k != "lbEndpoints"}
            localities.append(_with_lb_endpoints(llb, lbs))
        if count:
            copy["endpoints"] = localities
            kept.append(copy)
    return sort_endpoint_configs(kept, version)


def _with_lb_endpoints(llb: dict, lb_endpoints: list[dict]) -> dict:
    """Put lbEndpoints back at its declaration-order place (after locality and metadata)."""
    out: dict = {}
    for key in ("locality", "metadata"):
        if key in llb:
            out[key] = llb[key]
    if lb_endpoints:
        out["lbEndpoints"] = lb_endpoints
    out.update({k: v for k, v in llb.items() if k not in out})
    return out


def eds_table(assignments: list[dict], version: Version, *, with_type_prefix: bool = False,
              address: str = "", port: int = 0, cluster: str = "", status: str = "") -> str:
    """`istioctl pc eds` (and the endpoint part of `pc all`): NAME STATUS LOCALITY CLUSTER."""
    header = "NAME" if since(version, EDS_NAME_HEADER) else "ENDPOINT"
    text = f"{header}\tSTATUS\tLOCALITY\tCLUSTER\n"
    for cla in eds_entries(assignments, version, address=address, port=port, cluster=cluster, status=status):
        for llb in cla.get("endpoints") or []:
            for lb_endpoint in llb.get("lbEndpoints") or []:
                shown = ",".join(_lb_endpoint_addresses(lb_endpoint, version))
                shown = f"endpoint/{shown}" if with_type_prefix else shown
                text += tab_row(shown, enum_name(lb_endpoint.get("healthStatus"), HEALTH_STATUSES),
                             locality_to_string(llb.get("locality")), as_text(cla.get("clusterName")))
    return tabwrite(text, padding=5)


def locality_to_string(locality: Any) -> str:
    """region[/zone[/subzone]] as pilot's util.LocalityToString."""
    if not isinstance(locality, dict):
        return ""
    text = as_text(locality.get("region"))
    if not as_text(locality.get("zone")):
        return text
    text += "/" + locality["zone"]
    if not as_text(locality.get("subZone")):
        return text
    return text + "/" + locality["subZone"]
