"""VirtualService HTTPMatchRequest -> Envoy RouteMatch (route.TranslateRouteMatch; facts 2.2)."""
from __future__ import annotations

from typing import Any

from mesh_compile.versions import Behaviour


def string_match(m: Any) -> dict | None:
    """Istio StringMatch -> Envoy StringMatcher; None for an empty match (istiod turns it into presentMatch)."""
    if m is None:
        return None
    if getattr(m, "exact", None) is not None:
        return {"exact": m.exact}
    if getattr(m, "prefix", None) is not None:
        return {"prefix": m.prefix}
    if getattr(m, "regex", None) is not None:
        return {"safeRegex": {"regex": m.regex}}
    return None


def _is_present(m: Any, b: Behaviour) -> bool:
    """canBeConvertedToPresentMatch: `regex: "*"` always; an empty StringMatch only from 1.21 (before,
    it gave a matcher with no specifier at all)."""
    if m is None or getattr(m, "regex", None) == "*":
        return True
    return string_match(m) is None and b.empty_match_is_present


def header_matcher(name: str, m: Any, *, invert: bool, b: Behaviour) -> dict:
    out: dict[str, Any] = {"name": name}
    present = _is_present(m, b)
    if present:
        out["presentMatch"] = True
    elif string_match(m) is not None:
        out["stringMatch"] = string_match(m)
    if invert:
        out["invertMatch"] = True
        if not present and b.treat_missing_header_as_empty:
            out["treatMissingHeaderAsEmpty"] = True
    return out


def translate_match(match: Any | None, b: Behaviour) -> dict:
    """A match block -> RouteMatch. No block -> `{"prefix": "/"}` without caseSensitive."""
    if match is None:
        return {"prefix": "/"}
    out: dict[str, Any] = {}
    uri = match.uri
    if uri is not None and getattr(uri, "exact", None) is not None:
        out["path"] = uri.exact
    elif uri is not None and getattr(uri, "prefix", None) is not None:
        out["prefix"] = uri.prefix
    elif uri is not None and getattr(uri, "regex", None) is not None:
        out["safeRegex"] = {"regex": uri.regex}
    else:
        out["prefix"] = "/"
    out["caseSensitive"] = not bool(match.ignoreUriCase)
    headers = _headers(match, b)
    if headers:
        out["headers"] = headers
    params = [_query_param(name, m, b) for name, m in (match.queryParams or {}).items()]
    if params:
        out["queryParameters"] = params
    claims = _claim_matchers(match, b)
    if claims:
        out["dynamicMetadata"] = claims
    return out


def _headers(match: Any, b: Behaviour) -> list[dict]:
    # istiod keeps header names as written (TranslateRouteMatch never lowercases them)
    matchers = []
    for name, m in (match.headers or {}).items():
        if jwt_claim_path(name, b) is None:
            matchers.append(header_matcher(name, m, invert=False, b=b))
    for name, m in (match.withoutHeaders or {}).items():
        if jwt_claim_path(name, b) is None:
            matchers.append(header_matcher(name, m, invert=True, b=b))
    matchers.sort(key=lambda h: h["name"])
    for pseudo, attr in ((":method", "method"), (":authority", "authority"), (":scheme", "scheme")):
        value = getattr(match, attr, None)
        if value is not None:
            matchers.append(header_matcher(pseudo, value, invert=False, b=b))
    return matchers


JWT_CLAIM_HEADER = "@request.auth.claims"


def jwt_claim_path(name: str, b: Behaviour) -> list[str] | None:
    """The claim names of a `@request.auth.claims...` header (prefix compared case-insensitively), or None
    for an ordinary header. 1.19+ pkg/jwt/routing.go ToRoutingClaim: `.a.b` or `[a][b]`; 1.17.8/1.18.7
    route.go translateMetadataMatch: the prefix `@request.auth.claims.`, the rest split on `.`."""
    if not name.lower().startswith(JWT_CLAIM_HEADER):
        return None
    rest = name[len(JWT_CLAIM_HEADER):]
    if not b.jwt_claim_brackets:
        return rest[1:].split(".") if rest.startswith(".") else None
    if rest.startswith(".") and len(rest) > 1:
        return rest[1:].split(".")
    if rest.startswith("[") and rest.endswith("]") and len(rest) > 2:
        return rest[1:-1].split("][")
    return None


def _claim_matchers(match: Any, b: Behaviour) -> list[dict]:
    """RouteMatch.dynamicMetadata: one matcher per JWT claim header (headers, then withoutHeaders with
    invert). istiod ranges over the header maps unsorted; we sort by header name to stay deterministic."""
    out = []
    for headers, invert in ((match.headers, False), (match.withoutHeaders, True)):
        for name in sorted(headers or {}):
            path = jwt_claim_path(name, b)
            if path is not None:
                out.append(claim_metadata_matcher(path, string_match(headers[name]) or {}, invert, b))
    return out


def claim_metadata_matcher(claims: list[str], value: dict, invert: bool, b: Behaviour) -> dict:
    """authz/model/util.go MetadataMatcherForJWTClaims -> authz/matcher/metadata.go MetadataListMatcher.
    1.21+ (the proxy supports the extended JWT filter): filter envoy.filters.http.jwt_authn, path
    payload.<claims>, value orMatch[listMatch oneOf the string, the string itself]; 1.17-1.20: filter
    istio_authn, path request.auth.claims.<claims>, value listMatch oneOf the string."""
    one_of = {"listMatch": {"oneOf": {"stringMatch": value}}}
    if b.jwt_claims_extended_jwt:
        filter_name, root = "envoy.filters.http.jwt_authn", "payload"
        matched = {"orMatch": {"valueMatchers": [one_of, {"stringMatch": value}]}}
    else:
        filter_name, root, matched = "istio_authn", "request.auth.claims", one_of
    out: dict[str, Any] = {"filter": filter_name, "path": [{"key": k} for k in [root, *claims]], "value": matched}
    if invert:
        out["invert"] = True
    return out


def _query_param(name: str, m: Any, b: Behaviour) -> dict:
    """translateQueryParamMatch. 1.17 knew only exact and regex (a prefix or empty matcher gave a bare
    name, `regex: "*"` a literal regex); 1.18 added presentMatch for `*` and prefixes."""
    if not b.query_param_string_match:
        if getattr(m, "exact", None) is not None:
            return {"name": name, "stringMatch": {"exact": m.exact}}
        if getattr(m, "regex", None) is not None:
            return {"name": name, "stringMatch": {"safeRegex": {"regex": m.regex}}}
        return {"name": name}
    if _is_present(m, b):
        return {"name": name, "presentMatch": True}
    sm = string_match(m)
    return {"name": name, "stringMatch": sm} if sm is not None else {"name": name}


def is_catch_all(route_match: dict) -> bool:
    """IsCatchAllRoute: path `/` prefix or `.*` regex with no header or query matchers."""
    if route_match.get("headers") or route_match.get("queryParameters") or route_match.get("dynamicMetadata"):
        return False
    if route_match.get("prefix") == "/" or route_match.get("pathSeparatedPrefix") == "/":
        return True
    return route_match.get("safeRegex", {}).get("regex") == ".*"


def operation_path(route_match: dict) -> str:
    """The `<path>` of decorator.operation (GetRouteOperation)."""
    if "prefix" in route_match:
        return route_match["prefix"] + "*"
    if "path" in route_match:
        return route_match["path"]
    if "safeRegex" in route_match:
        return route_match["safeRegex"]["regex"]
    return "/*"
