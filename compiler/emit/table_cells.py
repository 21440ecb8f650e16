"""Cell renderers and lenient field readers shared by the istioctl table writers."""
from __future__ import annotations

from typing import Any, Sequence

from mesh_compile.emit.table_gates import ANY_API_VERSION, PATH_SEPARATED_PREFIX, Version, since


class NothingToShow(ValueError):
    """istioctl refuses to print a table when the dump has no resources of that kind.

    The message is istioctl's own ("no clusters found", ...); the CLI reports it as a Problem.
    """


def dig(value: Any, *keys: str) -> Any:
    """value[k1][k2]..., None as soon as a level is missing or not a mapping."""
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def as_text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def as_uint(value: Any) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    if isinstance(value, dict):        # a wrapper written out as {"value": n}
        return as_uint(value.get("value"))
    return 0


CLUSTER_TYPES = ("STATIC", "STRICT_DNS", "LOGICAL_DNS", "EDS", "ORIGINAL_DST")
HEALTH_STATUSES = ("UNKNOWN", "HEALTHY", "UNHEALTHY", "DRAINING", "TIMEOUT", "DEGRADED")


def enum_name(value: Any, names: tuple[str, ...]) -> str:
    """proto enum String(): absent means the first value; unknown numbers print as the number."""
    if value is None:
        return names[0]
    if isinstance(value, int) and not isinstance(value, bool):
        return names[value] if 0 <= value < len(names) else str(value)
    return str(value)


def describe_management(metadata: Any, version: Version) -> str:
    """`<name>.<namespace>` of the Istio config that produced a route or cluster."""
    if not isinstance(metadata, dict):
        return ""
    istio = dig(metadata, "filterMetadata", "istio")
    if not isinstance(istio, dict) or "config" not in istio:
        return ""
    path = as_text(istio["config"])
    prefix = "/apis/networking.istio.io/" if since(version, ANY_API_VERSION) else \
        "/apis/networking.istio.io/v1alpha3/namespaces/"
    if not path.startswith(prefix):
        return "<unknown>"
    pieces = path.split("/")
    return f"{pieces[7]}.{pieces[5]}" if len(pieces) == 8 else ""


def describe_match(match: Any, version: Version) -> str:
    """The MATCH cell: prefix*, PathPrefix:p, exact path, regex r. Headers are not shown."""
    match = match if isinstance(match, dict) else {}
    conds = []
    if as_text(match.get("prefix")):
        conds.append(f"{match['prefix']}*")
    if since(version, PATH_SEPARATED_PREFIX) and as_text(match.get("pathSeparatedPrefix")):
        conds.append(f"PathPrefix:{match['pathSeparatedPrefix']}")
    if as_text(match.get("path")):
        conds.append(match["path"])
    if isinstance(match.get("safeRegex"), dict):
        conds.append(f"regex {as_text(match['safeRegex'].get('regex'))}")
    return " ".join(conds)


def describe_route_domains(domains: Sequence[str]) -> str:
    """The DOMAINS cell: port-less domains, short forms preferred, first two then `+ N more...`."""
    if not domains:
        return ""
    if len(domains) == 1:
        return domains[0]
    kept = [d for d in domains if ":" not in d or (d.count(":") > 2 and d.endswith("]"))]
    kept = _unexpand_domains(kept)
    if len(kept) > 2:
        return f"{', '.join(kept[:2])} + {len(kept) - 2} more..."
    return ", ".join(kept)


def _unexpand_domains(domains: list[str]) -> list[str]:
    present = set(domains)
    drop = set()
    for domain in domains:
        for suffix in (".svc.cluster.local", ".svc"):
            stripped = domain[: -len(suffix)] if domain.endswith(suffix) else domain
            if stripped != domain and stripped in present:
                drop.add(domain)
    return [d for d in domains if d not in drop]


def tab_row(*cells: Any) -> str:
    return "\t".join(str(c) for c in cells) + "\n"
