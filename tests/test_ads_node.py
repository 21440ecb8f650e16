"""Which proxy an Envoy node id names (mesh_compile_xds.ads.node)."""
from __future__ import annotations

import pytest

from mesh_compile_xds.ads.node import BIND_ADDRESS_KEY, PORT_OFFSET_KEY, NodeError, resolve_node, target_of


@pytest.mark.parametrize("node_id, expected", [
    ("sidecar~10.10.0.14~webapp-7685bcb84-hkhs5.istioinaction~istioinaction.svc.cluster.local",
     ("webapp-7685bcb84-hkhs5.istioinaction", "sidecar")),
    ("router~10.0.0.1~istio-ingressgateway-abc.istio-system~istio-system.svc.cluster.local",
     ("istio-ingressgateway-abc.istio-system", "router")),
    ("deploy/webapp.istioinaction", ("deploy/webapp.istioinaction", None)),
    ("nginx.default", ("nginx.default", None)),
    ("envoy", (None, None)),
    ("", (None, None)),
    ("a.b.c", (None, None)),
    ("ingress~1.2.3.4~x.y~y.svc", (None, None)),
])
def test_target_of(node_id, expected):
    assert target_of(node_id) == expected


def test_unnamed_node_uses_default_target_or_fails_clearly():
    assert resolve_node("envoy", {}, "deploy/webapp.istioinaction").target == "deploy/webapp.istioinaction"
    with pytest.raises(NodeError, match="names no proxy"):
        resolve_node("envoy", {}, None)


def test_metadata_overrides_binding():
    ref = resolve_node("nginx.default", {BIND_ADDRESS_KEY: "127.0.0.2", PORT_OFFSET_KEY: 20000.0}, None)
    assert (ref.bind_address, ref.port_offset) == ("127.0.0.2", 20000)
    with pytest.raises(NodeError, match="not an IP"):
        resolve_node("nginx.default", {BIND_ADDRESS_KEY: "nowhere"}, None)
    with pytest.raises(NodeError, match="out of range"):
        resolve_node("nginx.default", {PORT_OFFSET_KEY: "70000"}, None)
