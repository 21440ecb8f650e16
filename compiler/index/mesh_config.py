"""Mesh-wide settings with istiod's defaults filled in (pkg/config/mesh/mesh.go DefaultMeshConfig)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class MeshSettings:
    outbound_mode: str = "ALLOW_ANY"
    enable_auto_mtls: bool = True
    root_namespace: str = "istio-system"
    domain_suffix: str = "cluster.local"
    trust_domain: str = "cluster.local"
    connect_timeout: str = "10s"
    dns_refresh_rate: str = "60s"
    h2_upgrade_policy: str | None = None
    default_http_retry_policy: Any = None
    tcp_keepalive: Any = None
    locality_lb_enabled: bool = True
    locality_lb: Any = None                  # the whole mesh localityLbSetting (distribute, failover, ...)
    default_service_export_to: list[str] = field(default_factory=lambda: ["*"])
    default_virtual_service_export_to: list[str] = field(default_factory=lambda: ["*"])
    default_destination_rule_export_to: list[str] = field(default_factory=lambda: ["*"])
    access_log_file: str = ""
    access_log_encoding: str = "TEXT"
    access_log_format: str = ""
    enable_tracing: bool = True
    default_metrics_providers: tuple[str, ...] = ("prometheus",)   # the default install's (1.18+)
    trace_sampling: float | None = None      # defaultConfig.tracing.sampling; None: PILOT_TRACE_SAMPLING
    tls_defaults: Any = None                 # MeshConfig.tlsDefaults (MeshTLSConfig or its dict)


def _get(obj: Any, name: str) -> Any:
    if obj is None:
        return None
    if isinstance(obj, dict):
        return obj.get(name)
    return getattr(obj, name, None)


def settings_from(mesh: Any | None) -> MeshSettings:
    """MeshConfig model (or dict) -> MeshSettings; unset fields keep istiod's defaults."""
    if mesh is None:
        return MeshSettings()
    d = MeshSettings()
    otp = _get(mesh, "outboundTrafficPolicy")
    locality = _get(mesh, "localityLbSetting")
    enabled = _get(locality, "enabled")
    values = dict(
        outbound_mode=_get(otp, "mode") or d.outbound_mode,
        enable_auto_mtls=d.enable_auto_mtls if _get(mesh, "enableAutoMtls") is None else bool(_get(mesh, "enableAutoMtls")),
        root_namespace=_get(mesh, "rootNamespace") or d.root_namespace,
        trust_domain=_get(mesh, "trustDomain") or d.trust_domain,
        connect_timeout=_get(mesh, "connectTimeout") or d.connect_timeout,
        dns_refresh_rate=_get(mesh, "dnsRefreshRate") or d.dns_refresh_rate,
        h2_upgrade_policy=_get(mesh, "h2UpgradePolicy"),
        default_http_retry_policy=_get(mesh, "defaultHttpRetryPolicy"),
        tcp_keepalive=_get(mesh, "tcpKeepalive"),
        locality_lb_enabled=d.locality_lb_enabled if enabled is None else bool(enabled),
        locality_lb=locality,
        default_service_export_to=list(_get(mesh, "defaultServiceExportTo") or d.default_service_export_to),
        default_virtual_service_export_to=list(_get(mesh, "defaultVirtualServiceExportTo") or d.default_virtual_service_export_to),
        default_destination_rule_export_to=list(_get(mesh, "defaultDestinationRuleExportTo") or d.default_destination_rule_export_to),
        tls_defaults=_get(mesh, "tlsDefaults"),
        **_telemetry_settings(mesh, d),
    )
    return MeshSettings(**values)


def _telemetry_settings(mesh: Any, d: MeshSettings) -> dict[str, Any]:
    """accessLog*, enableTracing, defaultProviders.metrics and defaultConfig.tracing.sampling."""
    providers = _get(mesh, "defaultProviders")
    tracing = _get(_get(mesh, "defaultConfig"), "tracing")
    sampling = _get(tracing, "sampling")
    enable = _get(mesh, "enableTracing")
    return dict(
        access_log_file=_get(mesh, "accessLogFile") or "",
        access_log_encoding=_get(mesh, "accessLogEncoding") or d.access_log_encoding,
        access_log_format=_get(mesh, "accessLogFormat") or "",
        enable_tracing=d.enable_tracing if enable is None else bool(enable),
        default_metrics_providers=(d.default_metrics_providers if providers is None
                                   else tuple(_get(providers, "metrics") or ())),
        trace_sampling=float(sampling) if isinstance(sampling, (int, float)) and sampling else None,
    )
