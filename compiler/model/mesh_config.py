"""MeshConfig: the fields of the `istio` ConfigMap (`data.mesh`) that change routes and clusters.

Defaults are istiod's (pkg/config/mesh DefaultMeshConfig), so a MeshConfig built from an empty
text is what istiod uses with no ConfigMap. As in istiod, a field given in the YAML replaces the
default as a whole (a given `outboundTrafficPolicy: {}` means mode REGISTRY_ONLY, the proto zero).
Other MeshConfig fields are accepted and ignored.
"""
from typing import Any, Iterable, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..diagnostics import ERROR, Problem
from .destination_rule import LocalityLoadBalancerSetting, TcpKeepalive
from .pydantic_errors import findings_from_validation_error
from .scalars import Duration, empty_dict, empty_list
from .virtual_service import HTTPRetry

_MESH = ConfigDict(extra="ignore", strict=True, defer_build=True)


class MeshOutboundTrafficPolicy(BaseModel):
    model_config = _MESH
    mode: Literal["REGISTRY_ONLY", "ALLOW_ANY"] = "REGISTRY_ONLY"


class MeshTLSConfig(BaseModel):
    """MeshConfig.TLSConfig (tlsDefaults, meshMTLS)."""
    model_config = _MESH
    minProtocolVersion: Literal["TLS_AUTO", "TLSV1_2", "TLSV1_3"] = "TLS_AUTO"
    ecdhCurves: list[str] = empty_list()
    cipherSuites: list[str] = empty_list()


class MeshConfig(BaseModel):
    model_config = _MESH
    outboundTrafficPolicy: MeshOutboundTrafficPolicy = Field(
        default_factory=lambda: MeshOutboundTrafficPolicy(mode="ALLOW_ANY"))
    defaultHttpRetryPolicy: HTTPRetry | None = None
    enableAutoMtls: bool = True
    rootNamespace: str = "istio-system"
    defaultServiceExportTo: list[str] = Field(default_factory=lambda: ["*"])
    defaultVirtualServiceExportTo: list[str] = Field(default_factory=lambda: ["*"])
    defaultDestinationRuleExportTo: list[str] = Field(default_factory=lambda: ["*"])
    connectTimeout: Duration = "10s"
    localityLbSetting: LocalityLoadBalancerSetting = Field(
        default_factory=lambda: LocalityLoadBalancerSetting(enabled=True))
    h2UpgradePolicy: Literal["DO_NOT_UPGRADE", "UPGRADE"] | None = None
    dnsRefreshRate: Duration = "60s"
    tcpKeepalive: TcpKeepalive | None = None
    trustDomain: str = "cluster.local"
    defaultConfig: dict[str, Any] = empty_dict()  # ProxyConfig; kept as given (only tracing.sampling is read)
    # telemetry (listener filters, compiler/build/http_filters.py)
    accessLogFile: str = ""
    accessLogEncoding: Literal["TEXT", "JSON"] = "TEXT"
    accessLogFormat: str = ""
    enableTracing: bool = True
    # None: what the default install's `istio` ConfigMap sets from 1.18 (istio-discovery configmap.yaml:
    # metrics [prometheus]); given, it replaces that as a whole
    defaultProviders: dict[str, Any] | None = None
    tlsDefaults: MeshTLSConfig | None = None   # gateway server TLS and upstream SIMPLE/MUTUAL cluster TLS (build/listener_tls.py)


def _as_dict(text_or_dict: str | dict | None, file: str | None, line: int | None) -> tuple[dict | None, list[Problem]]:
    if text_or_dict is None:
        return {}, []
    if isinstance(text_or_dict, dict):
        return text_or_dict, []
    import yaml  # only here: PyYAML's import (~20 ms) is not needed to read a mesh with yaml-rs
    try:
        data = yaml.safe_load(text_or_dict)
    except yaml.YAMLError as exc:
        return None, [Problem(ERROR, f"mesh config is not valid YAML: {exc}", file=file, line=line,
                              kind="MeshConfig", field="data.mesh")]
    if data is None:
        return {}, []
    if not isinstance(data, dict):
        return None, [Problem(ERROR, "mesh config must be a YAML mapping", file=file, line=line,
                              kind="MeshConfig", field="data.mesh")]
    return data, []


def parse_mesh_config(text_or_dict: str | dict | None, source: Any = None) -> tuple[MeshConfig, list[Problem]]:
    """Parse the `mesh` text (or an already-parsed dict). On any error the defaults are returned
    with the problems, as istiod keeps its defaults when the ConfigMap does not parse."""
    file, line = getattr(source, "file", None), getattr(source, "line", None)
    data, problems = _as_dict(text_or_dict, file, line)
    if data is None:
        return MeshConfig(), problems
    data = {k: v for k, v in data.items() if v is not None}
    try:
        return MeshConfig.model_validate(data), []
    except ValidationError as exc:
        findings = findings_from_validation_error(exc, data)
    from ..load.raw import format_path

    return MeshConfig(), [Problem(ERROR, f.message, file=file, line=line, kind="MeshConfig",
                                  field="mesh." + format_path(f.path)) for f in findings]


MESH_CONFIGMAP = "istio"  # istiod reads `data.mesh` of this ConfigMap in its own namespace


def mesh_config_from_objects(objects: Iterable[Any],
                             istiod_namespace: str = "istio-system") -> tuple[MeshConfig, list[Problem]]:
    """MeshConfig from the `istio` ConfigMap among parsed ConfigObjects; istiod's defaults if absent."""
    for cfg in objects:
        if cfg.kind == "ConfigMap" and cfg.meta.name == MESH_CONFIGMAP and cfg.meta.namespace == istiod_namespace:
            return parse_mesh_config(cfg.obj.data.get("mesh"), cfg.source)
    return MeshConfig(), []
