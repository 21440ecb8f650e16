"""Sidecar egress listeners with their own port and bind (listener.go buildSidecarOutboundListeners /
buildSidecarOutboundListener at 1.30.3 core/ and 1.17.8 v1alpha3/; model/sidecar.go
convertIstioListenerToWrapper, needsPortMatch, serviceMatchingListenerPort, collectImportedServices,
GetEgressListenerForRDS; httproute.go BuildSidecarOutboundVirtualHosts). Expected values come from that
code, as cited per test."""
import pytest

from helpers import compile_yaml, route_config
from meshes import deployment, doc, service

CLIENT = "deploy/client.app"
MESH = doc(
    service("web", "[{name: http, port: 80, targetPort: 8080}, {name: tcp, port: 9000, targetPort: 9000}]",
            namespace="shop", cluster_ip="10.96.0.10", selector=False),
    service("api", "[{name: http, port: 80, targetPort: 8080}]",
            namespace="shop", cluster_ip="10.96.0.11", selector=False),
    deployment("client", "app: client", namespace="app"),
    """\
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default, namespace: app}
spec:
""",
)
WEB = "shop/web.shop.svc.cluster.local"
PORT_80 = f"""  egress:
  - port: {{number: 80, protocol: HTTP, name: http}}
    hosts: [{WEB}]
"""
CATCH_ALL = """  - hosts: ["*/*"]
"""


def _names(items, key="name"):
    return sorted(x[key] for x in items)


def _listener(cfg, name):
    [lis] = [x for x in cfg.listeners if x["name"] == name]
    return lis


def _outbound_names(cfg):
    return sorted(x["name"] for x in cfg.listeners if x["name"] not in ("virtualOutbound", "virtualInbound")
                  and not x["name"].startswith("0.0.0.0_150"))


@pytest.mark.parametrize("version", ["1.17", "1.30"])
def test_route_config_of_the_port_takes_only_that_listeners_hosts(version):
    # GetEgressListenerForRDS(80): the first egress listener on port 80, so RDS "80" holds web only (api
    # is imported by the catch-all alone) plus the catch-all vhost
    cfg = compile_yaml(MESH + PORT_80 + CATCH_ALL, CLIENT, version)
    vhosts = [vh["name"] for vh in route_config(cfg, "80")["virtualHosts"]]
    assert vhosts == ["web.shop.svc.cluster.local:80", "allow_any"]


def test_catch_all_still_builds_the_other_ports_and_clusters():
    # the catch-all adds every service port whose listener key the port listener did not lock; the
    # clusters come from all imported services (collectImportedServices)
    cfg = compile_yaml(MESH + PORT_80 + CATCH_ALL, CLIENT)
    assert _outbound_names(cfg) == ["0.0.0.0_80", "10.96.0.10_9000"]
    clusters = {c["name"] for c in cfg.clusters}
    assert {"outbound|80||web.shop.svc.cluster.local", "outbound|9000||web.shop.svc.cluster.local",
            "outbound|80||api.shop.svc.cluster.local"} <= clusters


def test_port_listener_alone_trims_services_to_its_port():
    # needsPortMatch -> serviceMatchingListenerPort: web is imported with port 80 only, so neither a 9000
    # listener nor a 9000 cluster; api is not imported at all
    cfg = compile_yaml(MESH + PORT_80, CLIENT)
    assert _outbound_names(cfg) == ["0.0.0.0_80"]
    outbound = sorted(c["name"] for c in cfg.clusters if c["name"].startswith("outbound|"))
    assert outbound == ["outbound|80||web.shop.svc.cluster.local"]
    assert [rc["name"] for rc in cfg.routes] == ["80"]


def test_listener_protocol_is_the_egress_ports():
    # buildSidecarOutboundListener takes the protocol of listenerOpts.port, the egress listener's port:
    # declared TCP over web's HTTP port 80, the listener is web's VIP with a tcp_proxy, and no RDS
    text = MESH + PORT_80.replace("protocol: HTTP, name: http", "protocol: TCP, name: tcp")
    cfg = compile_yaml(text, CLIENT)
    lis = _listener(cfg, "10.96.0.10_80")
    [chain] = lis["filterChains"]
    assert chain["filters"][-1]["typedConfig"]["cluster"] == "outbound|80||web.shop.svc.cluster.local"
    assert cfg.routes == []


def test_tcp_port_listener_on_its_own_bind():
    # IstioListener.Bind -> bind.binds; a TCP listener keyed (bind, port): 127.0.0.2_9000, bindToPort false
    # (captureMode default); the catch-all's 10.96.0.10_9000 is another key, so it is still built
    text = MESH + """  egress:
  - port: {number: 9000, protocol: TCP, name: tcp}
    bind: 127.0.0.2
    hosts: [shop/web.shop.svc.cluster.local]
""" + CATCH_ALL
    cfg = compile_yaml(text, CLIENT)
    lis = _listener(cfg, "127.0.0.2_9000")
    assert lis["address"] == {"socketAddress": {"address": "127.0.0.2", "portValue": 9000}}
    assert lis["bindToPort"] is False
    [chain] = lis["filterChains"]
    assert chain["filters"][-1]["typedConfig"]["cluster"] == "outbound|9000||web.shop.svc.cluster.local"
    assert "10.96.0.10_9000" in _outbound_names(cfg)


def test_http_port_listener_on_its_own_bind_does_not_sniff():
    # HTTP with a user bind keeps it (no actualWildcards); plaintextHTTPALPNs / raw_buffer are added only
    # when the bind is the wildcard, so no http_inspector; RDS name is the port (not fqdn:port: only for
    # ListenerProtocolAuto)
    text = MESH + PORT_80.replace("  - port:", "  - bind: 127.0.0.3\n    port:")
    cfg = compile_yaml(text, CLIENT)
    lis = _listener(cfg, "127.0.0.3_80")
    assert "listenerFilters" not in lis or all(f["name"] != "envoy.filters.listener.http_inspector"
                                               for f in lis["listenerFilters"])
    chains = lis["filterChains"]
    assert len(chains) == 1 and "defaultFilterChain" not in lis     # buildListenerFromEntry: one match-all
    assert all("applicationProtocols" not in c.get("filterChainMatch", {}) for c in chains)
    assert chains[0]["filters"][-1]["typedConfig"]["rds"]["routeConfigName"] == "80"
    assert [rc["name"] for rc in cfg.routes] == ["80"]


def test_catch_all_on_its_own_bind():
    # a catch-all egress listener with a bind: bind.binds = [Bind] for every service port, no service VIPs
    # (listener.go: the VIP is used only when bind.Primary() == ""); HTTP keeps the bind too
    text = MESH + """  egress:
  - bind: 127.0.0.4
    hosts: [shop/web.shop.svc.cluster.local]
"""
    cfg = compile_yaml(text, CLIENT)
    assert _outbound_names(cfg) == ["127.0.0.4_80", "127.0.0.4_9000"]


def _warnings(tmp_path, egress: str) -> list[str]:
    from mesh_compile.pipeline import load_mesh
    (tmp_path / "mesh.yaml").write_text(MESH + egress)
    return [p.render() for p in load_mesh([str(tmp_path)]).problems if "not translated" in p.render()]


def test_port_and_bind_are_not_reported_as_untranslated(tmp_path):
    assert _warnings(tmp_path, PORT_80.replace("  - port:", "  - bind: 127.0.0.3\n    port:")) == []


def test_capture_mode_none_is_still_reported(tmp_path):
    [warning] = _warnings(tmp_path, PORT_80.replace("  - port:", "  - captureMode: NONE\n    port:"))
    assert "spec.egress[0]" in warning and "captureMode" in warning
