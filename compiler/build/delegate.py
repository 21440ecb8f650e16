"""VirtualService delegation: a root's `http[].delegate` replaced by the delegate's routes, merged.

Learnt from istiod pilot/pkg/model/virtualservice.go (mergeVirtualServicesIfNeeded at 1.17.8;
virtualservice_controller.go mergeVirtualServices at 1.30.3; mergeHTTPRoute, mergeHTTPMatchRequest,
hasConflict and stringMatchConflict in both; facts section 3):

* a VirtualService with no `hosts` is a delegate; it never routes by itself;
* a root route naming a missing delegate, or one not exported to the root's namespace, is dropped;
* each delegate route is merged with the root route (the delegate's fields win, the root fills gaps);
  a delegate route whose matches do not fit inside the root's matches is dropped;
* short names inside the delegate resolve in the delegate's namespace (istiod resolves every
  VirtualService before merging), and the merged routes belong to the root (metadata, operation name).
"""
from __future__ import annotations

from typing import Any

from mesh_compile.index.hosts import resolve_gateway_name, resolve_short_name
from mesh_compile.index.mesh_index import MeshIndex, VirtualServiceView

# Fields a delegate route takes from the root when it has none of its own (mergeHTTPRoute).
# `redirect` is deliberately absent: istiod never copies it.
_INHERITED = ("rewrite", "directResponse", "timeout", "retries", "fault", "mirror", "mirrorPercent",
              "mirrorPercentage", "corsPolicy", "headers")


def is_root(vs: VirtualServiceView) -> bool:
    return any(http.delegate is not None for http in vs.spec.http)


def merged_http_routes(vs: VirtualServiceView, index: MeshIndex) -> list[Any]:
    """The root's http[] with every delegate route expanded; a plain VirtualService's http[] unchanged."""
    if not vs.spec.hosts or not is_root(vs):
        return list(vs.spec.http) if vs.spec.hosts else []
    out: list[Any] = []
    for http in vs.spec.http:
        if http.delegate is None:
            out.append(http)
            continue
        delegate = find_delegate(vs, http.delegate, index)
        if delegate is None:
            continue  # missing or not exported: istiod drops only this root route
        root_http = _resolved_copy(http, vs.namespace, index)  # istiod compares resolved gateway names
        for sub in delegate.spec.http:
            merged = merge_http_route(root_http, _resolved_copy(sub, delegate.namespace, index))
            if merged is not None:
                out.append(merged)
    return out


def find_delegate(root: VirtualServiceView, ref: Any, index: MeshIndex) -> VirtualServiceView | None:
    namespace = ref.namespace or root.namespace
    for vs in index.virtual_services:
        if vs.name == ref.name and vs.namespace == namespace and not vs.spec.hosts:
            return vs if exported_to(vs, root.namespace, index) else None
    return None


def exported_to(delegate: VirtualServiceView, namespace: str, index: MeshIndex) -> bool:
    """The delegate's exportTo (or the mesh default), `.` meaning its own namespace."""
    rules = list(delegate.spec.exportTo) or list(index.mesh.default_virtual_service_export_to)
    visible = {delegate.namespace if r == "." else r for r in rules}
    return "*" in visible or namespace in visible


def _resolved_copy(http: Any, namespace: str, index: MeshIndex) -> Any:
    """A deep copy of a delegate route with its short names resolved in the delegate's namespace."""
    out = http.model_copy(deep=True)
    suffix = index.mesh.domain_suffix
    for dest in out.route:
        dest.destination.host = resolve_short_name(dest.destination.host, namespace, suffix)
    if out.mirror is not None:
        out.mirror.host = resolve_short_name(out.mirror.host, namespace, suffix)
    for mirror in out.mirrors:
        mirror.destination.host = resolve_short_name(mirror.destination.host, namespace, suffix)
    for match in out.match:
        match.gateways = [g if g == "mesh" else resolve_gateway_name(g, namespace) for g in match.gateways]
    return out


def merge_http_route(root: Any, delegate: Any) -> Any | None:
    """mergeHTTPRoute: None when the delegate's matches conflict with the root's."""
    matches, conflict = merge_matches(root.match, delegate.match)
    if conflict:
        return None
    update: dict[str, Any] = {"match": matches, "name": _joined(root.name, delegate.name) or None}
    for field in _INHERITED:
        if getattr(delegate, field) is None:
            update[field] = getattr(root, field)
    if not delegate.mirrors:
        update["mirrors"] = list(root.mirrors)
    return delegate.model_copy(update=update)


def _joined(root_name: str | None, leaf_name: str | None) -> str:
    if not leaf_name:
        return root_name or ""
    return f"{root_name}-{leaf_name}" if root_name else leaf_name


def merge_matches(root: list[Any], delegate: list[Any]) -> tuple[list[Any], bool]:
    """mergeHTTPMatchRequests: every delegate match must fit at least one root match."""
    if not root:
        return list(delegate), False
    if not delegate:
        return list(root), False
    out = []
    for leaf in delegate:
        fitting = [merge_match(r, leaf) for r in root if not has_conflict(r, leaf)]
        if not fitting:
            return [], True
        out.extend(fitting)
    return out, not out


def merge_match(root: Any, leaf: Any) -> Any:
    """mergeHTTPMatchRequest: the leaf's values, the root's where the leaf has none; maps are unions."""
    update: dict[str, Any] = {"name": _joined(root.name, leaf.name) or None}
    for field in ("uri", "scheme", "method", "authority", "port", "sourceNamespace", "statPrefix"):
        if not getattr(leaf, field):
            update[field] = getattr(root, field)
    for field in ("headers", "withoutHeaders", "queryParams", "sourceLabels"):
        update[field] = {**getattr(root, field), **getattr(leaf, field)}
    if not leaf.gateways:
        update["gateways"] = list(root.gateways)
    return leaf.model_copy(update=update)


def has_conflict(root: Any, leaf: Any) -> bool:
    """hasConflict: True when the leaf match is not a narrowing of the root match."""
    for field in ("uri", "scheme", "method", "authority"):
        if string_match_conflict(getattr(root, field), getattr(leaf, field)):
            return True
    for field in ("headers", "withoutHeaders", "queryParams"):
        mine = getattr(root, field)
        if any(string_match_conflict(mine.get(k), v) for k, v in getattr(leaf, field).items()):
            return True
    if bool(root.ignoreUriCase) != bool(leaf.ignoreUriCase):
        return True
    if root.port and leaf.port and root.port != leaf.port:
        return True
    if root.sourceNamespace and leaf.sourceNamespace != root.sourceNamespace:
        return True
    if any(k in root.sourceLabels and root.sourceLabels[k] != v for k, v in leaf.sourceLabels.items()):
        return True
    if root.gateways and leaf.gateways:
        return len(root.gateways) < len(leaf.gateways) or not set(leaf.gateways) <= set(root.gateways)
    return False


def string_match_conflict(root: Any, leaf: Any) -> bool:
    """stringMatchConflict; an empty string counts as unset, as with Go's getters."""
    if root is None or leaf is None:
        return False
    r_exact, r_prefix, r_regex = root.exact or "", root.prefix or "", root.regex or ""
    l_exact, l_prefix, l_regex = leaf.exact or "", leaf.prefix or "", leaf.regex or ""
    if r_regex and (l_regex or l_prefix or l_exact):
        return True
    if l_regex and (r_regex or r_prefix or r_exact):
        return True
    if r_exact:
        return bool(l_prefix) or l_exact != r_exact
    if r_prefix:
        if l_prefix:
            return not l_prefix.startswith(r_prefix)
        if l_exact:
            return not l_exact.startswith(r_prefix)
    return True
