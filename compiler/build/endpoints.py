"""ClusterLoadAssignments (EDS) for a proxy's EDS clusters (endpoint_builder.go)."""
from __future__ import annotations

from typing import Any

from mesh_compile.build.memo import PartsMemo
from mesh_compile.build.names import parse_subset_key
from mesh_compile.index.endpoints import Endpoint
from mesh_compile.index.mesh_index import MeshIndex
from mesh_compile.index.proxy import Proxy
from mesh_compile.index.services import EXTERNAL


def subset_matches(subset: Any, labels: dict[str, str]) -> bool:
    """Every label of the subset is on the endpoint, with the same value (label values are strings)."""
    return (subset.labels or {}).items() <= labels.items()


def workload_metadata(ep: Endpoint, workload: str) -> str:
    """`workload;namespace;canonical service;canonical revision;cluster` (util.BuildLbEndpointMetadata)."""
    labels = ep.labels
    service = labels.get("service.istio.io/canonical-name") or labels.get("app.kubernetes.io/name") or labels.get("app") or workload
    revision = labels.get("service.istio.io/canonical-revision") or labels.get("app.kubernetes.io/version") or labels.get("version") or "latest"
    return f"{workload};{ep.namespace};{service};{revision};Kubernetes"


UNIX_PREFIX = "unix://"


def endpoint_address(address: str, port: int) -> dict:
    """An Envoy Address: a socket address, or for port 0 (a unix:// endpoint, whose port the
    ServiceEntry conversion sets to 0) a pipe (1.30.3 and 1.17.8 networking/util/util.go BuildAddress)."""
    if port == 0:
        return {"pipe": {"path": address.removeprefix(UNIX_PREFIX)}}
    return {"socketAddress": {"address": address, "portValue": port}}


def lb_endpoint(address: str, port: int, meta: dict | None, healthy: bool = True) -> dict:
    """An LbEndpoint. Registry endpoints carry HEALTHY; the inline endpoints of DNS clusters carry no
    health status (UNKNOWN, the proto default)."""
    out: dict[str, Any] = {"endpoint": {"address": endpoint_address(address, port)}}
    if healthy:
        out["healthStatus"] = "HEALTHY"
    if meta:
        out["metadata"] = meta
    out["loadBalancingWeight"] = 1
    return out


def _endpoint_meta(ep: Endpoint, workload: str) -> dict:
    fm: dict[str, Any] = {}
    # BuildLbEndpointMetadata (1.17.8) / AppendLbEndpointMetadata (1.30.3): any mode but "" and "disabled",
    # written as given (a custom label value too; the cluster's transport socket match only knows "istio")
    if ep.tls_mode and ep.tls_mode != "disabled":
        fm["envoy.transport_socket_match"] = {"tlsMode": ep.tls_mode}
    if ep.pod_name:
        fm["istio"] = {"workload": workload_metadata(ep, workload)}
    return {"filterMetadata": fm} if fm else {}


def build_assignments(clusters: list[dict], index: MeshIndex, proxy: Proxy) -> list[dict]:
    out = []
    memo = PartsMemo()
    for cluster in clusters:
        if cluster.get("type") != "EDS":
            continue
        key = parse_subset_key(cluster["name"])
        if key is None:
            continue
        out.append(assignment_for(cluster["name"], key, index, proxy, memo))
    return out


def assignment_for(name: str, key: tuple, index: MeshIndex, proxy: Proxy, memo: PartsMemo | None = None) -> dict:
    """`memo`: shares each endpoint's LbEndpoint among the clusters of a service port (default and subsets)."""
    memo = memo if memo is not None else PartsMemo()
    _direction, port, subset_name, host = key
    svc = index.service_for_host(host, proxy.namespace)
    lb_eps: list[dict] = []
    if svc is not None:
        sport = svc.port(port)
        subset = _subset(index, proxy, svc, subset_name)
        if sport is not None:
            for ep in _endpoints(index, svc, sport):
                if subset is not None and not subset_matches(subset, ep.labels):
                    continue
                if not ep.ready:
                    continue
                lb_eps.append(memo.of(ep, "lb_endpoint", lambda: _registry_lb_endpoint(ep, index)))
    out: dict[str, Any] = {"clusterName": name}
    if lb_eps:
        out["endpoints"] = [{"locality": {}, "lbEndpoints": lb_eps, "loadBalancingWeight": len(lb_eps)}]
    return out


def _registry_lb_endpoint(ep: Endpoint, index: MeshIndex) -> dict:
    return lb_endpoint(ep.address, ep.port, _endpoint_meta(ep, _workload_name(index, ep)))


def _subset(index: MeshIndex, proxy: Proxy, svc: Any, name: str) -> Any:
    if not name:
        return None
    for dr in index.destination_rule(proxy.namespace, proxy.labels, svc):
        for s in dr.spec.subsets or []:
            if s.name == name:
                return s
    return None


def _endpoints(index: MeshIndex, svc: Any, sport: Any) -> list[Endpoint]:
    if svc.registry == EXTERNAL:
        return _se_endpoints(svc, sport)
    return index.endpoints(svc, sport)


def _se_endpoints(svc: Any, sport: Any) -> list[Endpoint]:
    out = []
    for ep in svc.se_endpoints:
        port = (getattr(ep, "ports", None) or {}).get(sport.name) or (sport.target_port if isinstance(sport.target_port, int) else None) or sport.port
        address = ep.address
        if address and address.startswith(UNIX_PREFIX):
            # a unix domain socket has no port: the ServiceEntry conversion strips the prefix and uses 0
            # (1.30.3 serviceregistry/serviceentry/conversion.go convertWorkloadInstanceToServiceInstance)
            address, port = address.removeprefix(UNIX_PREFIX), 0
        out.append(Endpoint(address=address, port=port, labels=dict(getattr(ep, "labels", None) or {}),
                            service_account=getattr(ep, "serviceAccount", None), tls_mode=_se_tls_mode(ep),
                            namespace=svc.namespace))
    return out


TLS_MODE_LABEL = "security.istio.io/tlsMode"


def _se_tls_mode(ep: Any) -> str:
    """serviceentry/conversion.go getTLSModeFromWorkloadEntry (1.17.8 and 1.30.3): the endpoint's
    `security.istio.io/tlsMode` label when present, else `istio` when it names a serviceAccount, else
    `disabled`."""
    labels = getattr(ep, "labels", None) or {}
    if TLS_MODE_LABEL in labels:
        return labels[TLS_MODE_LABEL]
    return "istio" if getattr(ep, "serviceAccount", None) else "disabled"


def _workload_name(index: MeshIndex, ep: Endpoint) -> str:
    """The Deployment owning the pod (by selector), else the pod name."""
    return index.workload_name(ep.namespace, ep.pod_name, ep.labels)
