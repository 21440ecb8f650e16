"""Which proxies a mesh has: sidecar workloads, gateways, and the default ingress gateway a Gateway implies."""
from __future__ import annotations

from mesh_compile.compare.proxies import mesh_proxies


def _index(text: str):
    from mesh_compile.index.mesh_config import settings_from
    from mesh_compile.index.mesh_index import MeshIndex
    from mesh_compile.load.loader import load_text
    from mesh_compile.model.objects import parse_object
    loaded = load_text(text, "test.yaml")
    objects = [o for o in (parse_object(raw)[0] for raw in loaded.objects) if o is not None]
    return MeshIndex(objects, settings_from(None))


def _deploy(name: str, ns: str, labels: dict, annotations: dict | None = None) -> str:
    return f"""---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}, namespace: {ns}}}
spec:
  selector: {{matchLabels: {labels}}}
  template:
    metadata: {{labels: {labels}, annotations: {annotations or {}}}}
    spec: {{containers: [{{name: app}}]}}
"""


def _pod(name: str, ns: str, labels: dict) -> str:
    return f"""---
apiVersion: v1
kind: Pod
metadata: {{name: {name}, namespace: {ns}, labels: {labels}}}
spec: {{containers: [{{name: app}}]}}
"""


GATEWAY = """---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: shop}
spec:
  selector: {istio: ingressgateway}
  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}]
"""


def test_workloads_with_sidecars_and_the_default_gateway():
    text = (_deploy("web", "shop", {"app": "web"}) + _pod("web-1", "shop", {"app": "web"})
            + _pod("lonely", "shop", {"app": "lonely"})
            + _deploy("batch", "shop", {"app": "batch"}, {"sidecar.istio.io/inject": "false"})
            + _deploy("coredns", "kube-system", {"k8s-app": "dns"}) + GATEWAY)
    refs = mesh_proxies(_index(text))
    assert [(r.target, r.folder, r.assumed) for r in refs] == [
        ("deploy/istio-ingressgateway.istio-system", "istio-ingressgateway.istio-system", True),
        ("lonely.shop", "lonely.shop", False),
        ("deploy/web.shop", "web.shop", False),
    ]


def test_a_gateway_in_the_input_is_used_instead_of_the_default():
    labels = {"istio": "ingressgateway", "app": "my-gw"}
    refs = mesh_proxies(_index(_deploy("my-gw", "edge", labels) + GATEWAY))
    assert [r.target for r in refs] == ["deploy/my-gw.edge"]


def test_opt_in_in_a_system_namespace_and_gateway_there():
    text = (_deploy("tool", "istio-system", {"app": "tool"}, {"sidecar.istio.io/inject": "true"})
            + _deploy("istiod", "istio-system", {"app": "istiod"})
            + _deploy("istio-egressgateway", "istio-system", {"istio": "egressgateway"}))
    assert [r.target for r in mesh_proxies(_index(text))] == ["deploy/istio-egressgateway.istio-system",
                                                              "deploy/tool.istio-system"]


def test_pod_and_deployment_with_the_same_name_get_separate_folders():
    text = _deploy("x", "a", {"app": "x"}) + _pod("x", "a", {"app": "other"})
    assert [(r.target, r.folder) for r in mesh_proxies(_index(text))] == [("x.a", "pod-x.a"), ("deploy/x.a", "x.a")]


def test_empty_mesh_has_no_proxy():
    assert mesh_proxies(_index("")) == []
