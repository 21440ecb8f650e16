"""The Kubernetes objects istiod reads for service discovery, with only the fields we use typed.

Unknown fields are ignored (real objects carry many more). Names follow the Kubernetes API.
"""
from pydantic import BaseModel, Field

from .scalars import K8S_CONFIG, empty_dict, empty_list


class TemplateMeta(BaseModel):
    """metadata of a pod template (no name required)."""

    model_config = K8S_CONFIG
    name: str | None = None
    labels: dict[str, str] = empty_dict()
    annotations: dict[str, str] = empty_dict()


class ObjectReference(BaseModel):
    model_config = K8S_CONFIG
    kind: str | None = None
    name: str | None = None
    namespace: str | None = None
    uid: str | None = None


# ---- Service ----
class ServicePort(BaseModel):
    model_config = K8S_CONFIG
    name: str | None = None
    protocol: str | None = None  # TCP (default), UDP, SCTP
    appProtocol: str | None = None
    port: int
    targetPort: int | str | None = None  # IntOrString; absent means "same as port"
    nodePort: int | None = None


class LoadBalancerIngress(BaseModel):
    model_config = K8S_CONFIG
    ip: str | None = None
    hostname: str | None = None


class LoadBalancerStatus(BaseModel):
    model_config = K8S_CONFIG
    ingress: list[LoadBalancerIngress] = empty_list()


class ServiceStatus(BaseModel):
    model_config = K8S_CONFIG
    loadBalancer: LoadBalancerStatus | None = None


class ServiceSpec(BaseModel):
    model_config = K8S_CONFIG
    ports: list[ServicePort] = empty_list()
    selector: dict[str, str] = empty_dict()
    clusterIP: str | None = None
    clusterIPs: list[str] = empty_list()
    type: str | None = None  # ClusterIP (default), NodePort, LoadBalancer, ExternalName
    externalName: str | None = None
    externalIPs: list[str] = empty_list()
    loadBalancerIP: str | None = None
    ipFamilies: list[str] = empty_list()
    publishNotReadyAddresses: bool | None = None
    internalTrafficPolicy: str | None = None


# ---- Endpoints ----
class EndpointAddress(BaseModel):
    model_config = K8S_CONFIG
    ip: str
    hostname: str | None = None
    nodeName: str | None = None
    targetRef: ObjectReference | None = None


class EndpointPort(BaseModel):
    model_config = K8S_CONFIG
    name: str | None = None
    port: int
    protocol: str | None = None
    appProtocol: str | None = None


class EndpointSubset(BaseModel):
    model_config = K8S_CONFIG
    addresses: list[EndpointAddress] = empty_list()
    notReadyAddresses: list[EndpointAddress] = empty_list()
    ports: list[EndpointPort] = empty_list()


# ---- EndpointSlice (discovery.k8s.io/v1) ----
class EndpointConditions(BaseModel):
    model_config = K8S_CONFIG
    ready: bool | None = None
    serving: bool | None = None
    terminating: bool | None = None


class SliceEndpoint(BaseModel):
    model_config = K8S_CONFIG
    addresses: list[str]
    conditions: EndpointConditions | None = None
    hostname: str | None = None
    nodeName: str | None = None
    zone: str | None = None
    targetRef: ObjectReference | None = None


class SlicePort(BaseModel):
    model_config = K8S_CONFIG
    name: str | None = None
    port: int | None = None
    protocol: str | None = None
    appProtocol: str | None = None


# ---- Pod ----
class ContainerPort(BaseModel):
    model_config = K8S_CONFIG
    name: str | None = None
    containerPort: int
    protocol: str | None = None


class Container(BaseModel):
    model_config = K8S_CONFIG
    name: str | None = None
    image: str | None = None
    ports: list[ContainerPort] = empty_list()


class PodSpec(BaseModel):
    model_config = K8S_CONFIG
    containers: list[Container] = empty_list()
    initContainers: list[Container] = empty_list()
    nodeName: str | None = None
    serviceAccountName: str | None = None
    hostNetwork: bool | None = None


class PodIP(BaseModel):
    model_config = K8S_CONFIG
    ip: str


class PodCondition(BaseModel):
    model_config = K8S_CONFIG
    type: str
    status: str


class PodStatus(BaseModel):
    model_config = K8S_CONFIG
    phase: str | None = None
    podIP: str | None = None
    podIPs: list[PodIP] = empty_list()
    hostIP: str | None = None
    conditions: list[PodCondition] = empty_list()


# ---- Deployment ----
class LabelSelectorRequirement(BaseModel):
    model_config = K8S_CONFIG
    key: str
    operator: str
    values: list[str] = empty_list()


class LabelSelector(BaseModel):
    model_config = K8S_CONFIG
    matchLabels: dict[str, str] = empty_dict()
    matchExpressions: list[LabelSelectorRequirement] = empty_list()


class PodTemplateSpec(BaseModel):
    model_config = K8S_CONFIG
    metadata: TemplateMeta = Field(default_factory=TemplateMeta)
    spec: PodSpec = Field(default_factory=PodSpec)


class DeploymentSpec(BaseModel):
    model_config = K8S_CONFIG
    replicas: int | None = None
    selector: LabelSelector | None = None
    template: PodTemplateSpec = Field(default_factory=PodTemplateSpec)


__all__ = [
    "ServiceSpec", "ServicePort", "ServiceStatus", "EndpointSubset", "EndpointAddress", "EndpointPort",
    "SliceEndpoint", "SlicePort", "EndpointConditions", "PodSpec", "PodStatus", "Container",
    "ContainerPort", "DeploymentSpec", "PodTemplateSpec", "LabelSelector", "ObjectReference",
]
