"""DestinationRule spec and TrafficPolicy (also used by Sidecar's inboundConnectionPool)."""
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .common import MatchLabelsSelector, PortSelector, _at_most_one
from .scalars import (ISTIO_CONFIG, Duration, Int32, NonNegativeInt, PositiveDuration, UInt32, empty_dict,
                      empty_list, new_list)

H2UpgradePolicy = Literal["DEFAULT", "DO_NOT_UPGRADE", "UPGRADE"]
SimpleLB = Literal["UNSPECIFIED", "LEAST_CONN", "RANDOM", "PASSTHROUGH", "ROUND_ROBIN", "LEAST_REQUEST"]
ClientTLSMode = Literal["DISABLE", "SIMPLE", "MUTUAL", "ISTIO_MUTUAL"]


class TcpKeepalive(BaseModel):
    model_config = ISTIO_CONFIG
    probes: UInt32 | None = None
    time: PositiveDuration | None = None
    interval: PositiveDuration | None = None


class TCPSettings(BaseModel):
    model_config = ISTIO_CONFIG
    maxConnections: Int32 | None = None
    connectTimeout: PositiveDuration | None = None
    tcpKeepalive: TcpKeepalive | None = None
    maxConnectionDuration: PositiveDuration | None = None
    idleTimeout: Duration | None = None


class HTTPSettings(BaseModel):
    model_config = ISTIO_CONFIG
    http1MaxPendingRequests: Int32 | None = None
    http2MaxRequests: Int32 | None = None
    maxRequestsPerConnection: Int32 | None = None
    maxRetries: Int32 | None = None
    idleTimeout: PositiveDuration | None = None
    h2UpgradePolicy: H2UpgradePolicy | None = None
    useClientProtocol: bool | None = None
    maxConcurrentStreams: Int32 | None = None


class ConnectionPoolSettings(BaseModel):
    model_config = ISTIO_CONFIG
    tcp: TCPSettings | None = None
    http: HTTPSettings | None = None


class HTTPCookieAttribute(BaseModel):
    model_config = ISTIO_CONFIG
    name: str
    value: str | None = None


class HTTPCookie(BaseModel):
    model_config = ISTIO_CONFIG
    name: str
    path: str | None = None
    ttl: Duration | None = None
    attributes: list[HTTPCookieAttribute] = empty_list()


class RingHash(BaseModel):
    model_config = ISTIO_CONFIG
    minimumRingSize: NonNegativeInt | None = None


class MagLev(BaseModel):
    model_config = ISTIO_CONFIG
    tableSize: NonNegativeInt | None = None


class ConsistentHashLB(BaseModel):
    model_config = ISTIO_CONFIG
    httpHeaderName: str | None = None
    httpCookie: HTTPCookie | None = None
    useSourceIp: bool | None = None
    httpQueryParameterName: str | None = None
    ringHash: RingHash | None = None
    maglev: MagLev | None = None
    minimumRingSize: NonNegativeInt | None = None  # deprecated; use ringHash


class LocalityDistribute(BaseModel):
    # `from` is a Python keyword: the attribute is `from_`, the YAML key stays `from`.
    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=True, defer_build=True)
    from_: str | None = Field(default=None, alias="from")
    to: dict[str, UInt32] = empty_dict()


class LocalityFailover(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=True, defer_build=True)
    from_: str | None = Field(default=None, alias="from")
    to: str | None = None


class LocalityLoadBalancerSetting(BaseModel):
    model_config = ISTIO_CONFIG
    distribute: list[LocalityDistribute] = empty_list()
    failover: list[LocalityFailover] = empty_list()
    failoverPriority: list[str] = empty_list()
    enabled: bool | None = None


class WarmupConfiguration(BaseModel):
    model_config = ISTIO_CONFIG
    duration: PositiveDuration
    minimumPercent: float | None = Field(default=None, ge=0, le=100)
    aggression: float | None = Field(default=None, ge=0)


class LoadBalancerSettings(BaseModel):
    model_config = ISTIO_CONFIG
    simple: SimpleLB | None = None
    consistentHash: ConsistentHashLB | None = None
    localityLbSetting: LocalityLoadBalancerSetting | None = None
    warmupDurationSecs: PositiveDuration | None = None
    warmup: WarmupConfiguration | None = None

    @model_validator(mode="after")
    def _one_of(self) -> "LoadBalancerSettings":
        _at_most_one(self, ("simple", "consistentHash"), "loadBalancer")
        return self


class OutlierDetection(BaseModel):
    model_config = ISTIO_CONFIG
    splitExternalLocalOriginErrors: bool | None = None
    consecutiveLocalOriginFailures: UInt32 | None = None
    consecutiveGatewayErrors: UInt32 | None = None
    consecutive5xxErrors: UInt32 | None = None
    consecutiveErrors: Int32 | None = None  # deprecated
    interval: PositiveDuration | None = None
    baseEjectionTime: PositiveDuration | None = None
    maxEjectionPercent: Int32 | None = None
    minHealthPercent: Int32 | None = None


class ClientTLSSettings(BaseModel):
    model_config = ISTIO_CONFIG
    mode: ClientTLSMode | None = None
    clientCertificate: str | None = None
    privateKey: str | None = None
    caCertificates: str | None = None
    credentialName: str | None = None
    subjectAltNames: list[str] = empty_list()
    sni: str | None = None
    insecureSkipVerify: bool | None = None
    caCrl: str | None = None


class TunnelSettings(BaseModel):
    model_config = ISTIO_CONFIG
    protocol: str | None = None
    targetHost: str
    targetPort: UInt32


class ProxyProtocol(BaseModel):
    model_config = ISTIO_CONFIG
    version: Literal["V1", "V2"] | None = None


class RetryBudget(BaseModel):
    model_config = ISTIO_CONFIG
    percent: float | None = Field(default=None, ge=0, le=100)
    minRetryConcurrency: UInt32 | None = None


class PortTrafficPolicy(BaseModel):
    model_config = ISTIO_CONFIG
    port: PortSelector | None = None
    loadBalancer: LoadBalancerSettings | None = None
    connectionPool: ConnectionPoolSettings | None = None
    outlierDetection: OutlierDetection | None = None
    tls: ClientTLSSettings | None = None


class TrafficPolicy(BaseModel):
    model_config = ISTIO_CONFIG
    loadBalancer: LoadBalancerSettings | None = None
    connectionPool: ConnectionPoolSettings | None = None
    outlierDetection: OutlierDetection | None = None
    tls: ClientTLSSettings | None = None
    portLevelSettings: list[PortTrafficPolicy] = Field(default_factory=new_list, max_length=4096)
    tunnel: TunnelSettings | None = None
    proxyProtocol: ProxyProtocol | None = None
    retryBudget: RetryBudget | None = None


class Subset(BaseModel):
    model_config = ISTIO_CONFIG
    name: str
    labels: dict[str, str] = empty_dict()
    trafficPolicy: TrafficPolicy | None = None


class DestinationRuleSpec(BaseModel):
    model_config = ISTIO_CONFIG
    host: str
    trafficPolicy: TrafficPolicy | None = None
    subsets: list[Subset] = empty_list()
    exportTo: list[str] = empty_list()
    workloadSelector: MatchLabelsSelector | None = None


__all__ = [
    "DestinationRuleSpec", "TrafficPolicy", "PortTrafficPolicy", "Subset", "LoadBalancerSettings",
    "ConsistentHashLB", "HTTPCookie", "HTTPCookieAttribute", "RingHash", "MagLev",
    "LocalityLoadBalancerSetting", "LocalityDistribute", "LocalityFailover", "WarmupConfiguration",
    "ConnectionPoolSettings", "TCPSettings", "HTTPSettings", "TcpKeepalive", "OutlierDetection",
    "ClientTLSSettings", "TunnelSettings", "ProxyProtocol", "RetryBudget",
]
