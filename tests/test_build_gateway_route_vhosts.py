"""Gateway vhosts of VirtualServices that have no http routes (gateway.go buildGatewayHTTPRouteConfig at
1.30.3: the vhost is created with `Routes: slices.Clone(routes)` whether or not routes is empty)."""
from helpers import compile_yaml, route_config

TEXT = """
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: shop}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["*"]
  - port: {number: 31400, name: tcp, protocol: TCP}
    hosts: ["*"]
---
apiVersion: v1
kind: Service
metadata: {name: db, namespace: shop}
spec:
  clusterIP: 10.96.0.20
  ports: [{name: tcp, port: 3306}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: tcp-only, namespace: shop}
spec:
  hosts: ["*"]
  gateways: [gw]
  tcp:
  - route: [{destination: {host: db, port: {number: 3306}}}]
"""


def test_tcp_only_virtual_service_gives_an_empty_vhost_on_the_http_server():
    rc = route_config(compile_yaml(TEXT, "deploy/istio-ingressgateway.istio-system"), "http.8080")
    assert rc["virtualHosts"] == [{"name": "*:80", "domains": ["*"], "includeRequestAttemptCount": True}]
