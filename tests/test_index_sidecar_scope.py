"""Sidecar egress scoping (pilot/pkg/model/sidecar.go): what a sidecar's routes and clusters contain."""
from helpers import compile_yaml, route_config
from meshes import SEP, doc, service, sidecar, virtual_service

MESH = doc(
    service("reviews", "[{name: http, port: 9080}]", cluster_ip="10.96.0.20", selector=False),
    service("ratings", "[{name: http, port: 9080}]", cluster_ip="10.96.0.21", selector=False),
    service("billing", "[{name: http, port: 9080}]", namespace="payments", cluster_ip="10.96.0.22", selector=False),
    virtual_service("reviews", "reviews") + """\
  http:
  - route: [{destination: {host: billing.payments.svc.cluster.local}}]
""",
)

SIDECAR = SEP + sidecar() + """\
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


def test_an_outbound_policy_without_a_mode_is_registry_only():
    """The Sidecar's outboundTrafficPolicy replaces the mesh's whole (model/sidecar.go at 1.17.8 and
    1.30.3); a policy with no mode (only an egressProxy, say) is the enum's zero value, REGISTRY_ONLY."""
    sidecar = ("\n---\napiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: default, namespace: default}\n"
               "spec:\n  outboundTrafficPolicy: {}\n")
    for version in ("1.17", "1.30"):
        assert _vhost_names(compile_yaml(MESH + sidecar, "deploy/productpage.default", version))[-1] == "block_all"


EGRESS_PROXY = SEP + sidecar() + """\
  outboundTrafficPolicy:
    mode: ALLOW_ANY
    egressProxy: {host: egress.corp.example, subset: v1, port: {number: 3128}}
"""


def test_egress_proxy_takes_the_traffic_no_service_claims():
    """httproute.go buildCatchAllVirtualHost and listener_builder.go buildOutboundCatchAllNetworkFiltersOnly
    (1.17.8, 1.30.3): under ALLOW_ANY the allow_any route and the catch-all tcp_proxy chains go to
    GetDestinationCluster(egressProxy, nil, 0) = outbound|3128|v1|egress.corp.example (the host as written)."""
    want = "outbound|3128|v1|egress.corp.example"
    for version in ("1.17", "1.30"):
        cfg = compile_yaml(MESH + EGRESS_PROXY, "deploy/productpage.default", version)
        allow_any = route_config(cfg, "9080")["virtualHosts"][-1]
        assert (allow_any["name"], allow_any["routes"][0]["route"]["cluster"]) == ("allow_any", want)
        virtual = next(lis for lis in cfg.listeners if lis["name"] == "virtualOutbound")
        catch_all = virtual["filterChains"][-1]["filters"][-1]["typedConfig"]
        assert (catch_all["statPrefix"], catch_all["cluster"]) == (want, want)
    without_port = EGRESS_PROXY.replace(", port: {number: 3128}", "").replace("subset: v1", "subset: ''")
    cfg = compile_yaml(MESH + without_port, "deploy/productpage.default")
    assert route_config(cfg, "9080")["virtualHosts"][-1]["routes"][0]["route"]["cluster"] == "outbound|0||egress.corp.example"


def test_egress_proxy_is_ignored_under_registry_only():
    cfg = compile_yaml(MESH + EGRESS_PROXY.replace("ALLOW_ANY", "REGISTRY_ONLY"), "deploy/productpage.default")
    assert route_config(cfg, "9080")["virtualHosts"][-1]["name"] == "block_all"
    virtual = next(lis for lis in cfg.listeners if lis["name"] == "virtualOutbound")
    assert virtual["filterChains"][-1]["filters"][-1]["typedConfig"]["cluster"] == "BlackHoleCluster"
