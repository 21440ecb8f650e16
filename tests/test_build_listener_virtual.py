"""The sidecar's virtualOutbound listener (compiler/build/listener_virtual.py).

Expected values: istiod listener_builder.go buildVirtualOutboundListener / buildOutboundCatchAllNetworkFilterChains
/ blackholeFilterChain (1.17.8 core/v1alpha3/, 1.30.3 core/: the same code), mesh proxyListenPort 15001,
features.MaxConnectionsToAcceptPerSocketEvent = 1 from 1.26.0; the real sidecar ListenersConfigDump
shared/reference/istio/istio-istio/istioctl/pkg/authz/testdata/configdump.yaml lines 3890-3950. The telemetry
filters before each tcp_proxy (istio.stats) are added by compiler/build/listener_telemetry.py and tested there;
here they are dropped. Nothing here is read from our own output.
"""
import pytest

from helpers import compile_yaml
from meshes import service

TARGET = "deploy/client.shop"
SVC = service("web", "[{name: http, port: 80, targetPort: 8080}]", namespace="shop", cluster_ip="10.96.0.21",
              selector=False)
TCP = "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy"


def _virtual_outbound(cfg):
    """The listener without the telemetry filters listener_telemetry.py adds."""
    found = [lis for lis in cfg.listeners if lis["name"] == "virtualOutbound"]
    assert len(found) == 1
    chains = [dict(c, filters=[f for f in c["filters"] if f["name"] != "istio.stats"])
              for c in found[0]["filterChains"]]
    return dict(found[0], filterChains=chains)


def _tcp(cluster):
    return {"name": "envoy.filters.network.tcp_proxy",
            "typedConfig": {"@type": TCP, "statPrefix": cluster, "cluster": cluster}}


@pytest.mark.parametrize("version", ["1.17", "1.25"])
def test_virtual_outbound_shape_before_1_26(version):
    lis = _virtual_outbound(compile_yaml(SVC, TARGET, version))
    # configdump.yaml 3890-3950: name, 0.0.0.0:15001, blackhole chain on destination_port 15001, the
    # catch-all chain to PassthroughCluster (ALLOW_ANY), use_original_dst, OUTBOUND.
    assert lis == {
        "name": "virtualOutbound",
        "address": {"socketAddress": {"address": "0.0.0.0", "portValue": 15001}},
        "filterChains": [
            {"filterChainMatch": {"destinationPort": 15001}, "filters": [_tcp("BlackHoleCluster")],
             "name": "virtualOutbound-blackhole"},
            {"filters": [_tcp("PassthroughCluster")], "name": "virtualOutbound-catchall-tcp"},
        ],
        "useOriginalDst": True,
        "trafficDirection": "OUTBOUND",
    }


def test_virtual_outbound_accepts_one_connection_per_event_from_1_26():
    # 1.26.0 listener_builder.go: MaxConnectionsToAcceptPerSocketEvent: maxConnectionsToAcceptPerSocketEvent()
    lis = _virtual_outbound(compile_yaml(SVC, TARGET, "1.30"))
    assert list(lis) == ["name", "address", "filterChains", "useOriginalDst", "trafficDirection",
                         "maxConnectionsToAcceptPerSocketEvent"]
    assert lis["maxConnectionsToAcceptPerSocketEvent"] == 1
    assert "bindToPort" not in lis                # it is the port iptables redirects to: it binds


@pytest.mark.parametrize("where", ["mesh", "sidecar"])
def test_registry_only_catch_all_goes_to_blackhole(where):
    # buildOutboundCatchAllNetworkFiltersOnly: !IsAllowAnyOutbound -> BlackHoleCluster
    text, mesh = SVC, None
    if where == "mesh":
        mesh = {"outboundTrafficPolicy": {"mode": "REGISTRY_ONLY"}}
    else:
        text += """---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default, namespace: shop}
spec:
  outboundTrafficPolicy: {mode: REGISTRY_ONLY}
"""
    lis = _virtual_outbound(compile_yaml(text, TARGET, "1.30", mesh=mesh))
    assert lis["filterChains"][1] == {"filters": [_tcp("BlackHoleCluster")], "name": "virtualOutbound-catchall-tcp"}


def test_sidecar_listener_order_outbound_virtual_outbound_then_inbound():
    # listener_builder.go getListeners: outbound listeners, (http proxy), virtualOutbound, inbound listeners
    names = [lis["name"] for lis in compile_yaml(SVC, TARGET).listeners]
    assert names == ["0.0.0.0_80", "virtualOutbound", "virtualInbound"]


def test_gateways_get_no_virtual_listeners():
    # BuildListeners: only buildSidecarListeners adds them
    names = [lis["name"] for lis in compile_yaml(SVC, "deploy/istio-ingressgateway.istio-system").listeners]
    assert "virtualOutbound" not in names and "virtualInbound" not in names
