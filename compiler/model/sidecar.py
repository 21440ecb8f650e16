"""Sidecar spec."""
from typing import Literal

from pydantic import BaseModel

from .common import Destination, Port, WorkloadSelector
from .destination_rule import ConnectionPoolSettings
from .gateway import ServerTLSSettings
from .scalars import ISTIO_CONFIG, empty_list

CaptureMode = Literal["DEFAULT", "IPTABLES", "NONE"]


class IstioIngressListener(BaseModel):
    model_config = ISTIO_CONFIG
    port: Port
    bind: str | None = None
    captureMode: CaptureMode | None = None
    defaultEndpoint: str | None = None
    tls: ServerTLSSettings | None = None
    connectionPool: ConnectionPoolSettings | None = None


class IstioEgressListener(BaseModel):
    model_config = ISTIO_CONFIG
    port: Port | None = None
    bind: str | None = None
    captureMode: CaptureMode | None = None
    hosts: list[str]


class OutboundTrafficPolicy(BaseModel):
    model_config = ISTIO_CONFIG
    mode: Literal["REGISTRY_ONLY", "ALLOW_ANY"] | None = None
    egressProxy: Destination | None = None


class SidecarSpec(BaseModel):
    model_config = ISTIO_CONFIG
    workloadSelector: WorkloadSelector | None = None
    ingress: list[IstioIngressListener] = empty_list()
    egress: list[IstioEgressListener] = empty_list()
    inboundConnectionPool: ConnectionPoolSettings | None = None
    outboundTrafficPolicy: OutboundTrafficPolicy | None = None


__all__ = ["SidecarSpec", "IstioIngressListener", "IstioEgressListener", "OutboundTrafficPolicy"]
