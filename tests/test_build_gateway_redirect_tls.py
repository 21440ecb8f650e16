"""A redirect without a scheme on an HTTPS gateway server counts as https, so port 443 is dropped
(route.go ApplyRedirect with RouteOptions.IsTLS, 1.18+; istio-facts 2.7)."""
from helpers import compile_yaml, route_config

MESH = """
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: default}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: [a.example.com]
    tls: {mode: SIMPLE, credentialName: a-cert}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: r, namespace: default}
spec:
  hosts: [a.example.com]
  gateways: [gw]
  http:
  - redirect: {authority: b.example.com, port: 443}
"""


def test_https_server_redirect_drops_port_443():
    cfg = compile_yaml(MESH, "deploy/istio-ingressgateway.istio-system")
    rc = route_config(cfg, "https.443.https.gw.default")
    redirect = rc["virtualHosts"][0]["routes"][0]["redirect"]
    assert redirect.get("hostRedirect") == "b.example.com"
    assert "portRedirect" not in redirect
