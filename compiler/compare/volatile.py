"""What differs between two dumps of the same config without meaning anything, normalised away before
comparing. VOLATILE below is the one documented list; `--ignore GLOB` and `--ignore-file` extend it, and
`mesh-compile diff --list-volatile` prints it.

Paths, here and in every Difference, are `KIND/NAME` followed by a JSON path into the resource:
    clusters/outbound|80||catalog.istioinaction.svc.cluster.local.circuitBreakers.thresholds[0]
    routes/80.virtualHosts["catalog.istioinaction.svc.cluster.local:80"].routes[0].route.timeout
A glob's `*` matches any characters (dots and brackets included) and `?` one character; everything else is
literal. A glob that matches a path, or its start up to a `.` or `[`, ignores that path and all below it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

from mesh_compile.compare.normalize import KINDS, Snapshot

PROXY_IP = "<proxy-ip>"

# What a rule does:
ENTRY = "entry"          # a field of the dump entry around a resource; normalize.py never keeps it
RESOURCE = "resource"    # drop the resources whose KIND/NAME matches the glob
STATIC = "static"        # drop every resource a /config_dump lists under static_* (the bootstrap's)
DEFAULT = "default"      # drop the field at the path (`[*]` = every list element) when it equals `equals`
LIVE = "live"            # drop the field at the path whatever its value: state of a running Envoy, not config
EMPTY = "empty"          # drop endpoint assignments that have no endpoints
NODE_IP = "node-ip"      # replace the proxy's own IP in listener names and addresses with PROXY_IP


@dataclass(frozen=True)
class Volatile:
    action: str
    pattern: str
    why: str
    equals: Any = None


BOOTSTRAP_CLUSTERS = ("agent", "prometheus_stats", "sds-grpc", "xds-grpc", "zipkin", "lightstep",
                      "datadog_agent", "sds-files-grpc", "envoy_accesslog_service", "envoy_metrics_service")

VOLATILE: tuple[Volatile, ...] = (
    Volatile(ENTRY, "versionInfo", "xDS version of the push (a timestamp and counter)"),
    Volatile(ENTRY, "lastUpdated", "when Envoy accepted the resource"),
    Volatile(ENTRY, "clientStatus, errorState", "Envoy's ACK/NACK state of the entry"),
    Volatile(STATIC, "*/*", "resources under static_* in a /config_dump come from the bootstrap, not istiod"),
    *(Volatile(RESOURCE, f"{kind}/{name}", "bootstrap static cluster (facts 5.10); istioctl merges them in")
      for kind in ("clusters", "endpoints") for name in BOOTSTRAP_CLUSTERS),
    Volatile(RESOURCE, "listeners/0.0.0.0_15090", "bootstrap static listener (prometheus)"),
    Volatile(RESOURCE, "listeners/0.0.0.0_15021", "bootstrap static listener (health)"),
    Volatile(RESOURCE, "routes/(unnamed #*)", "route configs without a name: the bootstrap's /stats/prometheus "
                                              "and /healthz/ready"),
    Volatile(RESOURCE, "listeners/(unnamed #*)", "listeners without a name: the bootstrap's on 15090 and 15021"),
    Volatile(NODE_IP, "listeners/*", f"the proxy's own IP (bootstrap INSTANCE_IPS, the Pod's status.podIP, "
                                     f"--proxy-ip) in listener names and addresses reads {PROXY_IP}"),
    Volatile(DEFAULT, "endpoints/*.endpoints[*].lbEndpoints[*].endpoint.healthCheckConfig",
             "Envoy adds it to what it stores; istiod does not send it", {}),
    Volatile(DEFAULT, "endpoints/*.policy.overprovisioningFactor", "Envoy's default, shown in its dump", 140),
    Volatile(DEFAULT, "endpoints/*.policy", "empty once the default above is gone", {}),
    Volatile(EMPTY, "endpoints/*", "Envoy dumps an assignment for every cluster; istioctl prints only those "
                                   "with endpoints"),
    # `istioctl proxy-config endpoint -o json` is Envoy's /clusters view: live counters and health next to config.
    *(Volatile(LIVE, f"endpoints/*.hostStatuses[*].{f}", "per-host state of a running Envoy")
      for f in ("stats", "successRate", "localOriginSuccessRate")),
    *(Volatile(LIVE, f"endpoints/*.hostStatuses[*].healthStatus.{f}", "health checking and outlier detection state")
      for f in ("failedActiveHealthCheck", "failedOutlierCheck", "failedActiveDegradedCheck",
                "pendingDynamicRemoval", "pendingActiveHc", "excludedViaImmediateHcFail", "activeHcTimeout")),
    *(Volatile(LIVE, f"endpoints/*.{f}", "outlier detection state of a running Envoy")
      for f in ("successRateEjectionThreshold", "localOriginSuccessRateEjectionThreshold")),
)


def describe() -> str:
    """The list as text: rules that share an action and a reason are printed together."""
    import textwrap
    groups: list[tuple[str, str, list[str]]] = []
    for v in VOLATILE:
        why = v.why if v.action != DEFAULT else f"{v.why} (when it is {v.equals!r})"
        if groups and groups[-1][:2] == (v.action, why):
            groups[-1][2].append(v.pattern)
        else:
            groups.append((v.action, why, [v.pattern]))
    out = []
    for action, why, patterns in groups:
        lines = textwrap.wrap("  ".join(patterns), 96, break_long_words=False, break_on_hyphens=False)
        out.append(f"{action:<9} {lines[0]}")
        out.extend(f"{'':<9} {line}" for line in lines[1:])
        out.append(f"{'':<9}   {why}")
    return "\n".join(out) + "\n"


# ---- globs -----------------------------------------------------------------------------------------
@lru_cache(maxsize=256)
def glob_regex(pattern: str) -> re.Pattern:
    parts = [".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern]
    return re.compile("".join(parts), re.DOTALL)


class IgnoreSet:
    """User globs over Difference paths (`KIND/NAME` + JSON path)."""

    def __init__(self, patterns: Iterable[str] = ()):
        self.patterns = [p for p in patterns if p]
        self._regexes = [glob_regex(p) for p in self.patterns]

    def __bool__(self) -> bool:
        return bool(self._regexes)

    def matches(self, prefixes: Iterable[str]) -> bool:
        """`prefixes`: a path and each of its ancestors down to `KIND/NAME`."""
        return any(rx.fullmatch(p) for p in prefixes for rx in self._regexes)


def read_ignore_file(path: str) -> list[str]:
    """One glob per line; blank lines and `#` comments are skipped."""
    text = Path(path).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


# ---- applying the list -----------------------------------------------------------------------------
def strip(snap: Snapshot, proxy_ips: Iterable[str] = ()) -> dict[str, dict[str, dict]]:
    """The snapshot's resources without what VOLATILE lists. New dicts; the snapshot is not changed."""
    ips = [ip for ip in dict.fromkeys([*snap.proxy_ips, *proxy_ips]) if ip]
    out: dict[str, dict[str, dict]] = {}
    for kind in KINDS:
        keep: dict[str, dict] = {}
        for name, res in snap.resources[kind].items():
            if _dropped(kind, name, snap.static[kind]):
                continue
            res = _without_defaults(kind, name, res)
            if res is None:
                continue
            if ips and _applies(NODE_IP, kind, name):
                name, res = _mask_ips(name, res, ips)
            keep[name] = res
        out[kind] = keep
    return out


def _resource_glob(pattern: str) -> tuple[str, str, list[str]]:
    """`endpoints/*.policy.x` -> ("endpoints/*", "endpoints", ["policy", "x"]). A resource part is `KIND/*`
    or `KIND/NAME` without a path (names hold dots)."""
    kind, _, rest = pattern.partition("/")
    if rest.startswith(("*.", "*[")):
        return f"{kind}/*", kind, re.findall(r"\[\*\]|[^.\[\]]+", rest[1:])
    return pattern, kind, []


# The list, compiled once: action -> [(glob over KIND/NAME, its regex, kind, path, equals)]
_COMPILED: dict[str, list[tuple[str, re.Pattern, str, list[str], Any]]] = {}
for _v in VOLATILE:
    if _v.action != ENTRY:
        _glob, _kind, _path = _resource_glob(_v.pattern)
        _COMPILED.setdefault(_v.action, []).append((_glob, glob_regex(_glob), _kind, _path, _v.equals))
# Globs without wildcards, per action: a set lookup instead of a regex per resource (there are thousands).
_LITERAL = {a: {g for g, *_ in rules if "*" not in g and "?" not in g} for a, rules in _COMPILED.items()}


def _applies(action: str, kind: str, name: str) -> bool:
    key = f"{kind}/{name}"
    literal = _LITERAL.get(action, set())
    return key in literal or any(rx.fullmatch(key) for g, rx, *_ in _COMPILED.get(action, ()) if g not in literal)


def _dropped(kind: str, name: str, static: set[str]) -> bool:
    return (name in static and STATIC in _COMPILED) or _applies(RESOURCE, kind, name)


def _without_defaults(kind: str, name: str, res: dict) -> dict | None:
    """Drop Envoy-added defaults, copying only what changes; None when the resource is itself volatile."""
    if _applies(EMPTY, kind, name) and not any(res.get(k) for k in ("endpoints", "namedEndpoints", "hostStatuses")):
        return None
    for _glob, _rx, rkind, path, equals in _COMPILED.get(DEFAULT, ()):
        if rkind == kind and path:
            res = _drop_at(res, path, equals)
    for _glob, _rx, rkind, path, _equals in _COMPILED.get(LIVE, ()):
        if rkind == kind and path:
            res = _drop_at(res, path, _ANY_VALUE)
    return res


_ANY_VALUE = object()


def _drop_at(node: Any, path: list[str], value: Any) -> Any:
    """`node` without the field at `path` where that field equals `value` (any value: _ANY_VALUE)."""
    head, rest = path[0], path[1:]
    if head == "[*]":
        if not isinstance(node, list):
            return node
        new = [_drop_at(item, rest, value) for item in node]
        return new if any(a is not b for a, b in zip(new, node)) else node
    if not isinstance(node, dict) or head not in node:
        return node
    if not rest:
        return {k: v for k, v in node.items() if k != head} if value is _ANY_VALUE or node[head] == value else node
    child = _drop_at(node[head], rest, value)
    return node if child is node[head] else {**node, head: child}


def _mask_ips(name: str, res: dict, ips: list[str]) -> tuple[str, dict]:
    for ip in ips:
        if name.startswith(ip + "_"):
            name = PROXY_IP + name[len(ip):]
            res = {**res, "name": name}
    sa = (res.get("address") or {}).get("socketAddress") or {}
    if sa.get("address") in ips:
        res = {**res, "address": {**res["address"], "socketAddress": {**sa, "address": PROXY_IP}}}
    return name, res
