"""The kinds we read: one typed model per whole object, and which apiVersions each accepts."""
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from .destination_rule import DestinationRuleSpec
from .gateway import GatewaySpec
from .kubernetes import (DeploymentSpec, EndpointSubset, PodSpec, PodStatus, ServiceSpec, ServiceStatus,
                         SliceEndpoint, SlicePort)
from .meta import ObjectMeta
from .scalars import empty_dict, empty_list
from .service_entry import ServiceEntrySpec
from .sidecar import SidecarSpec
from .virtual_service import VirtualServiceSpec

ISTIO_GROUP = "networking.istio.io"
ISTIO_VERSIONS = ("v1alpha3", "v1beta1", "v1")


class K8sObject(BaseModel):
    """Top level of any object: `status` and other top-level keys are ignored unless typed."""

    model_config = ConfigDict(extra="ignore", strict=True, defer_build=True)
    apiVersion: str
    kind: str
    metadata: ObjectMeta


class VirtualService(K8sObject):
    spec: VirtualServiceSpec


class DestinationRule(K8sObject):
    spec: DestinationRuleSpec


class Gateway(K8sObject):
    spec: GatewaySpec


class ServiceEntry(K8sObject):
    spec: ServiceEntrySpec


class Sidecar(K8sObject):
    spec: SidecarSpec


class Service(K8sObject):
    spec: ServiceSpec = Field(default_factory=ServiceSpec)
    status: ServiceStatus | None = None


class Endpoints(K8sObject):
    subsets: list[EndpointSubset] = empty_list()


class EndpointSlice(K8sObject):
    addressType: str | None = None  # IPv4, IPv6, FQDN
    endpoints: list[SliceEndpoint] = empty_list()
    ports: list[SlicePort] = empty_list()


class Pod(K8sObject):
    spec: PodSpec = Field(default_factory=PodSpec)
    status: PodStatus = Field(default_factory=PodStatus)


class Deployment(K8sObject):
    spec: DeploymentSpec = Field(default_factory=DeploymentSpec)


class ConfigMap(K8sObject):
    data: dict[str, str] = empty_dict()


@dataclass(frozen=True)
class KindInfo:
    kind: str
    group: str  # "" for the core group
    versions: tuple[str, ...]
    model: type[K8sObject]
    istio: bool  # an Istio spec: strict fields, webhook-style validation

    def api_versions(self) -> tuple[str, ...]:
        return tuple(f"{self.group}/{v}" if self.group else v for v in self.versions)


def _istio(model: type[K8sObject]) -> KindInfo:
    return KindInfo(model.__name__, ISTIO_GROUP, ISTIO_VERSIONS, model, True)


KINDS: dict[str, KindInfo] = {
    info.kind: info
    for info in (
        _istio(VirtualService), _istio(DestinationRule), _istio(Gateway), _istio(ServiceEntry),
        _istio(Sidecar),
        KindInfo("Service", "", ("v1",), Service, False),
        KindInfo("Endpoints", "", ("v1",), Endpoints, False),
        KindInfo("Pod", "", ("v1",), Pod, False),
        KindInfo("ConfigMap", "", ("v1",), ConfigMap, False),
        KindInfo("Deployment", "apps", ("v1",), Deployment, False),
        KindInfo("EndpointSlice", "discovery.k8s.io", ("v1",), EndpointSlice, False),
    )
}


def split_api_version(api_version: str) -> tuple[str, str]:
    """"apps/v1" -> ("apps", "v1"); "v1" -> ("", "v1")."""
    group, _, version = api_version.rpartition("/")
    return group, version


def lookup(api_version: str, kind: str) -> KindInfo | None:
    """The KindInfo when `kind` in `api_version`'s group is one we read (any version of it)."""
    info = KINDS.get(kind)
    if info is None or split_api_version(api_version)[0] != info.group:
        return None
    return info
