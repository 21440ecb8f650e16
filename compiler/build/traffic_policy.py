"""DestinationRule trafficPolicy -> Cluster fields (cluster_traffic_policy.go; facts 5.4-5.6, 5.8)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mesh_compile.model.duration import parse_duration, to_proto_duration
from mesh_compile.versions import Behaviour

MAX_U32 = 4294967295


@dataclass
class Policy:
    """The four blocks of a resolved traffic policy, plus the TLS settings, plus the whole-policy settings
    a port-level entry cannot carry (proxyProtocol, tunnel, retryBudget)."""
    connectionPool: Any = None
    loadBalancer: Any = None
    outlierDetection: Any = None
    tls: Any = None
    proxyProtocol: Any = None
    tunnel: Any = None
    retryBudget: Any = None


def _port_level(policy: Any, port: int) -> Any | None:
    for pls in getattr(policy, "portLevelSettings", None) or []:
        if pls.port is not None and pls.port.number == port:
            return pls
    return None


def _blocks(policy: Any, port: int) -> Policy:
    """util.go GetPortLevelTrafficPolicy: a matching port-level entry is copied by
    shadowCopyPortTrafficPolicy, which keeps the four blocks only (no proxyProtocol/tunnel/retryBudget)."""
    if policy is None:
        return Policy()
    chosen = _port_level(policy, port)
    if chosen is not None:
        return Policy(chosen.connectionPool, chosen.loadBalancer, chosen.outlierDetection, chosen.tls)
    return Policy(policy.connectionPool, policy.loadBalancer, policy.outlierDetection, policy.tls,
                  policy.proxyProtocol, policy.tunnel, policy.retryBudget)


def _either(sub: Any, base: Any) -> Any:
    return sub if sub is not None else base


def merged_policy(dr_spec: Any | None, subset: Any | None, port: int, retry_budget_merge: bool = True) -> Policy:
    """util.MergeSubsetTrafficPolicy: the port level replaces the top level whole; a subset's set blocks
    replace the DR's, and a subset port-level entry replaces all four. proxyProtocol and tunnel of the
    subset replace the DR's when set (mergeTrafficPolicy). retryBudget: `retry_budget_merge` (1.29.2+) treats
    it the same way; before, ShallowCopyTrafficPolicy dropped it from every subset merge, so a subset kept a
    retry budget only when the DR had no top-level trafficPolicy."""
    if dr_spec is None:
        return Policy()
    base = _blocks(dr_spec.trafficPolicy, port)
    sub_policy = subset.trafficPolicy if subset is not None else None
    if sub_policy is None:
        return base
    sub = _blocks(sub_policy, port)
    if _port_level(sub_policy, port) is not None:
        four = (sub.connectionPool, sub.loadBalancer, sub.outlierDetection, sub.tls)
    else:
        four = (_either(sub.connectionPool, base.connectionPool), _either(sub.loadBalancer, base.loadBalancer),
                _either(sub.outlierDetection, base.outlierDetection), _either(sub.tls, base.tls))
    if retry_budget_merge:
        budget = _either(sub.retryBudget, base.retryBudget)
    else:
        budget = sub.retryBudget if dr_spec.trafficPolicy is None else None
    return Policy(*four, _either(sub.proxyProtocol, base.proxyProtocol), _either(sub.tunnel, base.tunnel), budget)


def circuit_breakers(pool: Any, track_remaining: bool, budget: dict | None = None) -> dict:
    """One thresholds entry: istiod's defaults (MaxUint32) overridden by the pool; `budget` from
    retry_budget() sits between maxRetries and trackRemaining (Thresholds declaration order)."""
    t: dict[str, Any] = {"maxConnections": MAX_U32, "maxPendingRequests": MAX_U32,
                         "maxRequests": MAX_U32, "maxRetries": MAX_U32}
    tcp = getattr(pool, "tcp", None) if pool is not None else None
    http = getattr(pool, "http", None) if pool is not None else None
    for key, src, attr in (("maxConnections", tcp, "maxConnections"),
                           ("maxPendingRequests", http, "http1MaxPendingRequests"),
                           ("maxRequests", http, "http2MaxRequests"),
                           ("maxRetries", http, "maxRetries")):
        value = getattr(src, attr, None) if src is not None else None
        if value and value > 0:
            t[key] = value
    if budget is not None:
        t["retryBudget"] = budget
    if track_remaining:
        t["trackRemaining"] = True
    return {"thresholds": [t]}


def retry_budget(rb: Any, b: Behaviour) -> dict | None:
    """cluster_traffic_policy.go applyRetryBudget (1.27+): budgetPercent = `percent` when set, else the
    default (0.2 in 1.27.x and 1.28.0-1.28.5, 20.0 from 1.28.6/1.29.2, i.e. 20 percent); minRetryConcurrency
    = minRetryConcurrency when > 0, else 3. A Percent of 0 prints as {} (proto3 default)."""
    if rb is None or not b.dr_retry_budget:
        return None
    default = 20.0 if b.retry_budget_percent_20 else 0.2
    percent = default if rb.percent is None else float(rb.percent)
    minimum = rb.minRetryConcurrency if rb.minRetryConcurrency else 3
    return {"budgetPercent": {"value": percent} if percent else {}, "minRetryConcurrency": minimum}


def healthy_panic_threshold(od: Any) -> dict | None:
    """commonLbConfig.healthyPanicThreshold beside outlier detection: Percent{minHealthPercent}, which prints
    as {} for the usual 0 (applyOutlierDetection; a negative value leaves it unset)."""
    if od is None:
        return None
    value = getattr(od, "minHealthPercent", None) or 0
    if value < 0:
        return None
    return {"value": float(value)} if value else {}


def slow_start(lb: Any, warmup_config: bool) -> dict | None:
    """roundRobin/leastRequest slowStartConfig: `warmup` (1.24+ setWarmup, aggression 1 and minWeightPercent
    10 by default, runtime key "(") before the deprecated `warmupDurationSecs` (window only)."""
    warmup = getattr(lb, "warmup", None) if warmup_config else None
    if warmup is not None:
        aggression = 1.0 if warmup.aggression is None else float(warmup.aggression)
        minimum = 10.0 if warmup.minimumPercent is None else float(warmup.minimumPercent)
        return {"slowStartWindow": to_proto_duration(parse_duration(warmup.duration)),
                "aggression": {"defaultValue": aggression, "runtimeKey": "("},
                "minWeightPercent": {"value": minimum}}
    secs = getattr(lb, "warmupDurationSecs", None)
    if secs:
        return {"slowStartWindow": to_proto_duration(parse_duration(secs))}
    return None


def tcp_keepalive(pool: Any, mesh_keepalive: Any) -> dict | None:
    """upstreamConnectionOptions.tcpKeepalive: the mesh's, field by field overridden by the DR's
    (cluster.go applyTCPKeepalive/setKeepAliveSettings; time and interval in whole seconds)."""
    tcp = getattr(pool, "tcp", None) if pool is not None else None
    sources = [k for k in (mesh_keepalive, getattr(tcp, "tcpKeepalive", None)) if k is not None]
    if not sources:
        return None
    out: dict[str, Any] = {}
    for ka in sources:
        probes = _field(ka, "probes")
        if probes:
            out["keepaliveProbes"] = probes
        for key, attr in (("keepaliveTime", "time"), ("keepaliveInterval", "interval")):
            value = _field(ka, attr)
            if value:
                out[key] = int(parse_duration(value))
    ordered = {k: out[k] for k in ("keepaliveProbes", "keepaliveTime", "keepaliveInterval") if k in out}
    return {"tcpKeepalive": ordered}


def _field(obj: Any, name: str) -> Any:
    return obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)


def locality_weighted(lb: Any, mesh_locality: Any, has_outlier: bool) -> bool:
    """1.24+ applyLocalityLoadBalancer: localityWeightedLbConfig only for `distribute`, or for
    failover/failoverPriority together with outlier detection. The DR's setting replaces the mesh's."""
    setting = getattr(lb, "localityLbSetting", None) if lb is not None else None
    setting = setting if setting is not None else mesh_locality
    if setting is None or _field(setting, "enabled") is False:
        return False
    if _field(setting, "distribute"):
        return True
    return has_outlier and bool(_field(setting, "failover") or _field(setting, "failoverPriority"))


def lb_fields(lb: Any, warmup_config: bool = True) -> dict:
    """lbPolicy and its config (ROUND_ROBIN is the proto default, so it is not printed)."""
    if lb is None:
        return {"lbPolicy": "LEAST_REQUEST"}
    ch = getattr(lb, "consistentHash", None)
    if ch is not None:
        if getattr(ch, "maglev", None) is not None:
            out: dict[str, Any] = {"lbPolicy": "MAGLEV"}
            if getattr(ch.maglev, "tableSize", None):
                out["maglevLbConfig"] = {"tableSize": str(ch.maglev.tableSize)}
            return out
        size = None
        if getattr(ch, "ringHash", None) is not None:
            size = getattr(ch.ringHash, "minimumRingSize", None)
            out = {"lbPolicy": "RING_HASH"}
            if size:
                out["ringHashLbConfig"] = {"minimumRingSize": str(size)}
            return out
        size = getattr(ch, "minimumRingSize", None) or 1024
        return {"lbPolicy": "RING_HASH", "ringHashLbConfig": {"minimumRingSize": str(size)}}
    simple = getattr(lb, "simple", None)
    if simple == "RANDOM":
        return {"lbPolicy": "RANDOM"}
    if simple == "PASSTHROUGH":
        return {"lbPolicy": "CLUSTER_PROVIDED"}
    start = slow_start(lb, warmup_config)
    if simple == "ROUND_ROBIN":
        return {"roundRobinLbConfig": {"slowStartConfig": start}} if start else {}
    out = {"lbPolicy": "LEAST_REQUEST"}
    if start:
        out["leastRequestLbConfig"] = {"slowStartConfig": start}
    return out


def outlier_detection(od: Any) -> dict | None:
    if od is None:
        return None
    out: dict[str, Any] = {}
    c5xx = getattr(od, "consecutive5xxErrors", None)
    if c5xx is not None:
        out["consecutive5xx"] = c5xx
    if getattr(od, "interval", None):
        out["interval"] = to_proto_duration(parse_duration(od.interval))
    if getattr(od, "baseEjectionTime", None):
        out["baseEjectionTime"] = to_proto_duration(parse_duration(od.baseEjectionTime))
    if getattr(od, "maxEjectionPercent", None):
        out["maxEjectionPercent"] = od.maxEjectionPercent
    if c5xx is not None:  # applyOutlierDetection sets the enforcing value only beside a given count
        out["enforcingConsecutive5xx"] = 100 if c5xx else 0
    out["enforcingSuccessRate"] = 0
    gw = getattr(od, "consecutiveGatewayErrors", None)
    if gw is not None:
        out["consecutiveGatewayFailure"] = gw
        out["enforcingConsecutiveGatewayFailure"] = 100 if gw else 0
    if getattr(od, "splitExternalLocalOriginErrors", None):
        out["splitExternalLocalOriginErrors"] = True
        local = getattr(od, "consecutiveLocalOriginFailures", None)
        if local:
            out["consecutiveLocalOriginFailure"] = local
            out["enforcingConsecutiveLocalOriginFailure"] = 100
        out["enforcingLocalOriginSuccessRate"] = 0
    return out


def http_protocol_options(pool: Any) -> dict:
    """commonHttpProtocolOptions from the connection pool (idle timeout, requests per connection)."""
    out: dict[str, Any] = {}
    http = getattr(pool, "http", None) if pool is not None else None
    tcp = getattr(pool, "tcp", None) if pool is not None else None
    idle = getattr(http, "idleTimeout", None) or getattr(tcp, "idleTimeout", None)
    if idle:
        out["idleTimeout"] = to_proto_duration(parse_duration(idle))
    mcd = getattr(tcp, "maxConnectionDuration", None)
    if mcd:
        out["maxConnectionDuration"] = to_proto_duration(parse_duration(mcd))
    mrpc = getattr(http, "maxRequestsPerConnection", None)
    if mrpc:
        out["maxRequestsPerConnection"] = mrpc
    return out
