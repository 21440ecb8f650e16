"""index/mesh_index.py: the order of VirtualServices, as istiod's PushContext keeps it.

Sources: 1.17.8 pilot/pkg/model/push_context.go initVirtualServices (sortConfigByCreationTime, then
mergeVirtualServicesIfNeeded) and virtualservice.go mergeVirtualServicesIfNeeded, which returns the plain
VirtualServices first and appends the merged delegate roots after them (1.18.7 too); 1.19.8+/1.20.4+/1.21.0
virtualservice.go sorts the merged list by creation time again (#49554, release note 49539), and 1.30.3
virtualservice_controller.go returns sortConfigByCreationTime(MergedVirtualServices).
"""
from helpers import compile_yaml, route_config, vhost
from meshes import SEP, doc, gateway, service

SERVICES = doc(
    service("reviews", "[{name: http, port: 9080}]", cluster_ip="10.96.0.20"),
    service("ratings", "[{name: http, port: 9080}]", cluster_ip="10.96.0.21"),
)

# Created in this order: a root (delegating /a to leaf), a plain VirtualService for the same host, the leaf.
VIRTUAL_SERVICES = """
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: root, namespace: default, creationTimestamp: "2024-01-01T00:00:00Z"}
spec:
  hosts: [reviews]
  gateways: [mesh, gw]
  http:
  - match: [{uri: {prefix: /a}}]
    delegate: {name: leaf}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: plain, namespace: default, creationTimestamp: "2024-01-02T00:00:00Z"}
spec:
  hosts: [reviews]
  gateways: [mesh, gw]
  http:
  - match: [{uri: {prefix: /b}}]
    route: [{destination: {host: ratings}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: leaf, namespace: default, creationTimestamp: "2024-01-03T00:00:00Z"}
spec:
  http:
  - match: [{uri: {prefix: /a/x}}]
    route: [{destination: {host: reviews}}]
"""


def _index(roots_in_creation_order: bool):
    from mesh_compile.index.mesh_config import settings_from
    from mesh_compile.index.mesh_index import MeshIndex
    from mesh_compile.load.loader import load_text
    from mesh_compile.model.objects import parse_object
    objects = [parse_object(raw)[0] for raw in load_text(SERVICES + VIRTUAL_SERVICES, "t.yaml").objects]
    return MeshIndex(objects, settings_from(None), roots_in_creation_order=roots_in_creation_order)


def _routing(index) -> list[str]:
    """The VirtualServices that route by themselves (istiod drops delegates, those without hosts, from the list)."""
    return [vs.name for vs in index.virtual_services_for("default", "mesh") if vs.hosts]


def test_roots_keep_their_creation_place_since_1_19():
    assert _routing(_index(True)) == ["root", "plain"]


def test_roots_follow_the_other_virtual_services_in_1_17():
    assert _routing(_index(False)) == ["plain", "root"]


def test_switch_boundary():
    from mesh_compile.versions import behaviour_for
    assert not behaviour_for((1, 17)).vs_roots_in_creation_order
    assert not behaviour_for((1, 18)).vs_roots_in_creation_order
    assert behaviour_for((1, 19)).vs_roots_in_creation_order
    assert behaviour_for((1, 30)).vs_roots_in_creation_order


def test_sidecar_host_goes_to_the_first_virtual_service_by_version():
    # httproute.go BuildSidecarOutboundVirtualHosts: a host already claimed by an earlier VirtualService
    # is skipped for later ones, so the VirtualService order decides whose routes the vhost gets.
    def prefixes(version):
        cfg = compile_yaml(SERVICES + VIRTUAL_SERVICES, "deploy/sleep.default", version)
        routes = vhost(route_config(cfg, "9080"), "reviews.default.svc.cluster.local:9080")["routes"]
        return [r["match"].get("prefix") or r["match"].get("path") for r in routes]
    assert prefixes("1.30")[0] == "/a/x"        # the root, created first, wins
    assert prefixes("1.17")[0] == "/b"          # the plain VirtualService comes first in 1.17

GATEWAY = SEP + gateway("gw") + """\
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["*"]
"""


def test_gateway_vhost_routes_follow_the_virtual_service_order_by_version():
    # 1.17.8 gateway.go buildGatewayHTTPRouteConfig: a host served by several VirtualServices gets their
    # routes appended in VirtualService order (vHost.Routes = append(vHost.Routes, routes...)).
    def prefixes(version):
        cfg = compile_yaml(SERVICES + VIRTUAL_SERVICES + GATEWAY, "deploy/istio-ingressgateway.istio-system", version)
        (rc,) = cfg.routes
        (vh,) = [v for v in rc["virtualHosts"] if v["name"].startswith("reviews.")]
        return [r["match"].get("prefix") for r in vh["routes"]]
    assert prefixes("1.30") == ["/a/x", "/b"]
    assert prefixes("1.17") == ["/b", "/a/x"]


# --- service_sans: the SANs clusters verify under Istio mTLS (facts 5.7: "the service accounts of the
# service's pods", as spiffe://<trust domain>/ns/<ns>/sa/<sa>), memoised per service port -----------------

from meshes import pod  # noqa: E402

SAN_MESH = doc(
    service("reviews", "[{name: http, port: 9080}]", cluster_ip="10.96.0.20"),
    pod("reviews-a", "app: reviews", "10.1.0.1", spec="serviceAccountName: zeta"),
    pod("reviews-b", "app: reviews", "10.1.0.2", spec="serviceAccountName: alpha"),
    pod("reviews-c", "app: reviews", "10.1.0.3", spec="serviceAccountName: zeta"),
    pod("reviews-d", "app: reviews", "10.1.0.4"),
)


def _san_index():
    from mesh_compile.index.mesh_config import settings_from
    from mesh_compile.index.mesh_index import MeshIndex
    from mesh_compile.load.loader import load_text
    from mesh_compile.model.objects import parse_object
    objects = [parse_object(raw)[0] for raw in load_text(SAN_MESH, "t.yaml").objects]
    return MeshIndex(objects, settings_from(None))


def test_service_sans_are_the_sorted_distinct_accounts_of_the_port_workloads():
    index = _san_index()
    svc = index.services_by_host["reviews.default.svc.cluster.local"][0]
    assert index.service_sans(svc, svc.ports[0]) == [
        "spiffe://cluster.local/ns/default/sa/alpha",
        "spiffe://cluster.local/ns/default/sa/default",     # a pod without serviceAccountName
        "spiffe://cluster.local/ns/default/sa/zeta",
    ]


def test_service_sans_are_made_once_per_service_port():
    index = _san_index()
    svc = index.services_by_host["reviews.default.svc.cluster.local"][0]
    assert index.service_sans(svc, svc.ports[0]) is index.service_sans(svc.with_only_port(9080), svc.ports[0])


def test_service_for_host_is_memoised_and_unchanged():
    index = _san_index()
    found = index.service_for_host("reviews.default.svc.cluster.local", "other")
    assert found is index.services_by_host["reviews.default.svc.cluster.local"][0]
    assert index.service_for_host("reviews.default.svc.cluster.local", "other") is found
    assert index.service_for_host("nope.default.svc.cluster.local", "default") is None


def test_an_index_takes_the_parts_of_unchanged_kinds_from_the_last_one():
    """`previous` (serve --watch reloads): parts built from the very same objects under the same settings
    are the last index's; a kind with one object replaced, or other settings, are built again."""
    from mesh_compile.index.mesh_config import MeshSettings, settings_from
    from mesh_compile.index.mesh_index import MeshIndex
    from mesh_compile.load.loader import load_text
    from mesh_compile.model.objects import parse_object
    objects = [parse_object(raw)[0] for raw in load_text(SERVICES + VIRTUAL_SERVICES, "t.yaml").objects]
    first = MeshIndex(objects, settings_from(None))
    edited = [parse_object(raw)[0] for raw in load_text(VIRTUAL_SERVICES.replace("prefix: /b", "prefix: /c"), "t.yaml").objects]
    second = MeshIndex(objects[:2] + edited, settings_from(None), previous=first)
    assert second.services is first.services and second._host_cache is first._host_cache
    views = {vs.name: vs for vs in second.virtual_services}
    old = {vs.name: vs for vs in first.virtual_services}
    assert views["plain"] is not old["plain"] and views["plain"].spec.http[0].match[0].uri.prefix == "/c"
    assert [vs.name for vs in second.virtual_services] == [vs.name for vs in first.virtual_services]
    other = MeshIndex(objects, MeshSettings(domain_suffix="example.local"), previous=first)
    assert other.services is not first.services and other.services[0].hostname == "reviews.default.svc.example.local"
    replaced = [parse_object(raw)[0] for raw in load_text(SERVICES, "t.yaml").objects]
    third = MeshIndex(replaced + objects[2:], settings_from(None), previous=first)
    assert third.services is not first.services and third._host_cache is not first._host_cache
