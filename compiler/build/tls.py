"""Upstream TLS: auto mTLS transportSocketMatches, ISTIO_MUTUAL, SIMPLE/MUTUAL (cluster_tls.go; facts 5.7)."""
from __future__ import annotations

from typing import Any

from mesh_compile.versions import Behaviour

TLS_SOCKET = "envoy.transport_sockets.tls"
UPSTREAM_TLS = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext"
RAW_BUFFER = {
    "name": "envoy.transport_sockets.raw_buffer",
    "typedConfig": {"@type": "type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer"},
}
TLS_PARAMS = {"tlsMinimumProtocolVersion": "TLSv1_2", "tlsMaximumProtocolVersion": "TLSv1_3"}


# One shared object: the builders never mutate emitted dicts, and sharing keeps large meshes cheap.
SDS_CONFIG = {
    "apiConfigSource": {
        "apiType": "GRPC",
        "transportApiVersion": "V3",
        "grpcServices": [{"envoyGrpc": {"clusterName": "sds-grpc"}}],
        "setNodeOnFirstMessageOnly": True,
    },
    "initialFetchTimeout": "0s",
    "resourceApiVersion": "V3",
}


def sds_config() -> dict:
    return SDS_CONFIG


def istio_mutual_context(sni: str, sans: list[str], http2: bool) -> dict:
    validation: dict[str, Any] = {}
    if sans:
        validation["matchSubjectAltNames"] = [{"exact": s} for s in sans]
    alpn = ["istio-peer-exchange", "istio"] + (["h2"] if http2 else [])
    common = {
        "tlsParams": TLS_PARAMS,
        "tlsCertificateSdsSecretConfigs": [{"name": "default", "sdsConfig": sds_config()}],
        "combinedValidationContext": {
            "defaultValidationContext": validation,
            "validationContextSdsSecretConfig": {"name": "ROOTCA", "sdsConfig": sds_config()},
        },
        "alpnProtocols": alpn,
    }
    return {"@type": UPSTREAM_TLS, "commonTlsContext": common, "sni": sni}


def auto_mtls_matches(context: dict) -> list[dict]:
    return [
        {"name": "tlsMode-istio", "match": {"tlsMode": "istio"},
         "transportSocket": {"name": TLS_SOCKET, "typedConfig": context}},
        {"name": "tlsMode-disabled", "match": {}, "transportSocket": RAW_BUFFER},
    ]


def simple_context(tls: Any, http2: bool, b: Behaviour, sans: list[str]) -> dict:
    """SIMPLE / MUTUAL from a DestinationRule with file certificates (credentialName is gateway-only)."""
    common: dict[str, Any] = {"tlsParams": dict(TLS_PARAMS)}
    if tls.mode == "MUTUAL" and getattr(tls, "clientCertificate", None):
        common["tlsCertificateSdsSecretConfigs"] = [
            {"name": f"file-cert:{tls.clientCertificate}~{tls.privateKey}", "sdsConfig": sds_config()}]
    sans = list(tls.subjectAltNames or []) or sans
    if getattr(tls, "insecureSkipVerify", None):
        common["validationContext"] = {}
    elif tls.caCertificates or b.simple_tls_verifies_system_ca:
        root = f"file-root:{tls.caCertificates}" if tls.caCertificates else "file-root:system"
        default: dict[str, Any] = {}
        if sans:
            default["matchSubjectAltNames"] = [{"exact": s} for s in sans]
        common["combinedValidationContext"] = {
            "defaultValidationContext": default,
            "validationContextSdsSecretConfig": {"name": root, "sdsConfig": sds_config()},
        }
    else:
        common["validationContext"] = {}
    if http2:
        common["alpnProtocols"] = ["h2"]
    out = {"@type": UPSTREAM_TLS, "commonTlsContext": common}
    if tls.sni:
        out["sni"] = tls.sni
    return out
