"""Read any form of Envoy config we compare and turn it into one shape:
`{"routes": {name: RouteConfiguration}, "clusters": {...}, "listeners": {...}, "endpoints": {...}}`
with lowerCamelCase field names.

Accepted forms (the kind is detected, not declared):
* `istioctl proxy-config routes|cluster|listener|endpoint ... -o json`: a JSON list of resources;
* an Envoy admin `/config_dump` or `istioctl proxy-config all -o json`: `{"configs": [...]}` with `@type`'d
  sections holding static and dynamic resources, in snake_case or camelCase;
* one `@type`'d section on its own, or a single resource;
* what mesh-compile prints or writes (the same forms), including a `mesh-compile build` proxy folder.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

from mesh_compile.compare.casing import to_camel

KINDS = ("routes", "clusters", "listeners", "endpoints")
KIND_TITLES = {"routes": "route config", "clusters": "cluster", "listeners": "listener", "endpoints": "endpoint assignment"}
# A build folder's files, the same names `mesh-compile build` writes.
BUILD_FILES = {"routes": "routes.json", "clusters": "clusters.json", "listeners": "listeners.json",
               "endpoints": "endpoints.json"}
CONFIG_DUMP_FILE = "config_dump.json"
UNNAMED = "(unnamed #{})"   # resources without a name: the bootstrap's static route configs and listeners


class DumpError(ValueError):
    """The input is not Envoy config we can read; the message says why."""


@dataclass
class Snapshot:
    """What one input holds, plus what we learnt about it on the way."""

    resources: dict[str, dict[str, dict]] = field(default_factory=lambda: {k: {} for k in KINDS})
    form: str = ""                                   # e.g. "routes list", "config_dump"
    kinds: tuple[str, ...] = ()                      # the kinds the input holds (may be empty lists)
    static: dict[str, set[str]] = field(default_factory=lambda: {k: set() for k in KINDS})
    proxy_ips: list[str] = field(default_factory=list)
    snake_case: bool = False
    notes: list[str] = field(default_factory=list)
    # "eds": endpoints are ClusterLoadAssignments (EDS, /config_dump?include_eds, istioctl's eds view);
    # "status": Envoy's /clusters host statuses, what `istioctl proxy-config endpoint -o json` prints
    endpoint_form: str = "eds"

    def add(self, kind: str, resource: Any, *, static: bool = False) -> None:
        if not isinstance(resource, dict):
            raise DumpError(f"a {KIND_TITLES[kind]} is not a JSON object: {str(resource)[:60]}")
        resource = {k: v for k, v in resource.items() if k != "@type"}
        name = _name_of(kind, resource)
        if not name:
            name = UNNAMED.format(sum(1 for n in self.resources[kind] if n.startswith("(unnamed")) + 1)
            static = True
        if name in self.resources[kind]:
            self.notes.append(f"{KIND_TITLES[kind]} {name!r} appears twice; the first one is compared")
            return
        self.resources[kind][name] = resource
        if static:
            self.static[kind].add(name)


def _name_of(kind: str, resource: dict) -> str:
    if kind == "endpoints":   # a ClusterLoadAssignment, or a ClusterStatus of the /clusters view
        return str(resource.get("clusterName") or resource.get("name") or "")
    return str(resource.get("name") or "")


# ---- reading -------------------------------------------------------------------------------------------
def read_path(path: str, stdin_text: str | None = None) -> Snapshot:
    """Read a dump file, `-` (stdin_text), or a `mesh-compile build` proxy folder."""
    if path == "-":
        return normalize(parse_text(stdin_text or "", "stdin"))
    p = Path(path)
    if p.is_dir():
        return read_build_folder(p)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise DumpError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise DumpError(f"{path} is not UTF-8 text") from None
    return normalize(parse_text(text, path))


def read_build_folder(folder: Path) -> Snapshot:
    """A proxy folder written by `mesh-compile build`: its per-kind lists, else its config_dump.json."""
    present = {k: folder / f for k, f in BUILD_FILES.items() if (folder / f).is_file()}
    if not present:
        dump = folder / CONFIG_DUMP_FILE
        if dump.is_file():
            return read_path(str(dump))
        raise DumpError(f"{folder} is a folder without {', '.join(BUILD_FILES.values())} or {CONFIG_DUMP_FILE}")
    snap = Snapshot(form="mesh-compile build folder")
    for kind, file in present.items():
        part = read_path(str(file))
        if part.kinds and part.kinds != (kind,):
            raise DumpError(f"{file} holds {', '.join(part.kinds)}, not {kind}")
        snap.resources[kind] = part.resources[kind]
        snap.static[kind] = part.static[kind]
        if kind == "endpoints":
            snap.endpoint_form = part.endpoint_form
    snap.kinds = tuple(present)
    return snap


def parse_text(text: str, where: str) -> Any:
    """JSON (what istioctl and Envoy print), else YAML (`istioctl ... -o yaml`)."""
    import orjson
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as json_exc:
        stripped = text.lstrip()
        if not stripped:
            raise DumpError(f"{where} is empty") from None
        if stripped[0] in "[{":
            raise DumpError(f"{where} is not valid JSON: {json_exc}") from None
    import yaml
    try:
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        raise DumpError(f"{where} is neither JSON nor YAML: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(data, (list, dict)):
        raise DumpError(f"{where} does not hold Envoy config (a list of resources or a config dump)")
    return data


def normalize(data: Any) -> Snapshot:
    """Detect the form of `data` and return its resources keyed by kind and name, in camelCase."""
    if isinstance(data, dict) and isinstance(data.get("configs"), list):
        return _from_config_dump(data["configs"], "config_dump")
    if isinstance(data, dict) and _section_kind(data) is not None:
        return _from_config_dump([data], "config_dump section")
    if isinstance(data, dict) and data.get("@type") and not _item_kind(data):
        raise DumpError(f"unsupported @type {data.get('@type')}")
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise DumpError("expected a JSON list of resources or a /config_dump object")
    return _from_list(data)


# ---- resource lists (istioctl proxy-config X -o json) ----------------------------------------------
# Fields that only one kind of resource has, in camelCase and snake_case.
_MARKERS = {
    "routes": {"virtualHosts", "validateClusters", "vhds", "internalOnlyHeaders", "responseHeadersToAdd",
               "requestHeadersToAdd", "maxDirectResponseBodySizeBytes", "ignorePortInHostMatching",
               "clusterSpecifierPlugins", "mostSpecificHeaderMutationsWins"},
    "clusters": {"type", "clusterType", "edsClusterConfig", "connectTimeout", "lbPolicy", "loadAssignment",
                 "circuitBreakers", "transportSocketMatches", "outlierDetection", "commonLbConfig",
                 "typedExtensionProtocolOptions", "altStatName", "dnsLookupFamily", "cleanupInterval",
                 "upstreamBindConfig", "transportSocket", "lbSubsetConfig", "dnsRefreshRate"},
    "listeners": {"address", "additionalAddresses", "filterChains", "defaultFilterChain", "listenerFilters",
                  "useOriginalDst", "trafficDirection", "bindToPort", "apiListener", "internalListener",
                  "continueOnListenerFiltersTimeout", "accessLog"},
    "endpoints": {"clusterName", "endpoints", "policy", "namedEndpoints"},
}


@lru_cache(maxsize=256)
def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name)


_SNAKE_MARKERS = {kind: {_snake(m) for m in marks} for kind, marks in _MARKERS.items()}
_LIST_TYPES = {"envoy.config.route.v3.RouteConfiguration": "routes", "envoy.config.cluster.v3.Cluster": "clusters",
               "envoy.config.listener.v3.Listener": "listeners",
               "envoy.config.endpoint.v3.ClusterLoadAssignment": "endpoints"}


def _item_kind(item: dict) -> str | None:
    type_url = item.get("@type")
    if isinstance(type_url, str):
        return _LIST_TYPES.get(type_url.rpartition("/")[2])
    if "clusterName" in item or "cluster_name" in item:
        return "endpoints"
    votes = [k for k in ("routes", "listeners", "clusters")
             if any(f in _MARKERS[k] or f in _SNAKE_MARKERS[k] for f in item)]
    return votes[0] if len(votes) == 1 else None


def _is_status(item: Any) -> bool:
    return isinstance(item, dict) and ("hostStatuses" in item or "host_statuses" in item or "addedViaApi" in item)


def _snake_resources(items: list) -> bool:
    """Envoy's raw JSON: a resource's own field names are snake_case (every real resource has one with `_`:
    cluster_name, virtual_hosts, filter_chains, connect_timeout, host_statuses). Deeper keys are not looked
    at, since Struct contents (metadata) may hold `_` in either casing."""
    return any("_" in key for item in items if isinstance(item, dict) for key in item if key != "@type")


def _from_list(items: list) -> Snapshot:
    if items and all(_is_status(i) for i in items):
        snap = Snapshot(form="endpoint status list", kinds=("endpoints",), endpoint_form="status")
        snap.snake_case = _snake_resources(items)
        for item in items:
            snap.add("endpoints", to_camel(item) if snap.snake_case else item)
        return snap
    kinds = {k for k in (_item_kind(i) for i in items if isinstance(i, dict)) if k}
    if len(kinds) > 1:
        raise DumpError(f"the list mixes resource kinds ({', '.join(sorted(kinds))}); give one kind per file")
    if not kinds:
        if items:
            raise DumpError("cannot tell which kind of Envoy resource the list holds (no field of a route "
                            "config, cluster, listener or endpoint assignment found)")
        snap = Snapshot(form="empty list")
        return snap
    kind = kinds.pop()
    snap = Snapshot(form=f"{kind} list", kinds=(kind,))
    # camelCase input (istioctl, mesh-compile) needs no conversion; skipping it saves most of the time
    snap.snake_case = _snake_resources(items)
    for item in items:
        snap.add(kind, to_camel(item) if snap.snake_case else item)
    return snap


# ---- /config_dump ----------------------------------------------------------------------------------
# section @type -> (kind, [(list field, entry field holding the resource, static?)])
_SECTIONS: dict[str, tuple[str, list[tuple[str, tuple[str, ...], bool]]]] = {
    "ClustersConfigDump": ("clusters", [("staticClusters", ("cluster",), True),
                                        ("dynamicActiveClusters", ("cluster",), False),
                                        ("dynamicWarmingClusters", ("cluster",), False)]),
    "ListenersConfigDump": ("listeners", [("staticListeners", ("listener",), True),
                                          ("dynamicListeners", ("activeState", "listener"), False),
                                          ("dynamicListeners", ("warmingState", "listener"), False)]),
    "RoutesConfigDump": ("routes", [("staticRouteConfigs", ("routeConfig",), True),
                                    ("dynamicRouteConfigs", ("routeConfig",), False)]),
    "EndpointsConfigDump": ("endpoints", [("staticEndpointConfigs", ("endpointConfig",), True),
                                          ("dynamicEndpointConfigs", ("endpointConfig",), False)]),
}


def _section_kind(section: dict) -> str | None:
    type_url = section.get("@type")
    if not isinstance(type_url, str):
        return None
    short = type_url.rpartition(".")[2]
    if short in _SECTIONS:
        return _SECTIONS[short][0]
    return "other" if short.endswith("ConfigDump") else None


def _get(entry: Any, path: Iterable[str]) -> Any:
    for key in path:
        if not isinstance(entry, dict):
            return None
        value = entry.get(key)
        entry = value if value is not None else entry.get(_snake(key))
    return entry


def _from_config_dump(sections: list, form: str) -> Snapshot:
    snap = Snapshot(form=form)
    kinds: list[str] = []
    for section in sections:
        if not isinstance(section, dict):
            raise DumpError("a config dump's `configs` must hold objects")
        kind = _section_kind(section)
        short = str(section.get("@type", "?")).rpartition(".")[2]
        if kind is None:
            raise DumpError(f"a config dump section without a known @type: {str(section.get('@type'))[:80]}")
        if short == "BootstrapConfigDump":
            snap.proxy_ips = _instance_ips(section)
            continue
        if kind == "other":
            snap.notes.append(f"{short} is not compared")
            continue
        snake = any("_" in k for k in section if k != "@type")   # Envoy's raw dump; istioctl's is camelCase
        snap.snake_case = snap.snake_case or snake
        kinds.append(kind)
        for list_field, entry_path, static in _SECTIONS[short][1]:
            for entry in _get(section, (list_field,)) or []:
                resource = _get(entry, entry_path)
                if resource is not None:
                    snap.add(kind, to_camel(resource) if snake else resource, static=static)
    snap.kinds = tuple(k for k in KINDS if k in kinds)
    return snap


def _instance_ips(section: dict) -> list[str]:
    """The proxy's own IPs from the bootstrap node metadata (INSTANCE_IPS, comma separated)."""
    ips = _get(section, ("bootstrap", "node", "metadata", "INSTANCE_IPS"))
    return [ip.strip() for ip in ips.split(",") if ip.strip()] if isinstance(ips, str) else []


def from_compiled(cfg: Any, endpoint_form: str = "eds", kinds: Iterable[str] = KINDS) -> Snapshot:
    """A compiled ProxyConfig (already camelCase) as a Snapshot of `kinds`; the bootstrap's resources
    marked static. endpoint_form "status" gives endpoints as Envoy's /clusters view (to compare with
    `pc endpoint -o json`). Only the kinds asked for are read, so only they are built (ProxyConfig is lazy)."""
    kinds = tuple(kinds)
    snap = Snapshot(form="mesh-compile", kinds=KINDS, endpoint_form=endpoint_form)
    for kind, attr in (("routes", "routes"), ("clusters", "clusters"), ("listeners", "listeners"),
                       ("endpoints", "endpoints")):
        if kind not in kinds:
            continue
        if kind == "endpoints" and endpoint_form == "status":
            from mesh_compile.emit.views import endpoints as status_view
            items = status_view(cfg)
        else:
            items = getattr(cfg, attr)
        for item in items:
            snap.add(kind, item)
    for kind, attr in (("routes", "static_routes"), ("clusters", "static_clusters"), ("listeners", "static_listeners")):
        if kind in kinds:
            for item in getattr(cfg, attr, None) or []:
                snap.add(kind, item, static=True)
    ip = getattr(getattr(cfg, "proxy", None), "ip", None)
    snap.proxy_ips = [ip] if ip else []
    return snap
