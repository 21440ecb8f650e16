"""Route hashPolicy from the DestinationRule's consistentHash (route.go hashForService; facts 2.8)."""
from __future__ import annotations

from typing import Any

from mesh_compile.index.hosts import resolve_short_name
from mesh_compile.model.duration import parse_duration, to_proto_duration


def _port_policy(policy: Any, port: int | None) -> Any:
    if policy is None or port is None:
        return policy
    for pls in policy.portLevelSettings or []:
        if pls.port is not None and pls.port.number == port:
            return pls
    return policy


def consistent_hash(dr_spec: Any, subset: str | None, port: int | None) -> Any:
    """Subset+port, then subset, then DR port level (only with an explicit port), then top level."""
    candidates = []
    for s in dr_spec.subsets or []:
        if subset and s.name == subset and s.trafficPolicy is not None:
            if port is not None:
                candidates.append(_port_policy(s.trafficPolicy, port) if _has_port(s.trafficPolicy, port) else None)
            candidates.append(s.trafficPolicy)
    top = dr_spec.trafficPolicy
    if top is not None:
        if port is not None and _has_port(top, port):
            candidates.append(_port_policy(top, port))
        candidates.append(top)
    for policy in candidates:
        lb = getattr(policy, "loadBalancer", None) if policy is not None else None
        if lb is not None and lb.consistentHash is not None:
            return lb.consistentHash
    return None


def _has_port(policy: Any, port: int) -> bool:
    return any(p.port is not None and p.port.number == port for p in policy.portLevelSettings or [])


def to_hash_policy(ch: Any) -> dict | None:
    if getattr(ch, "httpHeaderName", None):
        return {"header": {"headerName": ch.httpHeaderName}}
    cookie = getattr(ch, "httpCookie", None)
    if cookie is not None:
        c: dict[str, Any] = {"name": cookie.name}
        if getattr(cookie, "ttl", None):
            c["ttl"] = to_proto_duration(parse_duration(cookie.ttl))
        if getattr(cookie, "path", None):
            c["path"] = cookie.path
        return {"cookie": c}
    if getattr(ch, "useSourceIp", None):
        return {"connectionProperties": {"sourceIp": True}}
    if getattr(ch, "httpQueryParameterName", None):
        return {"queryParameter": {"name": ch.httpQueryParameterName}}
    return None


def hash_policy_for(dest: Any, vs_namespace: str, ctx: Any) -> list[dict] | None:
    host = resolve_short_name(dest.host, vs_namespace, ctx.index.mesh.domain_suffix)
    svc = ctx.index.service_for_host(host, ctx.proxy.namespace)
    if svc is None:
        return None
    drs = ctx.index.destination_rule(ctx.proxy.namespace, ctx.proxy.labels, svc)
    if not drs:
        return None
    port = dest.port.number if dest.port is not None and dest.port.number else None
    ch = consistent_hash(drs[0].spec, dest.subset, port)
    policy = to_hash_policy(ch) if ch is not None else None
    return [policy] if policy else None
