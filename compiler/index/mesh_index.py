"""One read-only index of the whole mesh, like istiod's PushContext.

Built once from the parsed objects; every build function reads it and none writes it. Lookups that the
builders repeat per port or per route (services by host, DestinationRule for a host, endpoints of a
service port) are computed once here.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Sequence, TypeVar

from mesh_compile.index import endpoints as E
from mesh_compile.index.hosts import (host_matches, is_wildcard, resolve_gateway_name, resolve_short_name,
                                     specificity_key)
from mesh_compile.index.mesh_config import MeshSettings
from mesh_compile.index.services import (KUBERNETES, Service, ServicePort, from_kube_service,
                                         from_service_entry)

V = TypeVar("V")


@dataclass
class _ConfigView:
    """One Istio object as the index holds it. spec, namespace and name are copied from the config
    once: the route builders read them tens of thousands of times."""

    config: Any
    spec: Any = field(init=False, repr=False)
    namespace: str = field(init=False)
    name: str = field(init=False)

    def __post_init__(self) -> None:
        self.spec = self.config.spec
        self.namespace = self.config.meta.namespace
        self.name = self.config.meta.name


@dataclass
class VirtualServiceView(_ConfigView):
    """A VirtualService with hosts and gateways resolved once (facts 2.4)."""

    hosts: list[str]
    gateways: list[str]
    export_to: list[str]
    order: int


@dataclass
class DestinationRuleView(_ConfigView):
    host: str
    export_to: list[str]
    order: int


def _memoised(cache: dict[Any, V], key: Any, find: Callable[[], V]) -> V:
    """cache[key], found once: the index's answers per service port or host are asked for again and again."""
    if key not in cache:
        cache[key] = find()
    return cache[key]


def _is_delegate_root(view: VirtualServiceView) -> bool:
    """isRootVs, for a VirtualService with hosts (one without hosts is a delegate, whatever it holds)."""
    return bool(view.hosts) and any(http.delegate is not None for http in view.spec.http)


def _creation_key(obj: Any, order: int) -> tuple:
    # istiod sorts by creationTimestamp, then name, then namespace. Objects without a timestamp are taken
    # as created in the order they were read (what `kubectl apply -f` of the same files would do).
    ts = obj.meta.creationTimestamp or ""
    return (ts, order) if ts else ("", order)


class MeshIndex:
    """`previous`: the index of the last load (`serve --watch`). Parts built from objects of kinds whose
    objects are all the same (the reload cache keeps the parsed objects of unchanged documents) under the
    same settings are taken from it, with what it found out already (its memoised answers)."""

    def __init__(self, objects: Iterable[Any], mesh: MeshSettings, external_name_alias: bool = True,
                 roots_in_creation_order: bool = True, previous: "MeshIndex | None" = None):
        self.mesh = mesh
        by_kind: dict[str, list[Any]] = defaultdict(list)
        for obj in objects:
            by_kind[obj.kind].append(obj)
        self._by_kind = by_kind
        self._settings = (mesh, external_name_alias, roots_in_creation_order)
        same = _Unchanged(previous, by_kind, self._settings)
        self.pods = by_kind["Pod"]
        self.deployments = by_kind["Deployment"]
        if same("Pod"):
            self.pods_by_name, self._pods_by_label = previous.pods_by_name, previous._pods_by_label
        else:
            self.pods_by_name = {(p.meta.namespace, p.meta.name): p for p in self.pods}
            self._pods_by_label = _label_index(self.pods)
        if same("Endpoints", "EndpointSlice"):
            self._endpoints_objs, self._slices = previous._endpoints_objs, previous._slices
        else:
            self._endpoints_objs = {(e.meta.namespace, e.meta.name): e for e in by_kind["Endpoints"]}
            self._slices = defaultdict(list)
            for sl in by_kind["EndpointSlice"]:
                svc_name = sl.meta.labels.get("kubernetes.io/service-name")
                if svc_name:
                    self._slices[(sl.meta.namespace, svc_name)].append(sl)
        if same("Service", "ServiceEntry"):
            self.services, self.services_by_host = previous.services, previous.services_by_host
        else:
            self.services = self._build_services(by_kind, external_name_alias)
            self.services_by_host = defaultdict(list)
            for svc in self.services:
                self.services_by_host[svc.hostname].append(svc)
        self.gateways = sorted(by_kind["Gateway"], key=lambda o: (o.meta.namespace, o.meta.name))
        self.sidecars = by_kind["Sidecar"]
        self.virtual_services = self._build_virtual_services(by_kind["VirtualService"], roots_in_creation_order,
                                                             same.views("virtual_services"))
        self.destination_rules = self._build_destination_rules(
            by_kind["DestinationRule"], same.views("destination_rules"))
        self._drs_by_ns = self._index_destination_rules()
        # Memoised answers, kept while what they are computed from is the same.
        self._dr_cache: dict[tuple, list[DestinationRuleView]] = (
            previous._dr_cache if same("DestinationRule") else {})
        self._workload_names: dict[tuple[str, str | None], str] = (
            previous._workload_names if same("Deployment") else {})
        workloads = same("Service", "ServiceEntry", "Pod", "Endpoints", "EndpointSlice")
        self._endpoint_cache: dict[tuple[str, str, int], list[E.Endpoint]] = (
            previous._endpoint_cache if workloads else {})
        self._sans_cache: dict[tuple[str, str, int], list[str]] = previous._sans_cache if workloads else {}
        self._host_cache: dict[tuple[str, str], Service | None] = (
            previous._host_cache if same("Service", "ServiceEntry") else {})

    # --- services -----------------------------------------------------------------------------------
    def _build_services(self, by_kind: dict, alias: bool) -> list[Service]:
        suffix = self.mesh.domain_suffix
        services: list[Service] = []
        for i, obj in enumerate(by_kind["Service"]):
            services.append(from_kube_service(obj, suffix, i, alias))
        base = len(services)
        for i, obj in enumerate(by_kind["ServiceEntry"]):
            services.extend(from_service_entry(obj, base + i))
        return services

    def visible_services(self, namespace: str) -> list[Service]:
        """Services exported to `namespace` (exportTo, else the mesh default), sorted by hostname then
        namespace as istiod's SidecarScope holds them."""
        out = [s for s in self.services if self._exported(s.export_to, s.namespace, namespace,
                                                           self.mesh.default_service_export_to)]
        out.sort(key=lambda s: (s.hostname, s.namespace))
        return out

    def service_for_host(self, host: str, namespace: str) -> Service | None:
        """The service with this exact hostname visible from `namespace`; own namespace first. Memoised:
        every route destination and EDS cluster asks."""
        return _memoised(self._host_cache, (host, namespace), lambda: self._find_service_for_host(host, namespace))

    def _find_service_for_host(self, host: str, namespace: str) -> Service | None:
        candidates = self.services_by_host.get(host) or []
        visible = [s for s in candidates if self._exported(s.export_to, s.namespace, namespace,
                                                           self.mesh.default_service_export_to)]
        for svc in visible:
            if svc.namespace == namespace:
                return svc
        return visible[0] if visible else None

    @staticmethod
    def _exported(export_to: list[str], own_ns: str, to_ns: str, default: list[str]) -> bool:
        rules = export_to or default
        for rule in rules:
            if rule == "*" or (rule == "." and own_ns == to_ns) or rule == to_ns:
                return True
        return False

    # --- virtual services ---------------------------------------------------------------------------
    def _build_virtual_services(self, objs: list[Any], roots_in_creation_order: bool,
                                kept: dict[int, Any]) -> list[VirtualServiceView]:
        """`kept`: the last index's views by id(config), taken when the object and its order are the same."""
        suffix = self.mesh.domain_suffix
        views = []
        for i, obj in enumerate(objs):
            old = _kept_view(kept, obj, i)
            if old is not None:
                views.append(old)
                continue
            ns = obj.meta.namespace
            hosts = [resolve_short_name(h, ns, suffix) for h in obj.spec.hosts]
            gateways = [resolve_gateway_name(g, ns) for g in (obj.spec.gateways or ["mesh"])]
            views.append(VirtualServiceView(obj, hosts, gateways, list(obj.spec.exportTo), i))
        views.sort(key=lambda v: (_creation_key(v.config, v.order), v.name, v.namespace))
        if not roots_in_creation_order:
            # 1.17/1.18 mergeVirtualServicesIfNeeded appended the merged roots after all other
            # VirtualServices (versions.py vs_roots_in_creation_order); a stable sort keeps the rest in order
            views.sort(key=_is_delegate_root)
        return views

    def virtual_services_for(self, namespace: str, gateway: str) -> list[VirtualServiceView]:
        """VirtualServices bound to `gateway` (`mesh` or `ns/name`) and visible from `namespace`, in
        istiod's order: private to the namespace, then exported to it by name, then public (facts 3)."""
        buckets: tuple[list, list, list] = ([], [], [])
        default = self.mesh.default_virtual_service_export_to
        for vs in self.virtual_services:
            if gateway not in vs.gateways:
                continue
            rules = vs.export_to or default
            if not self._exported(rules, vs.namespace, namespace, []):
                continue
            if "*" in rules:
                buckets[2].append(vs)
            elif "." in rules or (vs.namespace == namespace and namespace in rules):
                buckets[0].append(vs)
            else:
                buckets[1].append(vs)
        return buckets[0] + buckets[1] + buckets[2]

    # --- destination rules --------------------------------------------------------------------------
    def _build_destination_rules(self, objs: list[Any], kept: dict[int, Any]) -> list[DestinationRuleView]:
        suffix = self.mesh.domain_suffix
        views = []
        for i, o in enumerate(objs):
            old = _kept_view(kept, o, i)
            if old is not None:
                views.append(old)
            else:
                views.append(DestinationRuleView(o, resolve_short_name(o.spec.host, o.meta.namespace, suffix),
                                                 list(o.spec.exportTo), i))
        views.sort(key=lambda v: (_creation_key(v.config, v.order), v.name, v.namespace))
        return views

    def destination_rule(self, proxy_ns: str, proxy_labels: dict[str, str], service: Service) -> list[DestinationRuleView]:
        """The DestinationRules that apply to `service` for a proxy (facts 5.9): the proxy's namespace,
        then the service's namespace, then the root namespace; most specific host first. Several DRs for
        the same host in the winning scope are returned together, oldest first, for merging.
        Memoised: builders ask this once per route destination, cluster and endpoint."""
        key = (proxy_ns, tuple(sorted(proxy_labels.items())), service.hostname, service.namespace)
        found = self._dr_cache.get(key)
        if found is None:
            found = self._find_destination_rule(proxy_ns, proxy_labels, service)
            self._dr_cache[key] = found
        return found

    def _find_destination_rule(self, proxy_ns: str, proxy_labels: dict[str, str], service: Service) -> list[DestinationRuleView]:
        default = self.mesh.default_destination_rule_export_to
        for scope in (proxy_ns, service.namespace, self.mesh.root_namespace):
            exact, wildcards = self._drs_by_ns.get(scope, ({}, []))
            candidates = exact.get(service.hostname, [])
            if not candidates:
                matching_wildcards = [dr for dr in wildcards if host_matches(dr.host, service.hostname)]
                if matching_wildcards:
                    best = min(specificity_key(dr.host) for dr in matching_wildcards)
                    candidates = [dr for dr in matching_wildcards if specificity_key(dr.host) == best]
            matching = [dr for dr in candidates
                        if self._exported(dr.export_to, dr.namespace, proxy_ns, default)
                        and _selector_matches(dr.spec.workloadSelector, proxy_labels, dr.namespace, proxy_ns)]
            if matching:
                return matching
        return []

    def _index_destination_rules(self) -> dict[str, tuple[dict[str, list[DestinationRuleView]], list[DestinationRuleView]]]:
        """namespace -> (exact host -> DRs, wildcard DRs), each in creation order."""
        out: dict[str, tuple[dict[str, list[DestinationRuleView]], list[DestinationRuleView]]] = {}
        for dr in self.destination_rules:
            exact, wildcards = out.setdefault(dr.namespace, ({}, []))
            if is_wildcard(dr.host):
                wildcards.append(dr)
            else:
                exact.setdefault(dr.host, []).append(dr)
        return out

    # --- endpoints ----------------------------------------------------------------------------------
    def endpoints(self, service: Service, sport: ServicePort) -> list[E.Endpoint]:
        return _memoised(self._endpoint_cache, (service.hostname, service.namespace, sport.port),
                         lambda: self._find_endpoints(service, sport))

    def service_sans(self, service: Service, sport: ServicePort) -> list[str]:
        """The SPIFFE identities of a Kubernetes service port's workloads, sorted (istiod's
        PushContext.ServiceAccounts, which clusters verify under Istio mTLS). Memoised like endpoints():
        every subset cluster of the port asks again. Shared: callers must not change the list."""
        return _memoised(self._sans_cache, (service.hostname, service.namespace, sport.port),
                         lambda: self._find_sans(service, sport))

    def _find_sans(self, service: Service, sport: ServicePort) -> list[str]:
        if service.registry != KUBERNETES:
            return []
        accounts = sorted({e.service_account or "default" for e in self.endpoints(service, sport) if e.namespace})
        td = self.mesh.trust_domain
        return [f"spiffe://{td}/ns/{service.namespace}/sa/{sa}" for sa in accounts]

    def _find_endpoints(self, service: Service, sport: ServicePort) -> list[E.Endpoint]:
        ident = (service.namespace, service.name)
        if self._slices.get(ident):
            return E.from_endpoint_slices(service, sport, self._slices[ident], self.pods_by_name)
        if ident in self._endpoints_objs:
            return E.from_endpoints_object(service, sport, self._endpoints_objs[ident], self.pods_by_name)
        return E.from_pods(service, sport, self.pods_selected(service.namespace, service.selector))

    def workload_name(self, namespace: str, pod_name: str | None, labels: dict[str, str]) -> str:
        """The Deployment whose selector matches the pod, else the pod name (memoised per pod)."""
        key = (namespace, pod_name)
        if key not in self._workload_names:
            name = pod_name or ""
            for dep in self.deployments:
                sel = getattr(getattr(dep.obj.spec, "selector", None), "matchLabels", None) or {}
                if dep.meta.namespace == namespace and sel and all(labels.get(k) == v for k, v in sel.items()):
                    name = dep.meta.name
                    break
            self._workload_names[key] = name
        return self._workload_names[key]

    def pods_selected(self, namespace: str, selector: dict[str, str]) -> list[Any]:
        """Pods of `namespace` whose labels include `selector`, in input order (an index, not a scan)."""
        if not selector:
            return []
        sets = [self._pods_by_label.get((namespace, k, v), ()) for k, v in selector.items()]
        smallest = min(sets, key=len)
        others = [set(x) for x in sets if x is not smallest]
        return [self.pods[i] for i in smallest if all(i in o for o in others)]


class _Unchanged:
    """Which kinds of object are the same as in the last index: the very same objects in the same order,
    under the same settings (a parsed object is a pure function of its document, reuse.py)."""

    def __init__(self, previous: MeshIndex | None, by_kind: dict[str, list[Any]], settings: tuple) -> None:
        self._previous = previous if previous is not None and previous._settings == settings else None
        self._by_kind = by_kind

    def __call__(self, *kinds: str) -> bool:
        if self._previous is None:
            return False
        old = self._previous._by_kind
        return all(same_objects(old.get(kind, ()), self._by_kind.get(kind, ())) for kind in kinds)

    def views(self, attribute: str) -> dict[int, Any]:
        """The last index's views (`virtual_services`, `destination_rules`) by id(config), when its settings
        are these: a view is a pure function of its object, its order and the settings."""
        if self._previous is None:
            return {}
        return {id(view.config): view for view in getattr(self._previous, attribute)}


def same_objects(old: Sequence[Any], new: Sequence[Any]) -> bool:
    """The very same objects in the same order."""
    return len(old) == len(new) and all(a is b for a, b in zip(old, new))


def _kept_view(kept: dict[int, Any], obj: Any, order: int) -> Any | None:
    """The last index's view of `obj` when it was made from this very object at this position."""
    old = kept.get(id(obj))
    return old if old is not None and old.config is obj and old.order == order else None


def _selector_matches(selector: Any, labels: dict[str, str], dr_ns: str, proxy_ns: str) -> bool:
    if selector is None or not getattr(selector, "matchLabels", None):
        return selector is None
    return dr_ns == proxy_ns and all(labels.get(k) == v for k, v in selector.matchLabels.items())


def _label_index(pods: list[Any]) -> dict[tuple[str, str, str], list[int]]:
    """(namespace, label, value) -> indexes of the pods carrying it."""
    out: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for i, pod in enumerate(pods):
        for k, v in pod.meta.labels.items():
            out[(pod.meta.namespace, k, v)].append(i)
    return out
