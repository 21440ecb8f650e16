"""Gateway vhosts of VirtualServices that have no http routes (gateway.go buildGatewayHTTPRouteConfig at
1.30.3: the vhost is created with `Routes: slices.Clone(routes)` whether or not routes is empty)."""
from helpers import compile_yaml, route_config
from meshes import doc, gateway, service, virtual_service

TEXT = doc(gateway("gw", namespace="shop") + """  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["*"]
  - port: {number: 31400, name: tcp, protocol: TCP}
    hosts: ["*"]
""", service("db", "[{name: tcp, port: 3306}]", namespace="shop", cluster_ip="10.96.0.20", selector=False),
           virtual_service("tcp-only", '"*"', namespace="shop", gateways="gw") + """  tcp:
  - route: [{destination: {host: db, port: {number: 3306}}}]
""")


def test_tcp_only_virtual_service_gives_an_empty_vhost_on_the_http_server():
    rc = route_config(compile_yaml(TEXT, "deploy/istio-ingressgateway.istio-system"), "http.8080")
    assert rc["virtualHosts"] == [{"name": "*:80", "domains": ["*"], "includeRequestAttemptCount": True}]
