"""Upstream TLS: auto mTLS transportSocketMatches, ISTIO_MUTUAL, SIMPLE/MUTUAL (cluster_tls.go; facts 5.7)."""
from __future__ import annotations

from functools import lru_cache
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
    return {"@type": UPSTREAM_TLS, "commonTlsContext": _mutual_common(tuple(sans), http2), "sni": sni}


@lru_cache(maxsize=4096)
def _mutual_common(sans: tuple[str, ...], http2: bool) -> dict:
    """The commonTlsContext of ISTIO_MUTUAL, which depends on the SANs and ALPN only: one shared object per
    pair (every subset cluster of a port has the same), as the builders never mutate emitted dicts."""
    validation: dict[str, Any] = {}
    if sans:
        validation["matchSubjectAltNames"] = [{"exact": s} for s in sans]
    alpn = ["istio-peer-exchange", "istio"] + (["h2"] if http2 else [])
    return {
        "tlsParams": TLS_PARAMS,
        "tlsCertificateSdsSecretConfigs": [{"name": "default", "sdsConfig": sds_config()}],
        "combinedValidationContext": {
            "defaultValidationContext": validation,
            "validationContextSdsSecretConfig": {"name": "ROOTCA", "sdsConfig": sds_config()},
        },
        "alpnProtocols": alpn,
    }


def auto_mtls_matches(context: dict) -> list[dict]:
    return [
        {"name": "tlsMode-istio", "match": {"tlsMode": "istio"},
         "transportSocket": {"name": TLS_SOCKET, "typedConfig": context}},
        {"name": "tlsMode-disabled", "match": {}, "transportSocket": RAW_BUFFER},
    ]


def upstream_tls_params(defaults: Any, b: Behaviour) -> dict:
    """cluster_tls.go applyTLSDefaults on a SIMPLE/MUTUAL context: meshConfig.tlsDefaults ecdhCurves (1.18.0+)
    and cipherSuites (1.19.0+) replace the defaults' lists; unlike the server side, minProtocolVersion is not
    read. TlsParameters field order: min, max, cipherSuites, ecdhCurves."""
    out: dict[str, Any] = dict(TLS_PARAMS)
    if defaults is None or not b.mesh_tls_defaults_upstream:
        return out
    ciphers = _field(defaults, "cipherSuites") if b.mesh_tls_defaults_upstream_ciphers else None
    curves = _field(defaults, "ecdhCurves")
    if ciphers:
        out["cipherSuites"] = list(ciphers)
    if curves:
        out["ecdhCurves"] = list(curves)
    return out


def _field(obj: Any, name: str) -> Any:
    return obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)


def simple_context(tls: Any, http2: bool, b: Behaviour, sans: list[str], mesh_defaults: Any = None) -> dict:
    """SIMPLE / MUTUAL from a DestinationRule with file certificates (credentialName is gateway-only).
    `mesh_defaults`: meshConfig.tlsDefaults."""
    common: dict[str, Any] = {"tlsParams": upstream_tls_params(mesh_defaults, b)}
    if tls.mode == "MUTUAL" and getattr(tls, "clientCertificate", None):
        common["tlsCertificateSdsSecretConfigs"] = [
            {"name": f"file-cert:{tls.clientCertificate}~{tls.privateKey}", "sdsConfig": sds_config()}]
    sans = list(tls.subjectAltNames or []) or sans
    if getattr(tls, "insecureSkipVerify", None):
        common["validationContext"] = {}
    elif tls.caCertificates or b.simple_tls_verifies_system_ca:
        root = f"file-root:{tls.caCertificates}" if tls.caCertificates else "file-root:system"
        common["combinedValidationContext"] = _combined_validation(sans, {"name": root, "sdsConfig": sds_config()})
    else:
        common["validationContext"] = {}
    return _upstream_context(common, tls, http2)


def _combined_validation(sans: list[str], ca_secret: dict) -> dict:
    """A combinedValidationContext: the SANs to match (none: an empty default context) and the CA's secret."""
    default = {"matchSubjectAltNames": [{"exact": s} for s in sans]} if sans else {}
    return {"defaultValidationContext": default, "validationContextSdsSecretConfig": ca_secret}


def _upstream_context(common: dict, tls: Any, http2: bool) -> dict:
    """The UpstreamTlsContext around `common`: h2 ALPN for HTTP/2 upstreams, and the DR's `sni` if set."""
    if http2:
        common["alpnProtocols"] = ["h2"]
    out = {"@type": UPSTREAM_TLS, "commonTlsContext": common}
    if tls.sni:
        out["sni"] = tls.sni
    return out


PROXY_PROTOCOL_SOCKET = "envoy.transport_sockets.upstream_proxy_protocol"  # wellknown.TransportSocketPROXY
PROXY_PROTOCOL_TYPE = ("type.googleapis.com/envoy.extensions.transport_sockets.proxy_protocol.v3."
                       "ProxyProtocolUpstreamTransport")
# util.RawBufferTransport(): named plain "raw_buffer", unlike the tlsMode-disabled match's socket
BARE_RAW_BUFFER = {"name": "raw_buffer", "typedConfig": RAW_BUFFER["typedConfig"]}


def proxy_protocol_socket(version: str | None, inner: dict) -> dict:
    """ProxyProtocolUpstreamTransport around `inner`. Istio's V1/V2 enum maps by number onto Envoy's
    ProxyProtocolConfig.Version, whose V1 is the proto default and so prints as an empty config."""
    config = {"version": "V2"} if version == "V2" else {}
    return {"name": PROXY_PROTOCOL_SOCKET,
            "typedConfig": {"@type": PROXY_PROTOCOL_TYPE, "config": config, "transportSocket": inner}}


def with_proxy_protocol(pp: Any, matches: list[dict] | None, socket: dict | None,
                        wrap_bare: bool) -> tuple[list[dict] | None, dict | None]:
    """cluster_traffic_policy.go applyUpstreamProxyProtocol: wrap the transportSocket and each
    transportSocketMatch's socket; with neither, 1.23+ (`wrap_bare`) wraps a raw_buffer socket."""
    version = getattr(pp, "version", None)
    if socket is None and not matches:
        return matches, proxy_protocol_socket(version, BARE_RAW_BUFFER) if wrap_bare else None
    if socket is not None:
        socket = proxy_protocol_socket(version, socket)
    if matches:
        matches = [{**m, "transportSocket": proxy_protocol_socket(version, m["transportSocket"])} for m in matches]
    return matches, socket


def auto_sni_options(tls: Any) -> dict | None:
    """upstreamHttpProtocolOptions of a cluster whose SIMPLE/MUTUAL context was built (cluster_tls.go
    setAutoSniAndAutoSanValidation, called from constructUpstreamTLS; on by default since 1.21, where
    ENABLE_AUTO_SNI and VERIFY_CERTIFICATE_AT_CLIENT became true): autoSni without a DR `sni`;
    autoSanValidation as well when the DR lists no subjectAltNames and does not skip verification."""
    if tls is None or tls.mode not in ("SIMPLE", "MUTUAL") or tls.sni:
        return None
    out = {"autoSni": True}
    if not tls.subjectAltNames and not getattr(tls, "insecureSkipVerify", None):
        out["autoSanValidation"] = True
    return out


def credential_context(tls: Any, http2: bool, b: Behaviour, sans: list[str], mesh_defaults: Any = None) -> dict:
    """SIMPLE / MUTUAL with credentialName (constructUpstreamTLS -> security/model/authentication.go
    ApplyCustomSDSToClientCommonTLSContext): MUTUAL's client certificate is the credential's SDS secret; the
    CA is the `<credentialName>-cacert` secret, with the DR's (else the ServiceEntry's) SANs. 1.19+ builds no
    validation at all under insecureSkipVerify (1.17.8/1.18.7 ignored it here). applyTLSDefaults runs after
    either branch of constructUpstreamTLS, so `mesh_defaults` (meshConfig.tlsDefaults) apply here too."""
    from mesh_compile.build.listener_tls import SDS_CA_SUFFIX, sds_secret  # listener_tls imports this module
    common: dict[str, Any] = {"tlsParams": upstream_tls_params(mesh_defaults, b)}
    if tls.mode == "MUTUAL":
        common["tlsCertificateSdsSecretConfigs"] = [sds_secret(tls.credentialName)]
    if not (getattr(tls, "insecureSkipVerify", None) and b.credential_tls_skip_verify):
        names = list(tls.subjectAltNames or []) or sans
        common["combinedValidationContext"] = _combined_validation(
            names, sds_secret(tls.credentialName + SDS_CA_SUFFIX))
    return _upstream_context(common, tls, http2)
