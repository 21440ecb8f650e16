"""istiod's webhook validation of a DestinationRule (ValidateDestinationRule)."""
import math
from typing import Iterator

from .destination_rule import (ConnectionPoolSettings, DestinationRuleSpec, LoadBalancerSettings,
                               OutlierDetection, TrafficPolicy)
from .findings import Finding, Path, error, warning
from .validate_common import (check_duration_ms, check_export_to, check_labels, check_port, check_subset_name,
                              is_ip, wildcard_domain_error, dns1123_labels_error)

ROOT: Path = ("spec",)


def validate(spec: DestinationRuleSpec, namespace: str) -> Iterator[Finding]:
    if err := wildcard_domain_error(spec.host):
        yield error(ROOT + ("host",), err)
    yield from check_traffic_policy(ROOT + ("trafficPolicy",), spec.trafficPolicy)
    seen: set[str] = set()
    for i, subset in enumerate(spec.subsets):
        path = ROOT + ("subsets", i)
        if subset.name in seen:
            yield error(path + ("name",), f"duplicate subset names: {subset.name}")
        seen.add(subset.name)
        yield from check_subset_name(path + ("name",), subset.name)
        yield from check_labels(path + ("labels",), subset.labels)
        if subset.trafficPolicy is not None:
            yield from check_traffic_policy(path + ("trafficPolicy",), subset.trafficPolicy)
    if spec.exportTo:
        yield from check_export_to(ROOT + ("exportTo",), spec.exportTo, namespace)
    if spec.workloadSelector is not None and any(e not in (".", namespace) for e in spec.exportTo):
        yield error(ROOT + ("exportTo",),
                    "destination rule with workload selector cannot have exportTo beyond current namespace")


def check_traffic_policy(path: Path, policy: TrafficPolicy | None) -> Iterator[Finding]:
    if policy is None:
        return
    if not policy.model_fields_set - {"portLevelSettings"} and not policy.portLevelSettings:
        yield error(path, "traffic policy must have at least one field")
        return
    if policy.tunnel is not None and policy.proxyProtocol is not None:
        yield error(path, "tunnel and proxyProtocol must not be set together")
        return
    yield from _check_policy_parts(path, policy)
    for i, pls in enumerate(policy.portLevelSettings):
        ppath = path + ("portLevelSettings", i)
        if pls.port is None:
            yield error(ppath + ("port",), "portTrafficPolicy must have valid port")
        else:
            yield from check_port(ppath + ("port", "number"), pls.port.number or 0)
        if pls.outlierDetection is None and pls.connectionPool is None and pls.loadBalancer is None and pls.tls is None:
            yield error(ppath, "port traffic policy must have at least one field")
        else:
            yield from _check_policy_parts(ppath, pls)
    if (tunnel := policy.tunnel) is not None:
        yield from _check_tunnel(path + ("tunnel",), tunnel)


def _check_policy_parts(path: Path, policy) -> Iterator[Finding]:
    # each part is checked only when set (an unset part has nothing to check): this runs per policy
    if policy.outlierDetection is not None:
        yield from _check_outlier(path + ("outlierDetection",), policy.outlierDetection)
    if policy.connectionPool is not None:
        yield from check_connection_pool(path + ("connectionPool",), policy.connectionPool)
    if policy.loadBalancer is not None:
        yield from _check_load_balancer(path + ("loadBalancer",), policy.loadBalancer)
    if policy.tls is not None:
        yield from _check_client_tls(path + ("tls",), policy.tls)

def _check_client_tls(path: Path, tls) -> Iterator[Finding]:
    if tls is None:
        return
    if tls.insecureSkipVerify and tls.mode in ("SIMPLE", "MUTUAL"):
        if tls.caCertificates or tls.subjectAltNames or (tls.mode == "SIMPLE" and tls.credentialName):
            yield error(path, "cannot specify caCertificates, credentialName or subjectAltNames when "
                              "insecureSkipVerify is set true")
    if tls.mode in ("SIMPLE", "MUTUAL") and tls.credentialName:
        if tls.clientCertificate or tls.caCertificates or tls.privateKey or tls.caCrl:
            yield error(path, "cannot specify client certificates or CA certificate or CA CRL if credentialName is set")
        return
    if tls.mode == "MUTUAL":
        for field, what in (("clientCertificate", "client certificate"), ("privateKey", "private key")):
            if not getattr(tls, field):
                yield error(path + (field,), f"{what} required for mutual tls")


def _check_outlier(path: Path, od: OutlierDetection | None) -> Iterator[Finding]:
    if od is None:
        return
    yield from check_duration_ms(path + ("baseEjectionTime",), od.baseEjectionTime)
    yield from check_duration_ms(path + ("interval",), od.interval)
    if od.consecutiveErrors:
        yield warning(path + ("consecutiveErrors",), "outlier detection consecutive errors is deprecated, use "
                                                     "consecutiveGatewayErrors or consecutive5xxErrors instead")
    if not od.splitExternalLocalOriginErrors and (od.consecutiveLocalOriginFailures or 0) > 0:
        yield error(path + ("consecutiveLocalOriginFailures",), "outlier detection consecutive local origin failures "
                    "is specified, but split external local origin errors is set to false")
    for field in ("maxEjectionPercent", "minHealthPercent"):
        value = getattr(od, field)
        if value is not None and not 0 <= value <= 100:
            yield error(path + (field,), f"percentage {value} is not in range 0..100")


def check_connection_pool(path: Path, pool: ConnectionPoolSettings | None) -> Iterator[Finding]:
    if pool is None:
        return
    if pool.http is None and pool.tcp is None:
        yield error(path, "connection pool must have at least one field")
        return
    for part in ("http", "tcp"):
        settings = getattr(pool, part)
        if settings is None:
            continue
        # the fields' values, as iterating the model gives them (no extras: the model forbids them)
        # without pydantic's per-field generator; unset fields are None and have nothing to check
        for name, value in settings.__dict__.items():
            if value is None:
                continue
            if isinstance(value, int) and not isinstance(value, bool) and value < 0:
                yield error(path + (part, name), f"{name} must be non-negative")
            elif isinstance(value, str) and name != "h2UpgradePolicy" and not (part == "tcp" and name == "idleTimeout"):
                yield from check_duration_ms(path + (part, name), value)
    if pool.http is not None and pool.http.h2UpgradePolicy == "UPGRADE" and pool.http.useClientProtocol:
        yield error(path + ("http", "useClientProtocol"),
                    "use client protocol must not be true when H2UpgradePolicy is UPGRADE")


def _is_prime(x: int) -> bool:
    if 0 < x < 4:
        return True
    if x % 2 == 0:
        return False
    return all(x % f for f in range(3, math.isqrt(x) + 1, 2))


def _check_load_balancer(path: Path, lb: LoadBalancerSettings | None) -> Iterator[Finding]:
    if lb is None:
        return
    ch = lb.consistentHash
    if ch is not None:
        if ch.minimumRingSize:
            yield warning(path + ("consistentHash", "minimumRingSize"),
                          "consistent hash MinimumRingSize is deprecated, use ConsistentHashLB's RingHash instead")
            if ch.ringHash is not None or ch.maglev is not None:
                yield error(path + ("consistentHash",),
                            "only one of MinimumRingSize or Maglev/Ringhash can be specified")
        if ch.maglev is not None:
            size = ch.maglev.tableSize or 0
            if size == 0:
                yield error(path + ("consistentHash", "maglev", "tableSize"), "tableSize must be set for maglev")
            elif size >= 5000011 or not _is_prime(size):
                yield error(path + ("consistentHash", "maglev", "tableSize"),
                            "tableSize must be a prime number less than 5000011 for maglev")
        if ch.httpCookie is not None:
            names = [a.name for a in ch.httpCookie.attributes]
            if len(set(names)) != len(names):
                yield error(path + ("consistentHash", "httpCookie", "attributes"), "duplicate cookie attribute name")
    if lb.warmup is not None:
        yield from check_duration_ms(path + ("warmup", "duration"), lb.warmup.duration)
        if lb.warmup.aggression is not None and lb.warmup.aggression <= 0:
            yield error(path + ("warmup", "aggression"), "aggression should be greater than 0")
    yield from _check_locality(path + ("localityLbSetting",), lb.localityLbSetting)


def _check_locality(path: Path, loc) -> Iterator[Finding]:
    if loc is None:
        return
    if loc.distribute and loc.failover:
        yield error(path, "can not simultaneously specify 'distribute' and 'failover'")
    for i, dist in enumerate(loc.distribute):
        total = sum(dist.to.values())
        if total != 100:
            yield error(path + ("distribute", i, "to"), f"total locality weight {total} != 100")


def _check_tunnel(path: Path, tunnel) -> Iterator[Finding]:
    if tunnel.protocol and tunnel.protocol not in ("CONNECT", "POST"):
        yield error(path + ("protocol",), 'tunnel protocol must be "CONNECT" or "POST"')
    if dns1123_labels_error(tunnel.targetHost) and not is_ip(tunnel.targetHost):
        yield error(path + ("targetHost",), "tunnel target host must be valid FQDN or IP address")
    yield from check_port(path + ("targetPort",), tunnel.targetPort)
