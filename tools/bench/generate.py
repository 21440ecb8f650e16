"""A mesh of N services for the benchmark, shaped like istiod's own benchmark inputs
(pilot/pkg/xds/testdata/benchmarks: `http`, `virtualservice`, `gateways`) but with the Kubernetes
objects a real cluster has.

Per service i (namespace tenant-{i % 10}):
  Service svc-i (http 80 -> 8080, grpc 8080 -> 9090, a cluster IP), Pods for v1 and v2 with pod IPs,
  a DestinationRule (two subsets, a connection pool) and a VirtualService (a header match to v2, a 90/10
  split, retries, a mirror to another service).
Once: an ingress Gateway (HTTP 80 and HTTPS 443) with a VirtualService for every tenth service, a few
ServiceEntries, and the Deployments of svc-0 so that `deploy/svc-0-v1.tenant-0` names a sidecar.

The YAML is written as text, not through a YAML dumper: at N = 10000 that is ~50,000 objects and a
dumper would dominate the benchmark's own run time. Everything is derived from a seeded
random.Random, so the same (n, seed) gives the same bytes.
"""
from __future__ import annotations

import argparse
import random
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, TextIO

NAMESPACES = 10
GATEWAY_NAME = "bench-gateway"
GATEWAY_NAMESPACE = "istio-system"
GATEWAY_DOMAIN = "bench.example"
SIDECAR_TARGET = "deploy/svc-0-v1.tenant-0"
GATEWAY_TARGET = "deploy/istio-ingressgateway.istio-system"
_HASH_CHARS = "bcdfghjklmnpqrstvwxz2456789"   # the alphabet Kubernetes uses for generated names


@dataclass
class MeshInfo:
    services: int
    objects: int
    bytes: int
    sidecar_target: str = SIDECAR_TARGET
    gateway_target: str = GATEWAY_TARGET


def namespace_of(i: int) -> str:
    return f"tenant-{i % NAMESPACES}"


def fqdn(i: int) -> str:
    return f"svc-{i}.{namespace_of(i)}.svc.cluster.local"


def _ip(base: tuple[int, int], k: int) -> str:
    """The k-th address (k >= 1) above base.0.0, spilling into the second octet."""
    return f"{base[0]}.{base[1] + k // 65536}.{(k // 256) % 256}.{k % 256}"


def _suffix(rng: random.Random, length: int) -> str:
    return "".join(rng.choice(_HASH_CHARS) for _ in range(length))


def service(i: int) -> str:
    return f"""apiVersion: v1
kind: Service
metadata:
  name: svc-{i}
  namespace: {namespace_of(i)}
  labels:
    app: svc-{i}
spec:
  clusterIP: {_ip((10, 96), i + 1)}
  selector:
    app: svc-{i}
  ports:
  - name: http
    port: 80
    protocol: TCP
    targetPort: 8080
  - name: grpc
    port: 8080
    protocol: TCP
    targetPort: 9090
"""


def pod(i: int, version: int, rng: random.Random) -> str:
    """Pod svc-i-vV-<replicaset hash>-<pod hash>, as a Deployment svc-i-vV would name it."""
    name = f"svc-{i}-v{version}-{_suffix(rng, 10)}-{_suffix(rng, 5)}"
    return f"""apiVersion: v1
kind: Pod
metadata:
  name: {name}
  namespace: {namespace_of(i)}
  labels:
    app: svc-{i}
    version: v{version}
spec:
  serviceAccountName: svc-{i}
  containers:
  - name: app
    image: example.com/bench/svc:{version}.0
    ports:
    - containerPort: 8080
      name: http
    - containerPort: 9090
      name: grpc
status:
  podIP: {_ip((10, 128), 2 * i + version)}
"""


def deployment(i: int, version: int) -> str:
    return f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: svc-{i}-v{version}
  namespace: {namespace_of(i)}
  labels:
    app: svc-{i}
    version: v{version}
spec:
  selector:
    matchLabels:
      app: svc-{i}
      version: v{version}
  template:
    metadata:
      labels:
        app: svc-{i}
        version: v{version}
    spec:
      serviceAccountName: svc-{i}
      containers:
      - name: app
        image: example.com/bench/svc:{version}.0
"""


def destination_rule(i: int, rng: random.Random) -> str:
    return f"""apiVersion: networking.istio.io/v1beta1
kind: DestinationRule
metadata:
  name: svc-{i}
  namespace: {namespace_of(i)}
spec:
  host: svc-{i}.{namespace_of(i)}.svc.cluster.local
  trafficPolicy:
    connectionPool:
      tcp:
        maxConnections: {rng.choice((64, 100, 128, 256))}
        connectTimeout: 2s
      http:
        http1MaxPendingRequests: {rng.choice((16, 32, 64))}
        http2MaxRequests: {rng.choice((100, 500, 1000))}
        maxRequestsPerConnection: 10
  subsets:
  - name: v1
    labels:
      version: v1
  - name: v2
    labels:
      version: v2
"""


def virtual_service(i: int, n: int, rng: random.Random) -> str:
    """Header match -> v2; otherwise 90/10 v1/v2 with retries and a mirror of a few percent to another
    service (or to v2 of itself when the mesh has one service)."""
    if n > 1:
        other = rng.randrange(n - 1)
        mirror_host, mirror_subset = fqdn(other + 1 if other >= i else other), "v1"   # never itself
    else:
        mirror_host, mirror_subset = fqdn(i), "v2"
    return f"""apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata:
  name: svc-{i}
  namespace: {namespace_of(i)}
spec:
  hosts:
  - svc-{i}
  http:
  - name: canary
    match:
    - headers:
        x-canary:
          exact: "true"
    route:
    - destination:
        host: svc-{i}
        subset: v2
  - name: split
    route:
    - destination:
        host: svc-{i}
        subset: v1
      weight: 90
    - destination:
        host: svc-{i}
        subset: v2
      weight: 10
    timeout: {rng.choice((5, 10, 15, 30))}s
    retries:
      attempts: {rng.randint(2, 5)}
      perTryTimeout: 2s
      retryOn: 5xx,connect-failure,refused-stream
    mirror:
      host: {mirror_host}
      subset: {mirror_subset}
    mirrorPercentage:
      value: {rng.choice((1.0, 5.0, 10.0))}
"""


def gateway() -> str:
    return f"""apiVersion: networking.istio.io/v1beta1
kind: Gateway
metadata:
  name: {GATEWAY_NAME}
  namespace: {GATEWAY_NAMESPACE}
spec:
  selector:
    istio: ingressgateway
  servers:
  - port:
      number: 80
      name: http
      protocol: HTTP
    hosts:
    - "*/*.{GATEWAY_DOMAIN}"
  - port:
      number: 443
      name: https
      protocol: HTTPS
    hosts:
    - "*/*.{GATEWAY_DOMAIN}"
    tls:
      mode: SIMPLE
      credentialName: bench-cert
"""


def gateway_virtual_service(i: int) -> str:
    return f"""apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata:
  name: svc-{i}-ingress
  namespace: {namespace_of(i)}
spec:
  hosts:
  - svc-{i}.{GATEWAY_DOMAIN}
  gateways:
  - {GATEWAY_NAMESPACE}/{GATEWAY_NAME}
  http:
  - match:
    - uri:
        prefix: /api/v2
    route:
    - destination:
        host: svc-{i}
        subset: v2
        port:
          number: 80
  - match:
    - uri:
        prefix: /
    route:
    - destination:
        host: svc-{i}
        subset: v1
        port:
          number: 80
"""


def service_entries() -> Iterator[str]:
    """A few external and mesh-internal ServiceEntries, as in the `http` and `gateways` templates."""
    for k, (host, port, name, protocol) in enumerate((
            ("api.payments.example.com", 443, "tls", "TLS"),
            ("auth.example.com", 443, "https", "HTTPS"),
            ("mirror.artifacts.example.com", 80, "http", "HTTP"))):
        yield f"""apiVersion: networking.istio.io/v1beta1
kind: ServiceEntry
metadata:
  name: external-{k}
  namespace: tenant-0
spec:
  hosts:
  - {host}
  ports:
  - number: {port}
    name: {name}
    protocol: {protocol}
  resolution: DNS
  location: MESH_EXTERNAL
"""
    for k in range(2):
        yield f"""apiVersion: networking.istio.io/v1beta1
kind: ServiceEntry
metadata:
  name: legacy-{k}
  namespace: tenant-0
spec:
  addresses:
  - 240.240.0.{k + 1}
  hosts:
  - legacy-{k}.host.example
  ports:
  - number: 80
    name: http
    protocol: HTTP
  resolution: STATIC
  location: MESH_INTERNAL
  endpoints:
  - address: 240.241.0.{k + 1}
    labels:
      security.istio.io/tlsMode: istio
"""


def documents(n: int, seed: int = 1) -> Iterator[str]:
    """The mesh's YAML documents, in the order a `kubectl get -o yaml` of each kind would list them."""
    if n < 1:
        raise ValueError("a mesh needs at least one service")
    rng = random.Random(seed)
    for i in range(n):
        yield service(i)
    yield deployment(0, 1)
    yield deployment(0, 2)
    for i in range(n):
        yield pod(i, 1, rng)
        yield pod(i, 2, rng)
    for i in range(n):
        yield destination_rule(i, rng)
    for i in range(n):
        yield virtual_service(i, n, rng)
    yield gateway()
    for i in range(0, n, 10):
        yield gateway_virtual_service(i)
    yield from service_entries()


def write_mesh(out: TextIO, n: int, seed: int = 1) -> MeshInfo:
    objects = size = 0
    for doc in documents(n, seed):
        text = doc if objects == 0 else "---\n" + doc
        out.write(text)
        objects += 1
        size += len(text)
    return MeshInfo(services=n, objects=objects, bytes=size)


def write_mesh_file(path: Path, n: int, seed: int = 1) -> MeshInfo:
    with open(path, "w", encoding="utf-8") as f:
        return write_mesh(f, n, seed)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tools.bench generate",
                                description="Write a benchmark mesh of N services as multi-document YAML.")
    p.add_argument("-n", "--services", type=int, default=100)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("-o", "--output", default="-", help="file to write (default: standard output)")
    args = p.parse_args(argv)
    if args.services < 1:
        p.error("--services must be at least 1")
    if args.output == "-":
        info = write_mesh(sys.stdout, args.services, args.seed)
    else:
        info = write_mesh_file(Path(args.output), args.services, args.seed)
    sys.stderr.write(f"{info.services} services, {info.objects} objects, {info.bytes} bytes\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
