"""istiod's webhook validation of a VirtualService (pkg/config/validation ValidateVirtualService).

Choice about empty `hosts`: istiod accepts a VirtualService without hosts because it may be the
target of another VirtualService's `http[].delegate`; such a delegate must have no `gateways`, `tls`
or `tcp`. We follow that rule exactly and do not check whether some root actually delegates to it.

Weights: istiod (1.17 and 1.30) rejects a negative weight and a multi-destination route whose
weights are all 0, but accepts weights that do not sum to 100 (Envoy uses them as relative
weights). A sum other than 100 is reported as a Warning, since it is usually a mistake.
"""
from typing import Iterator

from ..diagnostics import WARNING
from .common import Destination
from .findings import Finding, Path, error, warning
from .validate_common import (check_duration_ms, check_export_to, check_header_name, check_labels,
                              check_percentage, check_port, check_regex, check_string_match,
                              check_subset_name, host_matches, host_subset_of, is_dns1123_label, is_ip,
                              wildcard_domain_error)
from .virtual_service import HTTPMatchRequest, HTTPRoute, VirtualServiceSpec

ROOT: Path = ("spec",)
UNREACHABLE_RULE = "IST0130"  # VirtualServiceUnreachableRule, as istiod's validation reports it
_RETRY_ON = {
    "5xx", "gateway-error", "reset", "reset-before-request", "connect-failure", "retriable-4xx",
    "refused-stream", "retriable-status-codes", "retriable-headers", "envoy-ratelimited",
    "http3-post-connect-failure", "cancelled", "deadline-exceeded", "internal", "resource-exhausted",
    "unavailable",
}


def validate(spec: VirtualServiceSpec, namespace: str) -> Iterator[Finding]:
    yield from _delegate_rules(spec)
    yield from _check_gateway_names(ROOT + ("gateways",), spec.gateways)
    yield from _check_hosts(spec)
    if not (spec.http or spec.tcp or spec.tls):
        yield error(ROOT, "http, tcp or tls must be provided in virtual service")
    is_delegate = not spec.hosts
    for i, route in enumerate(spec.http):
        yield from _check_http_route(ROOT + ("http", i), route, is_delegate)
    for i, tls in enumerate(spec.tls):
        yield from _check_tls_route(ROOT + ("tls", i), tls, spec)
    for i, tcp in enumerate(spec.tcp):
        yield from _check_l4_route(ROOT + ("tcp", i), tcp.match, tcp.route, "TCP")
    if spec.exportTo:
        yield from check_export_to(ROOT + ("exportTo",), spec.exportTo, namespace)
    if len(spec.http) > 1:  # one rule cannot shadow itself
        yield from _unreachable_rules(spec.http)


def _delegate_rules(spec: VirtualServiceSpec) -> Iterator[Finding]:
    if spec.hosts:
        return
    for field in ("gateways", "tls", "tcp"):
        if getattr(spec, field):
            yield error(ROOT + (field,), f"a VirtualService without hosts is a delegate and must have no {field} "
                                         f"specified (delegate virtual service must have no {field})")


def _check_gateway_names(path: Path, names: list[str]) -> Iterator[Finding]:
    for i, name in enumerate(names):
        ns, slash, gw = name.partition("/")
        if not slash:
            if name != "mesh" and (err := wildcard_domain_error(name)):
                yield error(path + (i,), f"invalid gateway name {name!r}: {err}")
            elif "." in name:
                parts = name.split(".")
                yield warning(path + (i,), f'using legacy gatewayName format "{name}"; prefer the '
                                           f'<namespace>/<name> format: "{parts[1]}/{parts[0]}"')
        elif not is_dns1123_label(ns) or not is_dns1123_label(gw):
            yield error(path + (i,), f"invalid gateway reference {name!r}: namespace and name must be DNS labels")


def _check_hosts(spec: VirtualServiceSpec) -> Iterator[Finding]:
    applies_to_mesh = not spec.gateways or "mesh" in spec.gateways
    all_valid = True
    for i, host in enumerate(spec.hosts):
        err = None if (spec.gateways and host == "*") else wildcard_domain_error(host)
        if err and not is_ip(host):
            all_valid = False
            yield error(ROOT + ("hosts", i), err)
        elif applies_to_mesh and host == "*":
            all_valid = False
            yield error(ROOT + ("hosts", i),
                        "wildcard host * is not allowed for virtual services bound to the mesh gateway")
    if all_valid:
        for i, a in enumerate(spec.hosts):
            for b in spec.hosts[i + 1:]:
                if host_matches(a, b):
                    yield error(ROOT + ("hosts", i), f"duplicate hosts in virtual service: {a} & {b}")


def _check_http_route(path: Path, route: HTTPRoute, is_delegate: bool) -> Iterator[Finding]:
    # Each check is entered only when its field is set (it finds nothing otherwise): this runs on
    # every HTTP route of the mesh, and most routes set only match, route and a timeout.
    yield from _route_conflicts(path, route, is_delegate)
    for j, match in enumerate(route.match):
        yield from _check_match(path + ("match", j), match)
    if route.headers is not None:
        yield from _check_headers(path + ("headers",), route.headers)
    if route.corsPolicy is not None:
        yield from _check_cors(path + ("corsPolicy",), route.corsPolicy)
    if route.fault is not None:
        yield from _check_fault(path + ("fault",), route.fault)
    if _has_mirror_fields(route):
        yield from _check_mirrors(path, route)
    if route.redirect is not None:
        yield from _check_redirect(path + ("redirect",), route)
    if route.directResponse is not None:
        yield from _check_direct_response(path + ("directResponse",), route)
    if route.retries is not None:
        yield from _check_retries(path + ("retries",), route.retries)
    if route.rewrite is not None:
        yield from _check_rewrite(path + ("rewrite",), route)
    yield from _check_destinations(path + ("route",), route.route, http=True)
    if route.timeout is not None:
        yield from check_duration_ms(path + ("timeout",), route.timeout)


def _has_mirror_fields(route: HTTPRoute) -> bool:
    """Whether _check_mirrors has anything to look at."""
    fields_set = route.model_fields_set
    return (route.mirror is not None or bool(route.mirrors) or route.mirrorPercentage is not None
            or "mirrorPercent" in fields_set or "mirror_percent" in fields_set)


def _route_conflicts(path: Path, route: HTTPRoute, is_delegate: bool) -> Iterator[Finding]:
    if route.delegate is not None and not is_delegate:  # a root route may only delegate
        for field in ("redirect", "route"):
            if getattr(route, field):
                name = f" {route.name}" if route.name else ""
                yield error(path + (field,), f"root HTTP route{name} must not specify {field} (it delegates)")
        return
    if is_delegate and route.delegate is not None:
        yield error(path + ("delegate",), "delegate HTTP route cannot contain delegate")
    action = "redirect" if route.redirect else "directResponse" if route.directResponse else None
    if action:
        for other in ("route", "fault", "rewrite") + (("directResponse",) if action == "redirect" else ()):
            if getattr(route, other):
                yield error(path + (other,), f"HTTP route cannot contain both {other} and {action}")
    elif not route.route and route.delegate is None:
        yield error(path, "HTTP route must have one of route, redirect, directResponse or delegate")
    if route.mirror is not None and route.mirrors:
        yield error(path + ("mirrors",), "HTTP route cannot contain both mirror and mirrors")


def _check_match(path: Path, match: HTTPMatchRequest) -> Iterator[Finding]:
    for field in ("headers", "withoutHeaders"):
        for name, sm in getattr(match, field).items():
            yield from check_header_name(path + (field, name), name)
            if not (field == "withoutHeaders" and sm.regex == "*"):  # `*` means "present"
                yield from check_string_match(path + (field, name), sm, field)
    if match.uri is not None:  # the checks below are entered only for fields that are set
        yield from check_string_match(path + ("uri",), match.uri, "uri", allow_empty_prefix=True)
    for field in ("scheme", "method", "authority"):
        if (sm := getattr(match, field)) is not None:
            yield from check_string_match(path + (field,), sm, field)
    for name, sm in match.queryParams.items():
        yield from check_string_match(path + ("queryParams", name), sm, "queryParams")
    if match.port:
        yield from check_port(path + ("port",), match.port)
    if match.sourceLabels:
        yield from check_labels(path + ("sourceLabels",), match.sourceLabels)
    if match.gateways:
        yield from _check_gateway_names(path + ("gateways",), match.gateways)
    if match.sourceNamespace and not is_dns1123_label(match.sourceNamespace):
        yield error(path + ("sourceNamespace",), f"sourceNamespace match {match.sourceNamespace} is invalid")


def _check_headers(path: Path, headers) -> Iterator[Finding]:
    for direction in ("request", "response"):
        ops = getattr(headers, direction, None) if headers else None
        if ops is None:
            continue
        for op in ("set", "add", "remove"):
            names = getattr(ops, op)
            for name in names:
                yield from _check_header_op(path + (direction, op, name), name, direction)


def _check_header_op(path: Path, name: str, direction: str) -> Iterator[Finding]:
    lower = name.lower()
    if name == "":
        yield error(path, "header name cannot be empty")
    elif direction == "request" and lower in (":authority", "host"):
        return  # the request authority may be rewritten this way
    elif lower == "host":
        yield error(path, f'invalid header "{name}": cannot set Host header')
    elif name.startswith(":"):
        yield error(path, f'invalid header "{name}": header cannot have ":" prefix')


def _check_cors(path: Path, cors) -> Iterator[Finding]:
    if cors is None:
        return
    for i, origin in enumerate(cors.allowOrigins):
        kind, value = origin.kind_value()
        if not value:
            yield error(path + ("allowOrigins", i), "an empty string is not a valid match for CORS allowOrigins")
        elif kind == "regex":
            yield from check_regex(path + ("allowOrigins", i, "regex"), value, "corsPolicy.allowOrigins")
    yield from check_duration_ms(path + ("maxAge",), cors.maxAge)


def _check_fault(path: Path, fault) -> Iterator[Finding]:
    if fault is None:
        return
    if fault.abort is None and fault.delay is None:
        yield error(path, "HTTP fault injection must have an abort and/or a delay")
    if (abort := fault.abort) is not None:
        yield from check_percentage(path + ("abort", "percentage"), abort.percentage)
        if abort.http2Error is not None:
            yield error(path + ("abort", "http2Error"), "HTTP/2 abort fault injection not supported yet")
        elif abort.httpStatus is not None and not 200 <= abort.httpStatus <= 600:
            yield error(path + ("abort", "httpStatus"), f"HTTP status {abort.httpStatus} is not in range 200-599")
        elif abort.httpStatus is None and abort.grpcStatus is None:
            yield warning(path + ("abort",), "abort configured, but error type not set")
    if (delay := fault.delay) is not None:
        yield from check_percentage(path + ("delay", "percentage"), delay.percentage)
        yield from check_duration_ms(path + ("delay", "fixedDelay"), delay.fixedDelay)
        if delay.exponentialDelay is not None:
            yield error(path + ("delay", "exponentialDelay"), "exponentialDelay not supported yet")


def _check_mirrors(path: Path, route: HTTPRoute) -> Iterator[Finding]:
    for field in ("mirrorPercent", "mirror_percent"):
        value = getattr(route, field)
        if field in route.model_fields_set and value is not None:
            if value > 100:
                yield error(path + (field,), f"mirror_percent must have a max value of 100 (it has {value})")
            yield warning(path + (field,), 'using deprecated setting "mirrorPercent", use "mirrorPercentage" instead')
    if route.mirrorPercentage is not None and route.mirrorPercentage.value is not None:
        value = route.mirrorPercentage.value
        if not 0 <= value <= 100:
            yield error(path + ("mirrorPercentage", "value"), f"mirrorPercentage must be in 0..100 (it has {value})")
    if route.mirror is not None:
        yield from _check_destination(path + ("mirror",), route.mirror)
    for i, mirror in enumerate(route.mirrors):
        yield from _check_destination(path + ("mirrors", i, "destination"), mirror.destination)
        value = mirror.percentage.value if mirror.percentage is not None else None
        if value is not None and not 0 <= value <= 100:
            yield error(path + ("mirrors", i, "percentage", "value"), "mirror percentage must be in 0..100")


def _check_redirect(path: Path, route: HTTPRoute) -> Iterator[Finding]:
    r = route.redirect
    if r is None:
        return
    if not (r.uri or r.authority or r.port or r.scheme or r.derivePort):
        yield error(path, "redirect must specify URI, authority, scheme, or port")
    if r.redirectCode and not 300 <= r.redirectCode <= 399:
        yield error(path + ("redirectCode",), f"{r.redirectCode} is not a valid redirect code, must be 3xx")
    if r.scheme and r.scheme not in ("http", "https"):
        yield error(path + ("scheme",), 'invalid redirect scheme, must be "http" or "https"')
    if r.port:
        yield from check_port(path + ("port",), r.port)


def _check_direct_response(path: Path, route: HTTPRoute) -> Iterator[Finding]:
    d = route.directResponse
    if d is None:
        return
    if not 200 <= d.status <= 600:
        yield error(path + ("status",), f"HTTP status {d.status} is not in range 200-599")
    body = d.body
    size = len((body.string or body.bytes or "").encode()) if body else 0
    if size > 1024 * 1024:
        yield error(path + ("body",),
                    "large direct_responses may impact control plane performance, must be less than 1MB")
    elif size > 100 * 1024:
        yield warning(path + ("body",), "large direct_responses may impact control plane performance")


def _check_retries(path: Path, retries) -> Iterator[Finding]:
    if retries is None:
        return
    attempts = retries.attempts or 0
    if attempts < 0:
        yield error(path + ("attempts",), "attempts cannot be negative")
    if attempts == 0 and (retries.perTryTimeout or retries.retryOn or retries.retryRemoteLocalities is not None):
        yield error(path, "http retry policy configured when attempts are set to 0 (disabled)")
    yield from check_duration_ms(path + ("perTryTimeout",), retries.perTryTimeout)
    yield from check_duration_ms(path + ("backoff",), retries.backoff)
    for policy in (retries.retryOn or "").split(",") if retries.retryOn else ():
        if policy not in _RETRY_ON and not (policy.isdigit() and 100 <= int(policy) <= 599):
            yield error(path + ("retryOn",), f'"{policy}" is not a valid retryOn policy')


def _check_rewrite(path: Path, route: HTTPRoute) -> Iterator[Finding]:
    rw = route.rewrite
    if rw is None:
        return
    if rw.uri and rw.uriRegexRewrite is not None:
        yield error(path, "rewrite may only contain one of uri or uriRegexRewrite")
    if not rw.uri and rw.uriRegexRewrite is None and not rw.authority:
        yield error(path, "rewrite must specify at least one of uri, uriRegexRewrite, or authority")
    if (rr := rw.uriRegexRewrite) is not None:
        if not rr.match or not rr.rewrite:
            yield error(path + ("uriRegexRewrite",),
                        "uriRegexRewrite requires both rewrite and match fields to be specified")
        else:
            yield from check_regex(path + ("uriRegexRewrite", "match"), rr.match, "rewrite.uriRegexRewrite.match")


def _check_destination(path: Path, dest: Destination) -> Iterator[Finding]:
    if dest.host == "*":
        yield error(path + ("host",), f"invalid destination host {dest.host}")
    elif err := wildcard_domain_error(dest.host):
        yield error(path + ("host",), err)
    if dest.subset is not None:
        yield from check_subset_name(path + ("subset",), dest.subset)
    if dest.port is not None:
        yield from check_port(path + ("port", "number"), dest.port.number or 0)


def _check_destinations(path: Path, routes: list, http: bool) -> Iterator[Finding]:
    total = 0
    for i, dest in enumerate(routes):
        yield from _check_destination(path + (i, "destination"), dest.destination)
        if http and dest.headers is not None:
            yield from _check_headers(path + (i, "headers"), dest.headers)
        weight = dest.weight or 0
        if weight < 0:
            yield error(path + (i, "weight"), f"weight {weight} < 0")
        total += weight
    if len(routes) > 1:
        if total == 0:
            yield error(path, "total destination weight = 0")
        elif total != 100 and all((d.weight or 0) >= 0 for d in routes):
            yield warning(path, f"destination weights sum to {total}, not 100; Envoy treats them as relative "
                                f"weights (a share of {total}), which is rarely what was meant")


def _check_tls_route(path: Path, tls, spec: VirtualServiceSpec) -> Iterator[Finding]:
    if not tls.match:
        yield error(path + ("match",), "TLS route must have at least one match condition")
    for j, match in enumerate(tls.match):
        if not match.sniHosts:
            yield error(path + ("match", j, "sniHosts"), "TLS match must have at least one SNI host")
        for k, sni in enumerate(match.sniHosts):
            yield from _check_sni_host(path + ("match", j, "sniHosts", k), sni, spec.hosts)
    yield from _check_l4_route(path, tls.match, tls.route, "TLS")


def _check_sni_host(path: Path, sni: str, hosts: list[str]) -> Iterator[Finding]:
    if err := wildcard_domain_error(sni):
        if is_ip(sni):
            yield warning(path, f'using an IP address ("{sni}") goes against the SNI spec; most clients do not '
                                "support this")
        else:
            yield error(path, err)
    elif not any(host_subset_of(sni, h) for h in hosts):
        yield error(path, f'SNI host "{sni}" is not a compatible subset of any of the virtual service hosts: '
                          f"[{', '.join(hosts)}]")


def _check_l4_route(path: Path, matches: list, routes: list, what: str) -> Iterator[Finding]:
    for j, match in enumerate(matches):
        if match.port:
            yield from check_port(path + ("match", j, "port"), match.port)
        yield from check_labels(path + ("match", j, "sourceLabels"), match.sourceLabels)
        yield from _check_gateway_names(path + ("match", j, "gateways"), match.gateways)
    if not routes:
        yield error(path + ("route",), f"{what} route is required")
    yield from _check_destinations(path + ("route",), routes, http=False)


def _unreachable_rules(routes: list[HTTPRoute]) -> Iterator[Finding]:
    """Warnings like istiod's VirtualServiceUnreachableRule: after a rule without matches, or a rule
    whose every match repeats an earlier one, nothing more can be reached."""
    seen: dict[str, int] = {}
    # the last rule with matches, and its keys if computed, not in `seen` yet: serializing matches is
    # the costly part, done only once a later rule needs to be compared
    last: tuple[int, HTTPRoute, list[str] | None] | None = None
    catch_all = -1
    for i, route in enumerate(routes):
        path = ROOT + ("http", i)
        if catch_all >= 0:
            reason = ("only the last rule can have no matches" if not route.match
                      else "route without matches defined before")
            yield Finding(path, f"virtualService rule #{i} not used ({reason})", WARNING, UNREACHABLE_RULE)
        if not route.match:
            catch_all = i if catch_all < 0 else catch_all
            continue
        if catch_all >= 0:
            continue
        if last is not None:
            j, earlier, earlier_keys = last
            for k in earlier_keys if earlier_keys is not None else _match_keys(earlier):
                seen.setdefault(k, j)
        keys = _match_keys(route) if seen else None  # with nothing seen, no rule is shadowed
        if keys is not None and all(k in seen for k in keys):
            yield Finding(path, f"virtualService rule #{i} not used (all matches used by prior rules)", WARNING,
                          UNREACHABLE_RULE)
        last = (i, route, keys)


def _match_keys(route: HTTPRoute) -> list[str]:
    """One key per match of `route`; equal keys are matches that select the same requests."""
    return [m.model_dump_json(exclude_defaults=True, exclude={"name"}) for m in route.match]
