"""build/endpoints.py: ClusterLoadAssignments, checked against istiod's endpoint conversion."""
from helpers import compile_yaml

# istiod's own fixture for a unix domain socket ServiceEntry (1.30.3
# pilot/pkg/serviceregistry/serviceentry/conversion_test.go `udsLocal`), in a valid namespace name, and
# the unix-domain-socket-example of shared/reference/istio/istio-istio/tests/testdata/config/se-example.yaml.
UDS = """
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: uds-local, namespace: uds}
spec:
  hosts: [uds.cluster.local]
  ports:
  - {number: 6553, name: grpc-1, protocol: grpc}
  endpoints:
  - address: unix:///test/sock
  resolution: STATIC
"""


def _assignment(cfg, name):
    for cla in cfg.endpoints:
        if cla["clusterName"] == name:
            return cla
    raise AssertionError(f"no assignment {name}: {[c['clusterName'] for c in cfg.endpoints]}")


def test_unix_socket_endpoint_is_a_pipe_address():
    # conversion.go convertWorkloadInstanceToServiceInstance: a unix:// address loses its prefix and gets
    # port 0 (conversion_test.go expects makeInstance(udsLocal, ..., []string{"/test/sock"}, 0, ...));
    # networking/util/util.go BuildAddress turns port 0 into Address{pipe{path}} (same in 1.17.8).
    for version in ("1.17", "1.30"):
        cfg = compile_yaml(UDS, "deploy/sleep.uds", version)
        cla = _assignment(cfg, "outbound|6553||uds.cluster.local")
        lb = cla["endpoints"][0]["lbEndpoints"]
        assert [e["endpoint"]["address"] for e in lb] == [{"pipe": {"path": "/test/sock"}}], version


def test_ip_endpoint_keeps_its_socket_address():
    text = UDS.replace("unix:///test/sock", "10.1.2.3")
    cfg = compile_yaml(text, "deploy/sleep.uds")
    lb = _assignment(cfg, "outbound|6553||uds.cluster.local")["endpoints"][0]["lbEndpoints"]
    assert lb[0]["endpoint"]["address"] == {"socketAddress": {"address": "10.1.2.3", "portValue": 6553}}


TLS_SE = """
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: vms, namespace: uds}
spec:
  hosts: [vms.example.internal]
  location: MESH_INTERNAL
  ports:
  - {number: 8080, name: http, protocol: HTTP}
  endpoints:
  - {address: 10.1.0.1, labels: {security.istio.io/tlsMode: istio}}
  - {address: 10.1.0.2, serviceAccount: vm-sa}
  - {address: 10.1.0.3}
  - {address: 10.1.0.4, serviceAccount: vm-sa, labels: {security.istio.io/tlsMode: disabled}}
  resolution: STATIC
"""


def test_service_entry_endpoint_tls_mode():
    # serviceentry/conversion.go getTLSModeFromWorkloadEntry (1.17.8 and 1.30.3): the endpoint's
    # security.istio.io/tlsMode label, else "istio" when it has a serviceAccount, else "disabled";
    # networking/util/util.go BuildLbEndpointMetadata then puts envoy.transport_socket_match
    # {tlsMode: istio} on the endpoint for a mode other than disabled
    for version in ("1.17", "1.30"):
        cfg = compile_yaml(TLS_SE, "deploy/sleep.uds", version)
        lb = _assignment(cfg, "outbound|8080||vms.example.internal")["endpoints"][0]["lbEndpoints"]
        got = {e["endpoint"]["address"]["socketAddress"]["address"]:
               (e.get("metadata") or {}).get("filterMetadata", {}).get("envoy.transport_socket_match") for e in lb}
        assert got == {"10.1.0.1": {"tlsMode": "istio"}, "10.1.0.2": {"tlsMode": "istio"},
                       "10.1.0.3": None, "10.1.0.4": None}, version


def test_any_tls_mode_but_disabled_is_written_as_given():
    # 1.17.8 util.go BuildLbEndpointMetadata / 1.30.3 AppendLbEndpointMetadata: envoy.transport_socket_match
    # {tlsMode: <label>} when tlsMode != "" and != "disabled" (model.DisabledTLSModeLabel), not only for "istio"
    text = TLS_SE.replace("{security.istio.io/tlsMode: istio}", "{security.istio.io/tlsMode: mutual-custom}")
    for version in ("1.17", "1.30"):
        lb = _assignment(compile_yaml(text, "deploy/sleep.uds", version),
                         "outbound|8080||vms.example.internal")["endpoints"][0]["lbEndpoints"]
        first = next(e for e in lb if e["endpoint"]["address"]["socketAddress"]["address"] == "10.1.0.1")
        assert first["metadata"]["filterMetadata"]["envoy.transport_socket_match"] == {"tlsMode": "mutual-custom"}


def test_subset_matches_needs_every_subset_label_with_its_value():
    """A subset selects the endpoints carrying all its labels (DestinationRule Subset.labels; istiod
    model.Subset -> labels.Instance.SubsetOf); no labels select every endpoint."""
    from types import SimpleNamespace

    from mesh_compile.build.endpoints import subset_matches
    v1 = SimpleNamespace(labels={"version": "v1", "app": "reviews"})
    assert subset_matches(v1, {"app": "reviews", "version": "v1", "pod-template-hash": "x"})
    assert not subset_matches(v1, {"app": "reviews", "version": "v2"})
    assert not subset_matches(v1, {"version": "v1"})
    assert subset_matches(SimpleNamespace(labels={}), {"app": "reviews"})
    assert subset_matches(SimpleNamespace(labels=None), {})


def test_an_endpoint_in_several_subset_clusters_is_one_object():
    """The LbEndpoint of a workload is built once and shared by the clusters of its service port."""
    from meshes import destination_rule, doc, pod, service
    mesh = doc(service("reviews", "[{name: http, port: 9080}]", cluster_ip="10.96.0.20"),
               pod("reviews-v1", "app: reviews, version: v1", "10.244.0.10"),
               destination_rule("reviews", "reviews") + "  subsets:\n  - {name: v1, labels: {version: v1}}\n")
    cfg = compile_yaml(mesh, "deploy/productpage.default")
    by_name = {a["clusterName"]: a for a in cfg.endpoints}
    default, v1 = (by_name[f"outbound|9080|{s}|reviews.default.svc.cluster.local"] for s in ("", "v1"))
    assert default["endpoints"][0]["lbEndpoints"][0]["endpoint"]["address"]["socketAddress"]["address"] == "10.244.0.10"
    assert default["endpoints"][0]["lbEndpoints"][0] is v1["endpoints"][0]["lbEndpoints"][0]
