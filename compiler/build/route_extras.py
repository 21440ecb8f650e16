"""Route parts other than the destination: headers, mirrors, fault, CORS, redirect, direct response
(route.go TranslateHeadersOperations, MirrorPercent, TranslateFault, TranslateCORSPolicy, ApplyRedirect;
facts 2.7)."""
from __future__ import annotations

import base64
from typing import Any

from mesh_compile.model.duration import parse_duration, to_proto_duration
from mesh_compile.versions import Behaviour

_REDIRECT_CODES = {0: None, 301: None, 302: "FOUND", 303: "SEE_OTHER", 307: "TEMPORARY_REDIRECT",
                   308: "PERMANENT_REDIRECT"}
_GRPC_CODES = {
    "OK": 0, "CANCELLED": 1, "UNKNOWN": 2, "INVALID_ARGUMENT": 3, "DEADLINE_EXCEEDED": 4, "NOT_FOUND": 5,
    "ALREADY_EXISTS": 6, "PERMISSION_DENIED": 7, "RESOURCE_EXHAUSTED": 8, "FAILED_PRECONDITION": 9,
    "ABORTED": 10, "OUT_OF_RANGE": 11, "UNIMPLEMENTED": 12, "INTERNAL": 13, "UNAVAILABLE": 14,
    "DATA_LOSS": 15, "UNAUTHENTICATED": 16,
}


def percent(value: float | None) -> dict:
    """A Percent (0-100, fractional) -> FractionalPercent with MILLION denominator.

    translatePercentToFractionalPercent computes uint32(p.Value * 10000): Go truncates, so 0.29%
    (2899.99...) gives 2899, and a zero numerator is a proto3 default that is not printed."""
    numerator = int((value or 0.0) * 10000)
    return {"numerator": numerator, "denominator": "MILLION"} if numerator else {"denominator": "MILLION"}


# --- headers --------------------------------------------------------------------------------------
def header_options(ops: Any, b: Behaviour) -> tuple[list[dict], list[str], str | None]:
    """HeaderOperations -> (headersToAdd, headersToRemove, authority rewrite). Set entries first, then add,
    each sorted by key; `:`-headers and `host` are dropped, except that setting the authority or host
    becomes a host rewrite."""
    if ops is None:
        return [], [], None
    add: list[dict] = []
    authorities: list[str | None] = []
    for group, overwrite in ((ops.set or {}, True), (ops.add or {}, False)):
        found = None
        for key in sorted(group):
            if key.lower() in (":authority", "host"):
                found = group[key]
            if _is_internal(key):
                continue
            add.append(_header_value(key, group[key], overwrite, b))
        authorities.append(found)
    # TranslateHeadersOperations: an authority from `set` wins over one from `add`
    authority = authorities[0] or authorities[1]
    remove = [k for k in (ops.remove or []) if not _is_internal(k)]
    return add, remove, authority


def _is_internal(key: str) -> bool:
    """isInternalHeader: pseudo-headers and `host` cannot be changed by Envoy."""
    return key.startswith(":") or key.lower() == "host"


def _header_value(key: str, value: str, overwrite: bool, b: Behaviour) -> dict:
    out: dict[str, Any] = {"header": {"key": key, "value": value}}
    if b.append_action:
        if overwrite:
            out["appendAction"] = "OVERWRITE_IF_EXISTS_OR_ADD"
    else:
        out["append"] = not overwrite
    return out


# --- mirrors --------------------------------------------------------------------------------------
def mirror_fraction(percentage: Any, legacy_percent: Any) -> dict | None:
    """None means the mirror is switched off by an explicit 0."""
    if percentage is not None and getattr(percentage, "value", None) is not None:
        if percentage.value == 0:
            return None
        return {"defaultValue": percent(percentage.value)}
    if legacy_percent is not None:
        if int(legacy_percent) == 0:
            return None
        return {"defaultValue": {"numerator": int(legacy_percent)}}
    return {"defaultValue": {"numerator": 100}}


def mirror_policy(cluster: str, fraction: dict, b: Behaviour) -> dict:
    out: dict[str, Any] = {"cluster": cluster, "runtimeFraction": fraction, "traceSampled": False}
    if b.disable_shadow_host_suffix:
        out["disableShadowHostSuffixAppend"] = True
    return out


# --- fault ----------------------------------------------------------------------------------------
def fault_filter(fault: Any) -> dict | None:
    if fault is None:
        return None
    out: dict[str, Any] = {"@type": "type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault"}
    delay = fault.delay
    # TranslateFault: an exponential delay is not supported and leaves no delay at all
    if delay is not None and getattr(delay, "fixedDelay", None):
        d: dict[str, Any] = {"fixedDelay": to_proto_duration(parse_duration(delay.fixedDelay))}
        if delay.percentage is not None:
            d["percentage"] = percent(delay.percentage.value)
        elif getattr(delay, "percent", None):
            d["percentage"] = {"numerator": int(delay.percent)}  # HUNDRED, the default denominator
        else:
            d["percentage"] = {}
        out["delay"] = d
    abort = fault.abort
    # only HTTP and gRPC aborts are translated; an http2Error abort gives no abort
    if abort is not None and (getattr(abort, "httpStatus", None) is not None or getattr(abort, "grpcStatus", None)):
        a: dict[str, Any] = {}
        if getattr(abort, "httpStatus", None) is not None:
            if abort.httpStatus:
                a["httpStatus"] = abort.httpStatus
        else:
            a["grpcStatus"] = _GRPC_CODES.get(str(abort.grpcStatus).upper(), 2)
            if not a["grpcStatus"]:
                del a["grpcStatus"]  # OK is code 0, a proto3 default
        if abort.percentage is not None:
            a["percentage"] = percent(abort.percentage.value)
        out["abort"] = a
    return out


# --- CORS -----------------------------------------------------------------------------------------
def cors_policy(cors: Any, b: Behaviour) -> dict | None:
    if cors is None:
        return None
    from mesh_compile.build.route_match import string_match

    out: dict[str, Any] = {}
    if b.cors_typed_filter:
        out["@type"] = "type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy"
    # allowOrigins wins; the deprecated allowOrigin list is read only without it
    if cors.allowOrigins:
        origins = [string_match(o) for o in cors.allowOrigins]
    else:
        origins = [{"exact": o} for o in (getattr(cors, "allowOrigin", None) or [])]
    if origins:
        out["allowOriginStringMatch"] = [o for o in origins if o is not None]
    for field, src in (("allowMethods", "allowMethods"), ("allowHeaders", "allowHeaders"),
                       ("exposeHeaders", "exposeHeaders")):
        values = getattr(cors, src, None) or []
        if values:
            out[field] = ",".join(values)
    if getattr(cors, "maxAge", None):
        out["maxAge"] = str(int(parse_duration(cors.maxAge)))
    if getattr(cors, "allowCredentials", None) is not None:
        out["allowCredentials"] = bool(cors.allowCredentials)
    out["filterEnabled"] = {"defaultValue": {"numerator": 100}}
    if b.cors_typed_filter and b.cors_forward_not_matching_preflights:
        out["forwardNotMatchingPreflights"] = getattr(cors, "unmatchedPreflights", None) != "IGNORE"
    return out


# --- redirect and direct response ---------------------------------------------------------------
def redirect_action(redirect: Any, listener_port: int, b: Behaviour, is_tls: bool = False) -> dict | None:
    """ApplyRedirect. None when the redirect code is one istiod cannot express (the route then has no
    action). From 1.18 a port that is the scheme's default (80 for http, 443 for https; without a
    scheme, https on a TLS server and http otherwise) is left out; 1.17 printed it."""
    code = getattr(redirect, "redirectCode", None) or 0
    if code not in _REDIRECT_CODES:
        return None
    out: dict[str, Any] = {}
    scheme = getattr(redirect, "scheme", None)
    if scheme:
        out["schemeRedirect"] = scheme
    if getattr(redirect, "authority", None):
        out["hostRedirect"] = redirect.authority
    port = getattr(redirect, "port", None)
    if getattr(redirect, "derivePort", None) == "FROM_REQUEST_PORT":
        port = listener_port
    if port and b.redirect_default_port_elision:
        effective = scheme or ("https" if is_tls else "http")
        if (port, effective) in ((80, "http"), (443, "https")):
            port = None
    if port:
        out["portRedirect"] = port
    # istiod always sets the path oneof, so protojson prints it even when empty
    out["pathRedirect"] = getattr(redirect, "uri", None) or ""
    if _REDIRECT_CODES[code]:
        out["responseCode"] = _REDIRECT_CODES[code]
    return out


def direct_response(dr: Any) -> dict:
    out: dict[str, Any] = {"status": dr.status}
    body = getattr(dr, "body", None)
    if body is not None:
        if getattr(body, "string", None) is not None:
            out["body"] = {"inlineString": body.string}
        elif getattr(body, "bytes", None) is not None:
            raw = body.bytes if isinstance(body.bytes, str) else base64.b64encode(body.bytes).decode()
            out["body"] = {"inlineBytes": raw}
    return out
