"""VirtualService spec (networking.istio.io v1alpha3/v1beta1/v1; the schemas are identical)."""
from typing import Literal

from pydantic import BaseModel, model_validator

from .common import Destination, Headers, Percent, PortSelector, StringMatch, _at_most_one
from .scalars import ISTIO_CONFIG, Int32, PositiveDuration, UInt32, empty_dict, empty_list


class HTTPMatchRequest(BaseModel):
    model_config = ISTIO_CONFIG
    name: str | None = None
    uri: StringMatch | None = None
    scheme: StringMatch | None = None
    method: StringMatch | None = None
    authority: StringMatch | None = None
    headers: dict[str, StringMatch] = empty_dict()
    port: UInt32 | None = None
    sourceLabels: dict[str, str] = empty_dict()
    gateways: list[str] = empty_list()
    queryParams: dict[str, StringMatch] = empty_dict()
    ignoreUriCase: bool | None = None
    withoutHeaders: dict[str, StringMatch] = empty_dict()
    sourceNamespace: str | None = None
    statPrefix: str | None = None


class HTTPRouteDestination(BaseModel):
    model_config = ISTIO_CONFIG
    destination: Destination
    weight: Int32 | None = None
    headers: Headers | None = None


class RouteDestination(BaseModel):
    """tcp/tls route destination (no headers)."""

    model_config = ISTIO_CONFIG
    destination: Destination
    weight: Int32 | None = None


class HTTPRedirect(BaseModel):
    model_config = ISTIO_CONFIG
    uri: str | None = None
    authority: str | None = None
    port: UInt32 | None = None
    derivePort: Literal["FROM_PROTOCOL_DEFAULT", "FROM_REQUEST_PORT"] | None = None
    scheme: str | None = None
    redirectCode: UInt32 | None = None

    @model_validator(mode="after")
    def _one_of(self) -> "HTTPRedirect":
        _at_most_one(self, ("port", "derivePort"), "redirect")
        return self


class HTTPBody(BaseModel):
    model_config = ISTIO_CONFIG
    string: str | None = None
    bytes: str | None = None  # base64, as proto3 JSON bytes

    @model_validator(mode="after")
    def _one_of(self) -> "HTTPBody":
        _at_most_one(self, ("string", "bytes"), "body")
        return self


class HTTPDirectResponse(BaseModel):
    model_config = ISTIO_CONFIG
    status: UInt32
    body: HTTPBody | None = None


class Delegate(BaseModel):
    model_config = ISTIO_CONFIG
    name: str | None = None
    namespace: str | None = None


class RegexRewrite(BaseModel):
    model_config = ISTIO_CONFIG
    match: str | None = None
    rewrite: str | None = None


class HTTPRewrite(BaseModel):
    model_config = ISTIO_CONFIG
    uri: str | None = None
    authority: str | None = None
    uriRegexRewrite: RegexRewrite | None = None


class HTTPRetry(BaseModel):
    model_config = ISTIO_CONFIG
    attempts: Int32 | None = None
    perTryTimeout: PositiveDuration | None = None
    retryOn: str | None = None
    retryRemoteLocalities: bool | None = None
    retryIgnorePreviousHosts: bool | None = None
    backoff: PositiveDuration | None = None


class FaultDelay(BaseModel):
    model_config = ISTIO_CONFIG
    fixedDelay: PositiveDuration | None = None
    exponentialDelay: PositiveDuration | None = None
    percentage: Percent | None = None
    percent: Int32 | None = None  # deprecated integer percentage

    @model_validator(mode="after")
    def _one_of(self) -> "FaultDelay":
        _at_most_one(self, ("fixedDelay", "exponentialDelay"), "delay")
        return self


class FaultAbort(BaseModel):
    model_config = ISTIO_CONFIG
    httpStatus: Int32 | None = None
    grpcStatus: str | None = None
    http2Error: str | None = None
    percentage: Percent | None = None

    @model_validator(mode="after")
    def _one_of(self) -> "FaultAbort":
        _at_most_one(self, ("httpStatus", "grpcStatus", "http2Error"), "abort")
        return self


class HTTPFaultInjection(BaseModel):
    model_config = ISTIO_CONFIG
    delay: FaultDelay | None = None
    abort: FaultAbort | None = None


class HTTPMirrorPolicy(BaseModel):
    model_config = ISTIO_CONFIG
    destination: Destination
    percentage: Percent | None = None


class CorsPolicy(BaseModel):
    model_config = ISTIO_CONFIG
    allowOrigin: list[str] = empty_list()  # deprecated exact-match list
    allowOrigins: list[StringMatch] = empty_list()
    allowMethods: list[str] = empty_list()
    allowHeaders: list[str] = empty_list()
    exposeHeaders: list[str] = empty_list()
    maxAge: PositiveDuration | None = None
    allowCredentials: bool | None = None
    unmatchedPreflights: Literal["UNSPECIFIED", "FORWARD", "IGNORE"] | None = None


class HTTPRoute(BaseModel):
    model_config = ISTIO_CONFIG
    name: str | None = None
    match: list[HTTPMatchRequest] = empty_list()
    route: list[HTTPRouteDestination] = empty_list()
    redirect: HTTPRedirect | None = None
    directResponse: HTTPDirectResponse | None = None
    delegate: Delegate | None = None
    rewrite: HTTPRewrite | None = None
    timeout: PositiveDuration | None = None
    retries: HTTPRetry | None = None
    fault: HTTPFaultInjection | None = None
    mirror: Destination | None = None
    mirrors: list[HTTPMirrorPolicy] = empty_list()
    mirrorPercent: UInt32 | None = None  # deprecated; UInt32Value
    mirror_percent: UInt32 | None = None  # the CRD also accepts the proto field name
    mirrorPercentage: Percent | None = None
    corsPolicy: CorsPolicy | None = None
    headers: Headers | None = None

    @model_validator(mode="after")
    def _proto_name_alias(self) -> "HTTPRoute":
        # `mirror_percent` is the same proto field as `mirrorPercent`; expose it under the JSON name
        # too, without marking mirrorPercent as written by the user (model_fields_set is unchanged).
        if self.mirrorPercent is None and self.mirror_percent is not None:
            self.__dict__["mirrorPercent"] = self.mirror_percent
        return self


class L4MatchAttributes(BaseModel):
    model_config = ISTIO_CONFIG
    destinationSubnets: list[str] = empty_list()
    port: UInt32 | None = None
    sourceSubnet: str | None = None
    sourceLabels: dict[str, str] = empty_dict()
    gateways: list[str] = empty_list()
    sourceNamespace: str | None = None


class TLSMatchAttributes(BaseModel):
    model_config = ISTIO_CONFIG
    sniHosts: list[str]
    destinationSubnets: list[str] = empty_list()
    port: UInt32 | None = None
    sourceLabels: dict[str, str] = empty_dict()
    gateways: list[str] = empty_list()
    sourceNamespace: str | None = None


class TCPRoute(BaseModel):
    model_config = ISTIO_CONFIG
    match: list[L4MatchAttributes] = empty_list()
    route: list[RouteDestination] = empty_list()


class TLSRoute(BaseModel):
    model_config = ISTIO_CONFIG
    match: list[TLSMatchAttributes]
    route: list[RouteDestination] = empty_list()


class VirtualServiceSpec(BaseModel):
    model_config = ISTIO_CONFIG
    hosts: list[str] = empty_list()
    gateways: list[str] = empty_list()
    http: list[HTTPRoute] = empty_list()
    tls: list[TLSRoute] = empty_list()
    tcp: list[TCPRoute] = empty_list()
    exportTo: list[str] = empty_list()


__all__ = [
    "VirtualServiceSpec", "HTTPRoute", "HTTPMatchRequest", "HTTPRouteDestination", "RouteDestination",
    "HTTPRedirect", "HTTPDirectResponse", "HTTPBody", "Delegate", "HTTPRewrite", "RegexRewrite",
    "HTTPRetry", "HTTPFaultInjection", "FaultDelay", "FaultAbort", "HTTPMirrorPolicy", "CorsPolicy",
    "TCPRoute", "TLSRoute", "L4MatchAttributes", "TLSMatchAttributes", "PortSelector", "StringMatch",
]
