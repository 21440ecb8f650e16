"""Sidecar egress scoping (pilot/pkg/model/sidecar.go): what a sidecar's routes and clusters contain."""
from helpers import compile_yaml, route_config

MESH = """
apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: default}
spec: {clusterIP: 10.96.0.20, ports: [{name: http, port: 9080}]}
---
apiVersion: v1
kind: Service
metadata: {name: ratings, namespace: default}
spec: {clusterIP: 10.96.0.21, ports: [{name: http, port: 9080}]}
---
apiVersion: v1
kind: Service
metadata: {name: billing, namespace: payments}
spec: {clusterIP: 10.96.0.22, ports: [{name: http, port: 9080}]}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: default}
spec:
  hosts: [reviews]
  http:
  - route: [{destination: {host: billing.payments.svc.cluster.local}}]
"""

SIDECAR = """
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default, namespace: default}
spec:
  egress:
  - hosts: ["./reviews.default.svc.cluster.local", "istio-system/*"]
  outboundTrafficPolicy: {mode: REGISTRY_ONLY}
"""


def _vhost_names(cfg):
    return [vh["name"] for vh in route_config(cfg, "9080")["virtualHosts"]]


def test_without_sidecar_everything_exported_is_seen():
    cfg = compile_yaml(MESH, "deploy/productpage.default")
    assert _vhost_names(cfg) == ["billing.payments.svc.cluster.local:9080", "ratings.default.svc.cluster.local:9080",
                                 "reviews.default.svc.cluster.local:9080", "allow_any"]


def test_namespace_sidecar_narrows_routes_and_sets_outbound_policy():
    cfg = compile_yaml(MESH + SIDECAR, "deploy/productpage.default")
    assert _vhost_names(cfg) == ["reviews.default.svc.cluster.local:9080", "block_all"]
    clusters = {c["name"] for c in cfg.clusters}
    # the VirtualService's destination is imported for clusters, not for vhosts (collectImportedServices)
    assert "outbound|9080||billing.payments.svc.cluster.local" in clusters
    assert "outbound|9080||ratings.default.svc.cluster.local" not in clusters


def test_sidecar_of_another_namespace_does_not_apply():
    cfg = compile_yaml(MESH + SIDECAR, "deploy/sleep.other")
    assert "ratings.default.svc.cluster.local:9080" in _vhost_names(cfg)


def test_root_namespace_sidecar_is_the_mesh_default():
    root = SIDECAR.replace("namespace: default}", "namespace: istio-system}")
    cfg = compile_yaml(MESH + root, "deploy/sleep.other")
    # "." means the proxy's own namespace, which has no reviews service: nothing on port 9080 is
    # imported, so no listener asks for route config 9080
    assert [r["name"] for r in cfg.routes] == []
    assert not any("reviews" in c["name"] for c in cfg.clusters)
