"""ServiceEntry resolution NONE with a port targetPort -> originalDstLbConfig.upstreamPortOverride.

Sources: 1.30.3 pilot/pkg/serviceregistry/serviceentry/conversion.go convertServices (resolution Passthrough and
port.TargetPort != 0 -> PassthroughTargetPorts[port.Number] = port.TargetPort) and
pilot/pkg/networking/core/cluster_builder.go buildCluster, case Cluster_ORIGINAL_DST (OriginalDstLbConfig
{UpstreamPortOverride}); 1.22.8 the same behind features.PassthroughTargetPort (ENABLE_RESOLUTION_NONE_TARGET_PORT,
default true); 1.21.6 and 1.17.8 have no PassthroughTargetPorts. Kubernetes services never set the map.
"""
import pytest

from helpers import cluster, compile_yaml

SE = """
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: legacy, namespace: default}
spec:
  hosts: [legacy.internal]
  addresses: [10.10.0.0/16]
  location: MESH_EXTERNAL
  resolution: NONE
  ports:
  - {number: 9000, name: tcp, protocol: TCP, targetPort: 9090}
  - {number: 9001, name: tcp-plain, protocol: TCP}
"""
TARGET = "deploy/client.default"


@pytest.mark.parametrize("version,override", [("1.30", True), ("1.22", True), ("1.21", False), ("1.17", False)])
def test_resolution_none_target_port_overrides_the_upstream_port(version, override):
    cfg = compile_yaml(SE, TARGET, version)
    c = cluster(cfg, "outbound|9000||legacy.internal")
    assert c["type"] == "ORIGINAL_DST" and c["lbPolicy"] == "CLUSTER_PROVIDED"
    if override:
        assert c["originalDstLbConfig"] == {"upstreamPortOverride": 9090}
        from mesh_compile_xds.canonical import canonical_json
        from mesh_compile_xds.messages import to_message
        printed = canonical_json(to_message("cluster", c))
        assert printed == c and list(printed) == list(c)
    else:
        assert "originalDstLbConfig" not in c
    assert "originalDstLbConfig" not in cluster(cfg, "outbound|9001||legacy.internal")
