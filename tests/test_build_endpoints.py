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
