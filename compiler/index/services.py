"""The service registry: Kubernetes Services and ServiceEntries as istiod's model.Service.

One `Service` per hostname (a ServiceEntry with several hosts gives several), with the ports, VIPs,
resolution and the object it came from (facts 6; pilot/pkg/serviceregistry/{kube,serviceentry}).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mesh_compile.index import protocol as P

# resolutions, named as in pilot/pkg/model/service.go
CLIENT_SIDE_LB = "ClientSideLB"   # EDS
DNS_LB = "DNSLB"                   # STRICT_DNS
DNS_ROUND_ROBIN_LB = "DNSRoundRobinLB"  # LOGICAL_DNS
PASSTHROUGH = "Passthrough"        # ORIGINAL_DST
ALIAS = "Alias"

KUBERNETES = "Kubernetes"
EXTERNAL = "External"


@dataclass(frozen=True)
class ServicePort:
    name: str
    port: int
    protocol: str
    target_port: int | str | None = None   # Kubernetes targetPort (number or container port name)


@dataclass
class Service:
    hostname: str
    namespace: str
    name: str                      # k8s Service name; for a ServiceEntry the host itself (facts 5.2)
    ports: list[ServicePort]
    addresses: list[str]           # VIPs, without 0.0.0.0
    resolution: str
    registry: str
    mesh_external: bool = False
    selector: dict[str, str] = field(default_factory=dict)
    export_to: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    headless: bool = False
    external_name: str | None = None
    se_endpoints: list[Any] = field(default_factory=list)   # ServiceEntry.endpoints
    se_workload_selector: dict[str, str] | None = None
    subject_alt_names: list[str] = field(default_factory=list)
    annotations: dict[str, str] = field(default_factory=dict)
    order: int = 0                 # creation order, for deterministic service ordering
    config: Any = None             # the ConfigObject it came from

    def port(self, number: int) -> ServicePort | None:
        for p in self.ports:
            if p.port == number:
                return p
        return None

    def with_only_port(self, number: int) -> "Service":
        """A copy holding only one port, as istiod's per-port route build does (facts 1.3)."""
        copy = Service(**{**self.__dict__})
        copy.ports = [p for p in self.ports if p.port == number]
        return copy


def _vips(spec: Any) -> list[str]:
    ips = list(getattr(spec, "clusterIPs", None) or [])
    if not ips and getattr(spec, "clusterIP", None):
        ips = [spec.clusterIP]
    return [ip for ip in ips if ip and ip not in ("None", "0.0.0.0")]


def from_kube_service(obj: Any, domain_suffix: str, order: int, external_name_alias: bool) -> Service:
    meta, spec = obj.meta, obj.obj.spec
    ports = [
        ServicePort(
            name=p.name or "",
            port=p.port,
            protocol=P.kube_port_protocol(p.name, p.appProtocol, p.protocol),
            target_port=p.targetPort if p.targetPort is not None else p.port,
        )
        for p in (spec.ports or [])
    ]
    headless = getattr(spec, "clusterIP", None) == "None"
    resolution = PASSTHROUGH if headless else CLIENT_SIDE_LB
    external_name = None
    if (spec.type or "") == "ExternalName":
        external_name = spec.externalName
        resolution = ALIAS if external_name_alias else DNS_LB
    return Service(
        hostname=f"{meta.name}.{meta.namespace}.svc.{domain_suffix}",
        namespace=meta.namespace,
        name=meta.name,
        ports=ports,
        addresses=_vips(spec),
        resolution=resolution,
        registry=KUBERNETES,
        selector=dict(spec.selector or {}),
        export_to=_export_to(meta.annotations.get("networking.istio.io/exportTo")),
        labels=dict(meta.labels),
        headless=headless,
        external_name=external_name,
        annotations=dict(meta.annotations),
        order=order,
        config=obj,
    )


def _export_to(annotation: str | None) -> list[str]:
    if not annotation:
        return []
    return [part.strip() for part in annotation.split(",") if part.strip()]


_SE_RESOLUTION = {
    None: PASSTHROUGH, "NONE": PASSTHROUGH, "STATIC": CLIENT_SIDE_LB, "DNS": DNS_LB,
    "DNS_ROUND_ROBIN": DNS_ROUND_ROBIN_LB,
}


def _se_addresses(addresses: list[str]) -> list[str]:
    out = []
    for addr in addresses:
        if addr.endswith("/32") or addr.endswith("/128"):
            addr = addr.rsplit("/", 1)[0]
        if addr != "0.0.0.0":
            out.append(addr)
    return out


def from_service_entry(obj: Any, order: int) -> list[Service]:
    """One Service per host (facts 6)."""
    spec, meta = obj.spec, obj.meta
    ports = [
        ServicePort(name=p.name or "", port=p.number, protocol=P.parse_protocol(p.protocol),
                    target_port=p.targetPort or None)
        for p in spec.ports
    ]
    selector = dict(spec.workloadSelector.labels) if spec.workloadSelector else None
    services = []
    for host in spec.hosts:
        services.append(Service(
            hostname=host,
            namespace=meta.namespace,
            name=host,
            ports=ports,
            addresses=_se_addresses(list(spec.addresses)),
            resolution=_SE_RESOLUTION.get(spec.resolution, PASSTHROUGH),
            registry=EXTERNAL,
            mesh_external=(spec.location or "MESH_EXTERNAL") == "MESH_EXTERNAL",
            export_to=list(spec.exportTo),
            labels=dict(meta.labels),
            se_endpoints=list(spec.endpoints),
            se_workload_selector=selector,
            subject_alt_names=list(spec.subjectAltNames),
            annotations=dict(meta.annotations),
            order=order,
            config=obj,
        ))
    return services
