"""YAML documents that many build tests start from, written once.

Each function returns one document (no `---`); join them with `doc()` separators. The values stay in the
tests' own hands (names, ports, IPs are arguments), so each test still shows what its mesh holds.
"""
from __future__ import annotations

SEP = "\n---\n"   # the leading newline keeps it safe after text that lacks a final newline


def service(name: str, ports: str, *, namespace: str = "default", cluster_ip: str = "",
            selector: bool = True, app: str = "") -> str:
    """A Kubernetes Service; `ports` is the flow-style list, e.g. `[{name: http, port: 9080}]`.

    It selects pods by `app: <app>` (by default the Service's own name), or none without `selector`.
    """
    text = f"apiVersion: v1\nkind: Service\nmetadata: {{name: {name}, namespace: {namespace}}}\nspec:\n"
    if cluster_ip:
        text += f"  clusterIP: {cluster_ip}\n"
    if selector:
        text += f"  selector: {{app: {app or name}}}\n"
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


def pod(name: str, labels: str, ip: str, *, namespace: str = "default", spec: str = "", ready: bool = False) -> str:
    """A scheduled Pod; `labels` and `spec` are the insides of flow-style maps, e.g. `app: web, version: v1`.

    `ready` adds the Running phase and Ready condition that endpoint builds read; `ip` is quoted so that an
    IPv6 address stays one string.
    """
    text = (f"apiVersion: v1\nkind: Pod\n"
            f"metadata: {{name: {name}, namespace: {namespace}, labels: {{{labels}}}}}\n")
    text += f"spec: {{{spec}}}\n" if spec else ""
    ready_status = 'phase: Running, conditions: [{type: Ready, status: "True"}], ' if ready else ""
    return text + f'status: {{{ready_status}podIP: "{ip}"}}\n'


def deployment(name: str, labels: str, *, namespace: str = "default") -> str:
    """A Deployment selecting `app: <name>` whose pod template carries `labels` (the inside of a flow map)."""
    return (f"apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}, namespace: {namespace}}}\n"
            f"spec:\n  selector: {{matchLabels: {{app: {name}}}}}\n"
            f"  template: {{metadata: {{labels: {{{labels}}}}}}}\n")


def sidecar(name: str = "default", *, namespace: str = "default", selector: str = "") -> str:
    """The head of a Sidecar, ending at `spec:` (and its workloadSelector, whose labels are the inside of
    a flow map, e.g. `app: httpbin`) so a test can append its ingress, egress and outboundTrafficPolicy."""
    text = (f"apiVersion: networking.istio.io/v1\nkind: Sidecar\n"
            f"metadata: {{name: {name}, namespace: {namespace}}}\nspec:\n")
    return text + (f"  workloadSelector: {{labels: {{{selector}}}}}\n" if selector else "")
