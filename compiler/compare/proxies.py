"""Every proxy a mesh has, named as istioctl names them: what `build` compiles and what `diff` without a
TARGET compares.

* each Deployment whose pods get a sidecar, and each gateway Deployment;
* each Pod with a sidecar that no Deployment in the input selects;
* for each Gateway whose selector no workload in the input matches: the default install's gateway
  (istio-ingressgateway / istio-egressgateway in istio-system) when the selector picks its labels.

Injection (the sidecar injector's defaults): a workload gets a sidecar unless its pod template says
`sidecar.istio.io/inject: "false"` (label or annotation), or it lives in a namespace the default install
does not inject (kube-system, kube-public, kube-node-lease, istio-system) and does not opt in. Namespace
objects are not read by the loader, so `istio-injection` labels cannot be honoured here.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mesh_compile.index.proxy import DEFAULT_GATEWAYS

NOT_INJECTED_NAMESPACES = frozenset({"kube-system", "kube-public", "kube-node-lease", "istio-system"})
INJECT = "sidecar.istio.io/inject"


@dataclass(frozen=True)
class ProxyRef:
    target: str          # what resolve_proxy takes: deploy/NAME.NAMESPACE or POD.NAMESPACE
    folder: str          # folder name under `build --out`
    labels: tuple        # sorted (key, value) pairs of the pod labels
    assumed: bool = False


def _is_gateway(labels: dict[str, str]) -> bool:
    return labels.get("istio") in ("ingressgateway", "egressgateway") or "gateway.istio.io/managed" in labels


def _injected(namespace: str, labels: dict[str, str], annotations: dict[str, str]) -> bool:
    if _is_gateway(labels):
        return True
    choice = annotations.get(INJECT, labels.get(INJECT))
    if choice is not None:
        return str(choice).lower() == "true"
    return namespace not in NOT_INJECTED_NAMESPACES


def _selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def mesh_proxies(index: Any) -> list[ProxyRef]:
    """The proxies of the mesh in `index`, sorted by folder name."""
    refs: dict[str, ProxyRef] = {}
    for dep in index.deployments:
        tmpl = dep.obj.spec.template.metadata
        labels, ns = dict(tmpl.labels), dep.meta.namespace
        if _injected(ns, labels, dict(tmpl.annotations)):
            _add(refs, ProxyRef(f"deploy/{dep.meta.name}.{ns}", f"{dep.meta.name}.{ns}", _key(labels)))
    for pod in index.pods:
        name, ns, labels = pod.meta.name, pod.meta.namespace, dict(pod.meta.labels)
        if "." in name or _owned(pod, index) or not _injected(ns, labels, dict(pod.meta.annotations)):
            continue
        _add(refs, ProxyRef(f"{name}.{ns}", f"{name}.{ns}", _key(labels)))
    for gw in index.gateways:
        selector = dict(gw.spec.selector or {})
        if any(_selects(selector, dict(r.labels)) for r in refs.values()):
            continue
        for name, labels in DEFAULT_GATEWAYS.items():
            if _selects(selector, labels):
                _add(refs, ProxyRef(f"deploy/{name}.istio-system", f"{name}.istio-system", _key(labels), True))
    return sorted(refs.values(), key=lambda r: r.folder)


def _key(labels: dict[str, str]) -> tuple:
    return tuple(sorted(labels.items()))


def _add(refs: dict[str, ProxyRef], ref: ProxyRef) -> None:
    folder = ref.folder
    if folder in refs:
        if refs[folder].target == ref.target:
            return
        folder = f"pod-{folder}"
        ref = ProxyRef(ref.target, folder, ref.labels, ref.assumed)
    refs[folder] = ref


def _owned(pod: Any, index: Any) -> bool:
    """A pod some Deployment in the input selects: the Deployment stands for it."""
    labels = dict(pod.meta.labels)
    for dep in index.deployments:
        if dep.meta.namespace != pod.meta.namespace:
            continue
        selector = dep.obj.spec.selector
        match = dict(selector.matchLabels) if selector else dict(dep.obj.spec.template.metadata.labels)
        if _selects(match, labels):
            return True
    return False
