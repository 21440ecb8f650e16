"""YAML documents that many build tests start from, written once.

Each function returns one document (no `---`); join them with `doc()` separators. The values stay in the
tests' own hands (names, ports, IPs are arguments), so each test still shows what its mesh holds.
"""
from __future__ import annotations

SEP = "\n---\n"   # the leading newline keeps it safe after text that lacks a final newline


def service(name: str, ports: str, *, namespace: str = "default", cluster_ip: str = "",
            selector: bool = True) -> str:
    """A Kubernetes Service; `ports` is the flow-style list, e.g. `[{name: http, port: 9080}]`."""
    text = f"apiVersion: v1\nkind: Service\nmetadata: {{name: {name}, namespace: {namespace}}}\nspec:\n"
    if cluster_ip:
        text += f"  clusterIP: {cluster_ip}\n"
    if selector:
        text += f"  selector: {{app: {name}}}\n"
    return text + f"  ports: {ports}\n"


def destination_rule(name: str, host: str, *, namespace: str = "default") -> str:
    """The head of a DestinationRule, ending at `host:` so a test can append its trafficPolicy."""
    return (f"apiVersion: networking.istio.io/v1\nkind: DestinationRule\n"
            f"metadata: {{name: {name}, namespace: {namespace}}}\nspec:\n  host: {host}\n")


def external_dns_service_entry(name: str, host: str, port: str, *, namespace: str = "default") -> str:
    """A MESH_EXTERNAL, DNS-resolved ServiceEntry for one host; `port` is one flow-style port."""
    return (f"apiVersion: networking.istio.io/v1\nkind: ServiceEntry\n"
            f"metadata: {{name: {name}, namespace: {namespace}}}\nspec:\n  hosts: [{host}]\n"
            f"  location: MESH_EXTERNAL\n  resolution: DNS\n  ports: [{port}]\n")


def gateway(name: str, *, namespace: str = "default") -> str:
    """The head of an ingress-gateway Gateway, ending at `servers:` so a test can append its servers."""
    return (f"apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {{name: {name}, namespace: {namespace}}}\n"
            f"spec:\n  selector: {{istio: ingressgateway}}\n  servers:\n")


def virtual_service(name: str, hosts: str = "", *, namespace: str = "default", gateways: str = "") -> str:
    """The head of a VirtualService up to `hosts` (and `gateways`), so a test can append its routes.

    `hosts` and `gateways` are the insides of flow-style lists, e.g. `reviews` or `a.example.com, b`;
    no `hosts` (a delegate VirtualService) leaves the line out.
    """
    text = (f"apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
            f"metadata: {{name: {name}, namespace: {namespace}}}\nspec:\n")
    text += f"  hosts: [{hosts}]\n" if hosts else ""
    return text + (f"  gateways: [{gateways}]\n" if gateways else "")


def doc(*documents: str) -> str:
    """Documents joined into one multi-document YAML text."""
    return SEP.join(documents)
