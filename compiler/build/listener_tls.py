"""Downstream TLS for gateway servers that terminate TLS with a credentialName (listener.go
BuildListenerTLSContext, security/model/authentication.go ApplyCredentialSDSToServerCommonTLSContext and
ConstructSdsSecretConfigForCredential; identical for these inputs in 1.17.8 and 1.30.3).

Other certificate sources (serverCertificate files, tlsCertificates, credentialNames, ISTIO_MUTUAL with the
proxy's own identity) are not built yet: `supported()` says so, and those servers keep their warning.
"""
from __future__ import annotations

from typing import Any

from mesh_compile.build import listener_parts as LP

TERMINATING_MODES = ("SIMPLE", "MUTUAL", "OPTIONAL_MUTUAL")
SDS_CA_SUFFIX = "-cacert"
# SDSAdsConfig: credentialName secrets come from istiod over ADS; no initialFetchTimeout on purpose
SDS_ADS = {"ads": {}, "resourceApiVersion": "V3"}


def supported(tls: Any) -> bool:
    return (tls is not None and (tls.mode or "SIMPLE") in TERMINATING_MODES and bool(tls.credentialName)
            and not tls.credentialNames and not tls.tlsCertificates)


def resource_name(name: str) -> str:
    """credentials.ToResourceName: explicit kubernetes:// (or kubernetes-gateway://) names stay; others get kubernetes://."""
    if name.startswith("kubernetes://") or name.startswith("kubernetes-gateway://"):
        return name
    return "kubernetes://" + name


def sds_secret(name: str) -> dict:
    return {"name": resource_name(name), "sdsConfig": SDS_ADS}


def _tls_protocol(value: Any) -> str:
    """convertTLSProtocol: Istio TLSV1_2 -> Envoy TLSv1_2."""
    return str(getattr(value, "value", value)).replace("TLSV", "TLSv")


def _tls_params(tls: Any) -> dict | None:
    """applyServerTLSSettings (TlsParameters declaration order: min, max, cipherSuites)."""
    out: dict[str, Any] = {}
    if tls.minProtocolVersion and _tls_protocol(tls.minProtocolVersion) != "TLS_AUTO":
        out["tlsMinimumProtocolVersion"] = _tls_protocol(tls.minProtocolVersion)
    if tls.maxProtocolVersion and _tls_protocol(tls.maxProtocolVersion) != "TLS_AUTO":
        out["tlsMaximumProtocolVersion"] = _tls_protocol(tls.maxProtocolVersion)
    if tls.cipherSuites:
        out["cipherSuites"] = list(tls.cipherSuites)
    return out or None


def downstream_context(tls: Any) -> dict:
    """A DownstreamTlsContext for an HTTPS server with credentialName (ALPN h2, http/1.1)."""
    mode = tls.mode or "SIMPLE"
    common: dict[str, Any] = {}
    params = _tls_params(tls)
    if params:
        common["tlsParams"] = params
    common["tlsCertificateSdsSecretConfigs"] = [sds_secret(tls.credentialName)]
    if mode in ("MUTUAL", "OPTIONAL_MUTUAL"):
        ca = tls.caCertCredentialName or tls.credentialName + SDS_CA_SUFFIX
        default: dict[str, Any] = {}
        if tls.verifyCertificateSpki:
            default["verifyCertificateSpki"] = list(tls.verifyCertificateSpki)
        if tls.verifyCertificateHash:
            default["verifyCertificateHash"] = list(tls.verifyCertificateHash)
        if tls.subjectAltNames:
            default["matchSubjectAltNames"] = [{"exact": s} for s in tls.subjectAltNames]
        common["combinedValidationContext"] = {"defaultValidationContext": default,
                                               "validationContextSdsSecretConfig": sds_secret(ca)}
    elif tls.subjectAltNames:
        common["validationContext"] = {"matchSubjectAltNames": [{"exact": s} for s in tls.subjectAltNames]}
    common["alpnProtocols"] = list(LP.ALPN_HTTP)
    return {"@type": LP.DOWNSTREAM_TLS, "commonTlsContext": common, "requireClientCertificate": mode == "MUTUAL"}
