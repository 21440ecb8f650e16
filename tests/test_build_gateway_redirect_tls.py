"""A redirect without a scheme on an HTTPS gateway server counts as https, so port 443 is dropped
(route.go ApplyRedirect with RouteOptions.IsTLS, 1.18+; istio-facts 2.7)."""
from helpers import compile_yaml, route_config
from meshes import SEP, gateway, virtual_service

MESH = gateway("gw") + """  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: [a.example.com]
    tls: {mode: SIMPLE, credentialName: a-cert}
""" + SEP + virtual_service("r", "a.example.com", gateways="gw") + """  http:
  - redirect: {authority: b.example.com, port: 443}
"""


def test_https_server_redirect_drops_port_443():
    cfg = compile_yaml(MESH, "deploy/istio-ingressgateway.istio-system")
    rc = route_config(cfg, "https.443.https.gw.default")
    redirect = rc["virtualHosts"][0]["routes"][0]["redirect"]
    assert redirect.get("hostRedirect") == "b.example.com"
    assert "portRedirect" not in redirect
