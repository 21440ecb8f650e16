"""Workload instances behind each service port, from EndpointSlices, Endpoints or Pods.

istiod reads EndpointSlices; offline inputs often hold only Pods (what `kubectl get pods -o yaml` gives)
or only Endpoints, so all three are accepted, in that order of preference per service.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mesh_compile.index.services import Service, ServicePort

TLS_MODE_LABEL = "security.istio.io/tlsMode"


@dataclass(frozen=True)
class Endpoint:
    address: str
    port: int
    labels: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    service_account: str | None = None
    tls_mode: str = "istio"
    namespace: str = ""
    pod_name: str | None = None
    ready: bool = True


def pod_tls_mode(pod: Any) -> str:
    """Injected pods carry `security.istio.io/tlsMode: istio`. Pods given as plain manifests are assumed to
    be injected (the mesh we compile for has sidecars) unless injection is turned off for them."""
    labels = pod.meta.labels
    if TLS_MODE_LABEL in labels:
        return labels[TLS_MODE_LABEL]
    inject = pod.meta.annotations.get("sidecar.istio.io/inject", labels.get("sidecar.istio.io/inject"))
    return "disabled" if str(inject).lower() == "false" else "istio"


def _pod_target_port(pod: Any, target: int | str | None, fallback: int) -> int | None:
    if isinstance(target, int):
        return target
    if target is None or (isinstance(target, str) and target.isdigit()):
        return int(target) if target else fallback
    for container in pod.obj.spec.containers if pod.obj.spec else []:
        for cport in container.ports or []:
            if cport.name == target:
                return cport.containerPort
    return None


def _pod_endpoint(pod: Any, port: int) -> Endpoint:
    spec = pod.obj.spec
    return Endpoint(
        address=pod.obj.status.podIP,
        port=port,
        labels=dict(pod.meta.labels),
        service_account=(spec.serviceAccountName if spec else None) or "default",
        tls_mode=pod_tls_mode(pod),
        namespace=pod.meta.namespace,
        pod_name=pod.meta.name,
    )


def from_pods(service: Service, sport: ServicePort, pods: list[Any]) -> list[Endpoint]:
    if not service.selector:
        return []
    out = []
    for pod in pods:
        if pod.meta.namespace != service.namespace or not getattr(pod.obj.status, "podIP", None):
            continue
        if all(pod.meta.labels.get(k) == v for k, v in service.selector.items()):
            port = _pod_target_port(pod, sport.target_port, sport.port)
            if port is not None:
                out.append(_pod_endpoint(pod, port))
    return out


def _port_for(sport: ServicePort, ports: list[Any]) -> int | None:
    """The endpoint port serving `sport`: matched by port name, or the only port."""
    for p in ports:
        if (p.name or "") == sport.name:
            return p.port
    return ports[0].port if len(ports) == 1 else None


def from_endpoints_object(service: Service, sport: ServicePort, eps: Any, pods_by_name: dict) -> list[Endpoint]:
    out = []
    for subset in eps.obj.subsets or []:
        port = _port_for(sport, subset.ports or [])
        if port is None:
            continue
        for addr in subset.addresses or []:
            out.append(_address_endpoint(addr.ip, port, addr.targetRef, service.namespace, pods_by_name))
    return out


def from_endpoint_slices(service: Service, sport: ServicePort, slices: list[Any], pods_by_name: dict) -> list[Endpoint]:
    out = []
    for sl in slices:
        port = _port_for(sport, sl.obj.ports or [])
        if port is None:
            continue
        for ep in sl.obj.endpoints or []:
            ready = ep.conditions.ready if ep.conditions and ep.conditions.ready is not None else True
            for ip in ep.addresses:
                e = _address_endpoint(ip, port, ep.targetRef, service.namespace, pods_by_name)
                out.append(e if ready else Endpoint(**{**e.__dict__, "ready": False}))
    return out


def _address_endpoint(ip: str, port: int, target_ref: Any, namespace: str, pods_by_name: dict) -> Endpoint:
    pod = pods_by_name.get((namespace, target_ref.name)) if target_ref is not None and target_ref.name else None
    if pod is not None:
        return Endpoint(**{**_pod_endpoint(pod, port).__dict__, "address": ip})
    return Endpoint(address=ip, port=port, namespace=namespace, service_account="default")
