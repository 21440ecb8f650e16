"""`istioctl pc listeners`: the table (one row per filter chain) and its filter."""
from __future__ import annotations

from typing import Any, Iterable

from mesh_compile.emit.go_sort import go_sort_slice
from mesh_compile.emit.go_tabwriter import tabwrite
from mesh_compile.emit.table_cells import NothingToShow, as_text, as_uint, describe_match, dig, tab_row
from mesh_compile.emit.table_gates import ADDRESSES_COLUMN, LISTENER_NAME_FIXED, Version, since

HTTP_CONNECTION_MANAGER = "envoy.filters.network.http_connection_manager"
TCP_PROXY = "envoy.filters.network.tcp_proxy"
BLACK_HOLE_CLUSTER = "BlackHoleCluster"

_APP_PROTOCOL_NAMES = {
    ("http/1.0", "http/1.1", "h2c", "istio-http/1.0", "istio-http/1.1", "istio-h2"): "App: HTTP TLS",
    ("istio", "istio-http/1.0", "istio-http/1.1", "istio-h2"): "App: Istio HTTP Plain",
    ("istio-peer-exchange", "istio"): "App: TCP TLS",
    ("http/1.0", "http/1.1", "h2c"): "App: HTTP",
}


def filter_listeners(listeners: Iterable[dict], *, address: str = "", port: int = 0, listener_type: str = "",
                     version: Version = (1, 30)) -> list[dict]:
    """istioctl's ListenerFilter: address (any of them, case-insensitive), port, HTTP/TCP type."""
    def keep(listener: dict) -> bool:
        if address:
            candidates = [_listener_address(listener)]
            if since(version, ADDRESSES_COLUMN):
                candidates += _listener_additional_addresses(listener)
            if not any(a.lower() == address.lower() for a in candidates):
                return False
        if port and _listener_port(listener) != port:
            return False
        return not listener_type or _listener_type(listener).lower() == listener_type.lower()
    return [lis for lis in listeners if keep(lis)]


def listeners_table(listeners: list[dict], version: Version, *, verbose: bool = True,
                    with_type_prefix: bool = False) -> str:
    """`istioctl pc listeners`: sorted by port, address, type; one row per filter chain."""
    if not listeners:
        raise NothingToShow("no listeners found")
    ordered = go_sort_slice(listeners, _listener_less, version)
    header = "ADDRESSES\tPORT" if since(version, ADDRESSES_COLUMN) else "ADDRESS\tPORT"
    header = ("NAME\t" + header) if with_type_prefix else header
    text = header + ("\tMATCH\tDESTINATION\n" if verbose else "\tTYPE\n")
    for listener in ordered:
        text += _listener_rows(listener, version, verbose, with_type_prefix)
    return tabwrite(text, padding=1)


def _listener_less(a: dict, b: dict) -> bool:
    if _listener_port(a) != _listener_port(b):
        return _listener_port(a) < _listener_port(b)
    if _listener_address(a) != _listener_address(b):
        return _listener_address(a) < _listener_address(b)
    return _listener_type(a) < _listener_type(b)


def _listener_rows(listener: dict, version: Version, verbose: bool, with_type_prefix: bool) -> str:
    addresses = [_listener_address(listener)]
    if since(version, ADDRESSES_COLUMN):
        addresses += _listener_additional_addresses(listener)
    lead = [",".join(addresses), _listener_port(listener)]
    name = as_text(listener.get("name"))
    if not verbose:
        return tab_row(*([f"listener/{name}"] if with_type_prefix else []), *lead, _listener_type(listener))
    chains = [(describe_chain_match(fc.get("filterChainMatch")), _filter_type(fc.get("filters"), version))
              for fc in _filter_chains(listener)]
    chains = go_sort_slice(chains, lambda a, b: a[1] > b[1], version)
    text = ""
    for match, destination in chains:
        if with_type_prefix and since(version, LISTENER_NAME_FIXED):
            text += tab_row(f"listener/{name}", *lead, match, destination)
        elif with_type_prefix:
            # 1.19 assigned the prefixed name back to the listener: every row adds one more prefix.
            name = f"listener/{name}"
            text += tab_row(name, *lead, match, destination)
        else:
            text += tab_row(*lead, match, destination)
    return text


def _listener_port(listener: dict) -> int:
    return as_uint(dig(listener, "address", "socketAddress", "portValue"))


def _listener_address(listener: dict) -> str:
    address = listener.get("address")
    if isinstance(dig(address, "socketAddress"), dict):
        return as_text(address["socketAddress"].get("address"))
    if isinstance(dig(address, "pipe"), dict):
        return as_text(address["pipe"].get("path"))
    return ""


def _listener_additional_addresses(listener: dict) -> list[str]:
    return [as_text(dig(extra, "address", "socketAddress", "address"))
            for extra in listener.get("additionalAddresses") or []]


def _filter_chains(listener: dict) -> list[dict]:
    chains = [fc for fc in listener.get("filterChains") or [] if isinstance(fc, dict)]
    if isinstance(listener.get("defaultFilterChain"), dict):
        chains.append(listener["defaultFilterChain"])
    return chains


def _mentions(value: Any, needle: str) -> bool:
    """Whether a string inside a typed config contains `needle` (istioctl greps the raw proto bytes)."""
    if isinstance(value, str):
        return needle in value
    if isinstance(value, dict):
        return any(needle in k or _mentions(v, needle) for k, v in value.items())
    if isinstance(value, list):
        return any(_mentions(v, needle) for v in value)
    return False


def _listener_type(listener: dict) -> str:
    """HTTP, TCP, HTTP+TCP or UNKNOWN; TCP proxies to the BlackHoleCluster do not count."""
    n_http = n_tcp = 0
    for chain in _filter_chains(listener):
        for item in chain.get("filters") or []:
            name = dig(item, "name")
            if name == HTTP_CONNECTION_MANAGER:
                n_http += 1
            elif name == TCP_PROXY and not _mentions(item.get("typedConfig"), BLACK_HOLE_CLUSTER):
                n_tcp += 1
    if n_http:
        return "HTTP+TCP" if n_tcp else "HTTP"
    return "TCP" if n_tcp else "UNKNOWN"


def describe_chain_match(match: Any) -> str:
    """The MATCH cell of a filter chain: SNI, transport, ALPN, destination address/port, or ALL."""
    match = match if isinstance(match, dict) else {}
    descrs = []
    if match.get("serverNames"):
        descrs.append(f"SNI: {','.join(match['serverNames'])}")
    if as_text(match.get("transportProtocol")):
        descrs.append(f"Trans: {match['transportProtocol']}")
    alpn = match.get("applicationProtocols") or []
    if alpn:
        descrs.append(_APP_PROTOCOL_NAMES.get(tuple(alpn), f"App: {','.join(alpn)}"))
    port = f":{as_uint(match['destinationPort'])}" if "destinationPort" in match else ""
    ranges = match.get("prefixRanges") or []
    if ranges:
        cidrs = [f"{as_text(r.get('addressPrefix'))}/{as_uint(r.get('prefixLen'))}" for r in ranges]
        descrs.append(f"Addr: {','.join(cidrs)}{port}")
    elif port:
        descrs.append(f"Addr: *{port}")
    return "; ".join(descrs) if descrs else "ALL"


def _filter_type(filters: Any, version: Version) -> str:
    """The DESTINATION cell: the route or cluster the chain's first HTTP/TCP filter sends to."""
    for item in filters or []:
        name = dig(item, "name")
        config = item.get("typedConfig") if isinstance(item, dict) else None
        config = config if isinstance(config, dict) else {}
        if name == HTTP_CONNECTION_MANAGER:
            if isinstance(config.get("routeConfig"), dict):
                return _describe_inline_routes(config["routeConfig"], version)
            rds = as_text(dig(config, "rds", "routeConfigName"))
            return f"Route: {rds}" if rds else "HTTP"
        if name == TCP_PROXY and not _mentions(config, BLACK_HOLE_CLUSTER):
            cluster = as_text(config.get("cluster"))
            return cluster if "Cluster" in cluster else f"Cluster: {cluster}"
    return "Non-HTTP/Non-TCP"


def _describe_inline_routes(route_config: dict, version: Version) -> str:
    cluster = _match_all_cluster(route_config)
    if cluster:
        return cluster
    parts = []
    for vhost in route_config.get("virtualHosts") or []:
        domains = vhost.get("domains") or []
        routes = ", ".join(describe_match(r.get("match"), version) for r in vhost.get("routes") or [])
        parts.append(routes if domains == ["*"] else f"{'/'.join(domains)} {routes}")
    return f"Inline Route: {'; '.join(parts)}"


def _match_all_cluster(route_config: dict) -> str:
    """If the inline config is one `*` vhost with one `/` route to a cluster, just that cluster."""
    vhosts = route_config.get("virtualHosts") or []
    if len(vhosts) != 1 or vhosts[0].get("domains") != ["*"]:
        return ""
    routes = vhosts[0].get("routes") or []
    if len(routes) != 1 or dig(routes[0], "match", "prefix") != "/":
        return ""
    cluster = dig(routes[0], "route", "cluster")
    if not isinstance(cluster, str):
        return ""
    return cluster if "Cluster" in cluster else f"Cluster: {cluster}"
