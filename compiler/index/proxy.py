"""The proxy we compile for, named as istioctl names it: `deploy/NAME.NAMESPACE` or `POD.NAMESPACE`."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SIDECAR = "sidecar"
ROUTER = "router"

# What a default `istioctl install` creates for the gateways when the input does not hold them.
DEFAULT_GATEWAYS = {
    "istio-ingressgateway": {"istio": "ingressgateway", "app": "istio-ingressgateway"},
    "istio-egressgateway": {"istio": "egressgateway", "app": "istio-egressgateway"},
}
# (port, targetPort, name) of the default install's gateway Services.
DEFAULT_GATEWAY_PORTS = {
    "istio-ingressgateway": [(15021, 15021, "status-port"), (80, 8080, "http2"), (443, 8443, "https")],
    "istio-egressgateway": [(80, 8080, "http2"), (443, 8443, "https")],
}


class TargetError(ValueError):
    pass


@dataclass
class Proxy:
    name: str
    namespace: str
    type: str
    labels: dict[str, str]
    ip: str | None = None
    service_account: str = "default"
    # gateway Service port -> targetPort, for listener/route naming (facts 4.1)
    gateway_ports: dict[int, int] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)

    @property
    def is_gateway(self) -> bool:
        return self.type == ROUTER

    def dns_domain(self, suffix: str) -> str:
        return f"{self.namespace}.svc.{suffix}"


def parse_target(target: str) -> tuple[str, str, str]:
    """-> (kind 'deploy'|'pod', name, namespace). A target without `.NAMESPACE` is in `default`."""
    kind = "pod"
    rest = target
    for prefix in ("deploy/", "deployment/", "deployments/"):
        if target.startswith(prefix):
            kind, rest = "deploy", target[len(prefix):]
    if not rest or "/" in rest:
        raise TargetError(f"proxy {target!r} is not of the form deploy/NAME.NAMESPACE or POD.NAMESPACE")
    name, _, namespace = rest.partition(".")
    return kind, name, namespace or "default"


def _looks_like_gateway(labels: dict[str, str]) -> bool:
    return labels.get("istio") in ("ingressgateway", "egressgateway") or "gateway.istio.io/managed" in labels


def resolve_proxy(target: str, index: Any, *, proxy_type: str | None = None,
                  labels: dict[str, str] | None = None) -> Proxy:
    kind, name, namespace = parse_target(target)
    proxy = _from_input(kind, name, namespace, index) or _assumed(name, namespace)
    if labels:
        proxy.labels = {**proxy.labels, **labels}
    if proxy_type:
        proxy.type = proxy_type
    if proxy.is_gateway:
        proxy.gateway_ports = _gateway_ports(proxy, index)
    return proxy


def _from_input(kind: str, name: str, namespace: str, index: Any) -> Proxy | None:
    if kind == "deploy":
        for dep in index.deployments:
            if dep.meta.name == name and dep.meta.namespace == namespace:
                return _from_deployment(dep, index)
        return None
    pod = index.pods_by_name.get((namespace, name))
    if pod is None:
        return None
    spec = pod.obj.spec
    labels = dict(pod.meta.labels)
    return Proxy(name, namespace, ROUTER if _looks_like_gateway(labels) else SIDECAR, labels,
                 ip=pod.obj.status.podIP if pod.obj.status else None,
                 service_account=(spec.serviceAccountName if spec else None) or "default")


def _from_deployment(dep: Any, index: Any) -> Proxy:
    template = dep.obj.spec.template
    labels = dict(template.metadata.labels) if template and template.metadata else {}
    ip = None
    for pod in index.pods:
        if pod.meta.namespace == dep.meta.namespace and labels and all(
                pod.meta.labels.get(k) == v for k, v in labels.items()) and pod.obj.status and pod.obj.status.podIP:
            ip = pod.obj.status.podIP
            break
    sa = (template.spec.serviceAccountName if template and template.spec else None) or "default"
    return Proxy(dep.meta.name, dep.meta.namespace, ROUTER if _looks_like_gateway(labels) else SIDECAR,
                 labels, ip=ip, service_account=sa)


def _assumed(name: str, namespace: str) -> Proxy:
    if name in DEFAULT_GATEWAYS:
        note = (f"proxy {name}.{namespace} is not in the input: assuming the default install's gateway "
                f"(labels {_fmt(DEFAULT_GATEWAYS[name])})")
        return Proxy(name, namespace, ROUTER, dict(DEFAULT_GATEWAYS[name]), service_account=f"{name}-service-account",
                     notices=[note])
    note = f"proxy {name}.{namespace} is not in the input: assuming a sidecar workload with labels app={name}"
    return Proxy(name, namespace, SIDECAR, {"app": name}, notices=[note])


def _fmt(labels: dict[str, str]) -> str:
    return ",".join(f"{k}={v}" for k, v in labels.items())


def _gateway_ports(proxy: Proxy, index: Any) -> dict[int, int]:
    """Service port -> targetPort of the Services selecting the gateway pod (first match wins)."""
    ports: dict[int, int] = {}
    for svc in index.services:
        if svc.namespace != proxy.namespace or not svc.selector or svc.registry != "Kubernetes":
            continue
        if all(proxy.labels.get(k) == v for k, v in svc.selector.items()):
            for p in svc.ports:
                if isinstance(p.target_port, int):
                    ports.setdefault(p.port, p.target_port)
    if not ports and proxy.name in DEFAULT_GATEWAY_PORTS:
        ports = {port: target for port, target, _ in DEFAULT_GATEWAY_PORTS[proxy.name]}
        proxy.notices.append(f"no Service selects {proxy.name}: assuming the default install's ports "
                             + ", ".join(f"{p}->{t}" for p, t in ports.items()))
    return ports
