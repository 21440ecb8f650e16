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


def _is_present(m: Any) -> bool:
    return string_match(m) is None or getattr(m, "regex", None) == "*"


def header_matcher(name: str, m: Any, *, invert: bool, b: Behaviour) -> dict:
    out: dict[str, Any] = {"name": name}
    present = _is_present(m)
    if present:
        out["presentMatch"] = True
    else:
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
    params = [_query_param(name, m) for name, m in (match.queryParams or {}).items()]
    if params:
        out["queryParameters"] = params
    return out


def _headers(match: Any, b: Behaviour) -> list[dict]:
    matchers = []
    for name, m in (match.headers or {}).items():
        if name.startswith("@request.auth.claims"):
            continue  # JWT claim routing becomes dynamic metadata matchers (issue 6)
        matchers.append(header_matcher(name.lower(), m, invert=False, b=b))
    for name, m in (match.withoutHeaders or {}).items():
        if name.startswith("@request.auth.claims"):
            continue
        matchers.append(header_matcher(name.lower(), m, invert=True, b=b))
    matchers.sort(key=lambda h: h["name"])
    for pseudo, attr in ((":method", "method"), (":authority", "authority"), (":scheme", "scheme")):
        value = getattr(match, attr, None)
        if value is not None:
            matchers.append(header_matcher(pseudo, value, invert=False, b=b))
    return matchers


def _query_param(name: str, m: Any) -> dict:
    sm = string_match(m)
    if sm is None or getattr(m, "regex", None) == "*":
        return {"name": name, "presentMatch": True}
    return {"name": name, "stringMatch": sm}


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
