"""istioctl's proxy-config filters (--name, --fqdn/--port/--subset/--direction, --port/--address, --cluster)
and its -o json ordering rules (facts 0)."""
from __future__ import annotations

from mesh_compile.build.names import parse_subset_key


def filter_routes(routes: list[dict], name: str | None) -> list[dict]:
    return [r for r in routes if name is None or r["name"] == name]


def sort_routes(routes: list[dict]) -> list[dict]:
    """Route configs whose names are integers sort numerically; the others keep their place after them."""
    numeric = sorted((r for r in routes if r["name"].isdigit()), key=lambda r: int(r["name"]))
    return numeric + [r for r in routes if not r["name"].isdigit()]


def _cluster_parts(name: str) -> tuple[str, int, str, str]:
    key = parse_subset_key(name)
    if key is None:
        return name, 0, "", ""
    direction, port, subset, host = key
    return host, port, subset, direction


def filter_clusters(clusters: list[dict], fqdn: str | None, port: int | None, subset: str | None,
                    direction: str | None) -> list[dict]:
    out = []
    for c in clusters:
        host, cport, csubset, cdir = _cluster_parts(c["name"])
        if fqdn and host != fqdn and not host.startswith(fqdn + "."):
            continue
        if port and cport != port:
            continue
        if subset and csubset != subset:
            continue
        if direction and cdir != direction:
            continue
        out.append(c)
    return out


def sort_clusters(clusters: list[dict]) -> list[dict]:
    """hostname, then subset, then port, then direction; plain string comparison."""
    def key(c: dict) -> tuple:
        host, port, subset, direction = _cluster_parts(c["name"])
        return host, subset, port, direction
    return sorted(clusters, key=key)


def filter_listeners(listeners: list[dict], port: int | None, address: str | None) -> list[dict]:
    out = []
    for lis in listeners:
        sa = lis.get("address", {}).get("socketAddress", {})
        if port and sa.get("portValue") != port:
            continue
        if address and sa.get("address") != address:
            continue
        out.append(lis)
    return out


def filter_endpoints(assignments: list[dict], cluster: str | None) -> list[dict]:
    return [a for a in assignments if cluster is None or a["clusterName"] == cluster]
