"""VirtualService http[] -> Envoy routes (route.BuildHTTPRoutesForVirtualService, TranslateRoute; facts 2)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from mesh_compile.build import route_extras as X
from mesh_compile.build.delegate import merged_http_routes
from mesh_compile.build.hash_policy import hash_policy_for
from mesh_compile.build.memo import PartsMemo, proto_duration
from mesh_compile.build.names import OUTBOUND, parse_subset_key, subset_key
from mesh_compile.build.retry import convert_policy
from mesh_compile.build.route_match import is_catch_all, operation_path, translate_match
from mesh_compile.index.hosts import resolve_gateway_name, resolve_short_name
from mesh_compile.index.mesh_index import MeshIndex, VirtualServiceView
from mesh_compile.index.proxy import Proxy
from mesh_compile.index.services import Service
from mesh_compile.versions import Behaviour


@dataclass
class RouteContext:
    b: Behaviour
    index: MeshIndex
    proxy: Proxy
    listener_port: int                 # sidecar: the route config's port; gateway: the server port
    gateway: str                       # "mesh" or "ns/name"
    lookup: Callable[[str, str], Service | None]   # (fqdn, vs namespace) -> service in this build's table
    is_tls: bool = False               # a gateway HTTPS server (RouteOptions.IsTLS): redirect defaults to https
    # route parts made once per model object (build/memo.py); a sidecar's contexts of all ports share one,
    # so only parts that do not depend on the listener port or the lookup may go in
    memo: PartsMemo = field(default_factory=PartsMemo)


def build_vs_routes(vs: VirtualServiceView, ctx: RouteContext) -> list[dict]:
    """Routes of one VirtualService for one listener, stopping after the first catch-all."""
    out: list[dict] = []
    for http in merged_http_routes(vs, ctx.index):
        if not http.match:
            route = translate_route(vs, http, None, ctx)
            if route is not None:
                out.append(route)
            break
        caught = False
        for match in http.match:
            route = translate_route(vs, http, match, ctx)
            if route is not None:
                out.append(route)
                if is_catch_all(route["match"]):
                    caught = True
                    break
        if caught:
            break
    return out


def match_applies(match: Any, ctx: RouteContext, vs_namespace: str) -> bool:
    """sourceMatchHTTP and the port/gateway filters of facts 2.1. Match-level gateway names resolve like
    the VirtualService's own `gateways` (short names in the VS namespace, `./x`, `name.ns.svc...`)."""
    if match.port and match.port != ctx.listener_port:
        return False
    if match.gateways:
        return ctx.gateway in [resolve_gateway_name(g, vs_namespace) for g in match.gateways]
    if match.sourceLabels and any(ctx.proxy.labels.get(k) != v for k, v in match.sourceLabels.items()):
        return False
    if match.sourceNamespace and match.sourceNamespace != ctx.proxy.namespace:
        return False
    return True


def route_name(http: Any, match: Any | None) -> str | None:
    base = http.name or ""
    if match is not None and getattr(match, "name", None):
        return f"{base}.{match.name}"
    return base or None


def translate_route(vs: VirtualServiceView, http: Any, match: Any | None, ctx: RouteContext) -> dict | None:
    if match is not None and not match_applies(match, ctx, vs.namespace):
        return None
    out: dict[str, Any] = {}
    name = route_name(http, match)
    if name:
        out["name"] = name
    out["match"] = (translate_match(None, ctx.b) if match is None
                    else ctx.memo.of(match, "match", lambda: translate_match(match, ctx.b)))
    req_add, req_remove, authority = X.header_options(getattr(http.headers, "request", None), ctx.b)
    resp_add, resp_remove, _ = X.header_options(getattr(http.headers, "response", None), ctx.b)
    if http.redirect is not None:
        action = X.redirect_action(http.redirect, ctx.listener_port, ctx.b, ctx.is_tls)
        if action is not None:
            out["redirect"] = action
    elif http.directResponse is not None:
        out["directResponse"] = X.direct_response(http.directResponse)
    else:
        action, dest_ops = route_action(vs, http, ctx, authority)
        out["route"] = action
        # a single destination's header operations follow the route's own (processDestination)
        req_add, req_remove, resp_add, resp_remove = (
            a + d for a, d in zip((req_add, req_remove, resp_add, resp_remove), dest_ops))
    out["metadata"] = config_metadata(vs, ctx.b)
    out["decorator"] = {"operation": route_operation(out, vs.name, ctx.listener_port)}
    per_filter = _per_filter_config(http, ctx.b)
    if per_filter:
        out["typedPerFilterConfig"] = per_filter
    for key, value in (("requestHeadersToAdd", req_add), ("requestHeadersToRemove", req_remove),
                       ("responseHeadersToAdd", resp_add), ("responseHeadersToRemove", resp_remove)):
        if value:
            out[key] = value
    if match is not None and getattr(match, "statPrefix", None):
        out["statPrefix"] = match.statPrefix
    return out


def config_metadata(vs: VirtualServiceView, b: Behaviour) -> dict:
    path = f"/apis/networking.istio.io/{b.config_api_version}/namespaces/{vs.namespace}/virtual-service/{vs.name}"
    return {"filterMetadata": {"istio": {"config": path}}}


def route_operation(route: dict, vs_name: str, port: int) -> str:
    """GetRouteOperation: `host:port<path>` for a single subset-key cluster, else `vsname:port<path>`."""
    path = operation_path(route["match"])
    cluster = route.get("route", {}).get("cluster")
    key = parse_subset_key(cluster) if cluster else None
    if key is not None:
        return f"{key[3]}:{key[1]}{path}"
    return f"{vs_name}:{port}{path}"


def _per_filter_config(http: Any, b: Behaviour) -> dict:
    out: dict[str, Any] = {}
    fault = X.fault_filter(http.fault)
    if fault:
        out["envoy.filters.http.fault"] = fault
    if b.cors_typed_filter:
        cors = X.cors_policy(http.corsPolicy, b)
        if cors:
            out["envoy.filters.http.cors"] = cors
    return out


def destination_cluster(dest: Any, vs_namespace: str, ctx: RouteContext) -> str:
    """route.GetDestinationCluster (facts 2.5)."""
    host = resolve_short_name(dest.host, vs_namespace, ctx.index.mesh.domain_suffix)
    if dest.port is not None and dest.port.number:
        port = dest.port.number
    else:
        svc = ctx.lookup(host, vs_namespace)
        port = svc.ports[0].port if svc is not None and len(svc.ports) == 1 else ctx.listener_port
    return subset_key(OUTBOUND, dest.subset or "", host, port)


def _hash_policy(dest: Any, vs_namespace: str, ctx: RouteContext) -> list[dict] | None:
    """hash_policy_for, once per destination: it reads the proxy and the destination, not the port."""
    return ctx.memo.of(dest, ("hash", vs_namespace), lambda: hash_policy_for(dest, vs_namespace, ctx))


def route_action(vs: VirtualServiceView, http: Any, ctx: RouteContext,
                 authority: str | None) -> tuple[dict, tuple[list, list, list, list]]:
    """RouteAction for `route:` destinations; returns (action, the single destination's header operations:
    request add, request remove, response add, response remove)."""
    b = ctx.b
    dests = list(http.route)
    clusters = [destination_cluster(d.destination, vs.namespace, ctx) for d in dests]
    hashes = [_hash_policy(d.destination, vs.namespace, ctx) for d in dests]
    action: dict[str, Any] = {}
    dest_ops: tuple[list, list, list, list] = ([], [], [], [])
    single_hash = len(dests) == 1 and hashes[0] is not None
    if http.rewrite is not None:
        _apply_rewrite(action, http.rewrite, b)
        authority = http.rewrite.authority or authority
    weighted = _weighted_clusters(dests, clusters, b)
    if weighted is None:
        single = _single_destination(dests, clusters, b)
        if single is not None:
            dest, action["cluster"] = single
            req_add, req_remove, resp_add, resp_remove, dest_auth = _destination_ops(dest, b)
            dest_ops = (req_add, req_remove, resp_add, resp_remove)
            authority = authority or dest_auth  # the route's own authority wins
    else:
        action["weightedClusters"] = weighted
    action = _ordered_action(action)
    if authority:
        action["hostRewriteLiteral"] = authority
    timeout = proto_duration(http.timeout) if http.timeout else "0s"
    action["timeout"] = timeout
    retries = http.retries if http.retries is not None else ctx.index.mesh.default_http_retry_policy
    policy = ctx.memo.of(retries, ("retries", single_hash),
                         lambda: convert_policy(retries, b, hash_based=single_hash))
    if policy is not None:
        action["retryPolicy"] = policy
    mirrors = _mirror_policies(http, vs.namespace, ctx)
    if mirrors:
        action["requestMirrorPolicies"] = mirrors
    hash_list = [h for hs in hashes if hs for h in hs]
    if hash_list:
        action["hashPolicy"] = hash_list
    if not b.cors_typed_filter:
        cors = X.cors_policy(http.corsPolicy, b)
        if cors:
            action["cors"] = cors
    action["maxGrpcTimeout"] = timeout
    return action, dest_ops


def _ordered_action(action: dict) -> dict:
    """RouteAction keys in .proto order: the cluster specifier before the rewrites."""
    order = ("cluster", "weightedClusters", "prefixRewrite", "regexRewrite")
    return {k: action[k] for k in order if k in action}


def _single_destination(dests: list[Any], clusters: list[str], b: Behaviour) -> tuple[Any, str] | None:
    """The destination of a plain `cluster` action: the only one (1.19+), or in 1.17-1.18 the single
    entry left after dropping weight-0 destinations (its headers are hoisted onto the route)."""
    if b.weighted_stays_weighted or len(dests) == 1:
        return (dests[0], clusters[0]) if dests else None
    kept = [(d, c) for d, c in zip(dests, clusters) if d.weight]
    return kept[0] if len(kept) == 1 else None


def _destination_ops(dest: Any, b: Behaviour) -> tuple[list, list, list, list, str | None]:
    """A destination's header operations: request add/remove, response add/remove, authority."""
    headers = getattr(dest, "headers", None)
    if headers is None:
        return [], [], [], [], None
    req_add, req_remove, authority = X.header_options(headers.request, b)
    resp_add, resp_remove, _ = X.header_options(headers.response, b)
    return req_add, req_remove, resp_add, resp_remove, authority


def _apply_rewrite(action: dict, rewrite: Any, b: Behaviour) -> None:
    """uriRegexRewrite (1.19+) takes the place of a uri rewrite; before 1.19 only `uri` was read."""
    regex = getattr(rewrite, "uriRegexRewrite", None)
    if regex is not None and b.uri_regex_rewrite:
        action["regexRewrite"] = {"pattern": {"regex": regex.match or ""}, "substitution": regex.rewrite or ""}
    elif getattr(rewrite, "uri", None):
        action["prefixRewrite"] = rewrite.uri


def _weighted_clusters(dests: list[Any], clusters: list[str], b: Behaviour) -> dict | None:
    """None means a plain `cluster` action (facts 2.3, with the 1.17 collapse rules)."""
    if len(dests) == 1 and b.weighted_stays_weighted:
        return None
    entries = []
    for dest, cluster in zip(dests, clusters):
        weight = dest.weight or 0
        if weight == 0 and not (len(dests) == 1 and not b.weighted_stays_weighted):
            continue
        entry: dict[str, Any] = {"name": cluster, "weight": weight or 100}
        _cluster_weight_headers(entry, dest, b)
        entries.append(entry)
    if not b.weighted_stays_weighted and len(entries) == 1:
        return None
    out: dict[str, Any] = {"clusters": entries}
    if not b.no_total_weight:
        out["totalWeight"] = sum(e["weight"] for e in entries)
    return out


def _cluster_weight_headers(entry: dict, dest: Any, b: Behaviour) -> None:
    headers = getattr(dest, "headers", None)
    if headers is None:
        return
    req_add, req_remove, authority = X.header_options(headers.request, b)
    resp_add, resp_remove, _ = X.header_options(headers.response, b)
    for key, value in (("requestHeadersToAdd", req_add), ("requestHeadersToRemove", req_remove),
                       ("responseHeadersToAdd", resp_add), ("responseHeadersToRemove", resp_remove)):
        if value:
            entry[key] = value
    if authority:
        entry["hostRewriteLiteral"] = authority


def _mirror_policies(http: Any, vs_namespace: str, ctx: RouteContext) -> list[dict]:
    out = []
    if http.mirror is not None:
        fraction = X.mirror_fraction(http.mirrorPercentage, getattr(http, "mirrorPercent", None))
        if fraction is not None:
            out.append(X.mirror_policy(destination_cluster(http.mirror, vs_namespace, ctx), fraction, ctx.b))
    if ctx.b.mirrors_list:
        for m in http.mirrors or []:
            fraction = X.mirror_fraction(m.percentage, None)
            if fraction is not None:
                out.append(X.mirror_policy(destination_cluster(m.destination, vs_namespace, ctx), fraction, ctx.b))
    return out
