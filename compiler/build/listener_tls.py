"""Downstream TLS for gateway servers that terminate TLS (listener.go BuildListenerTLSContext,
security/model/authentication.go ApplyToCommonTLSContext, ApplyCredentialSDSToServerCommonTLSContext and
ConstructSdsSecretConfigForCredential, pkg/model/authentication.go ConstructSdsSecretConfig, pkg/security
SdsCertificateConfig; 1.17.8 v1alpha3/ and 1.30.3 core/).

Where the certificate comes from, in istiod's order:

* ISTIO_MUTUAL: the proxy's own identity from istio-agent's SDS (`default`, CA `ROOTCA`, cluster sds-grpc);
* credentialName / credentialNames (1.27+): Kubernetes secrets that istiod serves over ADS
  (`kubernetes://<name>`, CA `<name>-cacert` or caCertCredentialName in 1.28+);
* otherwise files on the gateway pod, which istio-agent serves over SDS by resource name
  `file-cert:<cert>~<key>` (one per tlsCertificates entry in 1.27+) and `file-root:<ca>`.
"""
from __future__ import annotations

from typing import Any

from mesh_compile.build import listener_parts as LP
from mesh_compile.build.tls import SDS_CONFIG
from mesh_compile.versions import Behaviour

TERMINATING_MODES = ("SIMPLE", "MUTUAL", "OPTIONAL_MUTUAL", "ISTIO_MUTUAL")
SDS_CA_SUFFIX = "-cacert"
# SDSAdsConfig: credentialName secrets come from istiod over ADS; no initialFetchTimeout on purpose
SDS_ADS = {"ads": {}, "resourceApiVersion": "V3"}
# constructSdsSecretConfig for names other than default/ROOTCA: sds-grpc without initialFetchTimeout
SDS_FILES = {key: value for key, value in SDS_CONFIG.items() if key != "initialFetchTimeout"}
DEFAULT_SECRET = "default"        # SDSDefaultResourceName
ROOT_SECRET = "ROOTCA"            # SDSRootResourceName
BUILTIN_GATEWAY_SECRET = "builtin://"   # credentials.BuiltinGatewaySecretTypeURI
# util.ALPNDownstreamWithMxc: a TCP/TLS server terminating ISTIO_MUTUAL also offers peer exchange
ALPN_DOWNSTREAM_WITH_MXC = ["istio-peer-exchange", "h2", "http/1.1"]


def supported(tls: Any) -> bool:
    """Every terminating mode is built (passthrough modes have no downstream TLS context)."""
    return tls is not None and (tls.mode or "SIMPLE") in TERMINATING_MODES


def resource_name(name: str) -> str:
    """credentials.ToResourceName: explicit kubernetes:// (or kubernetes-gateway://) names stay; others get kubernetes://."""
    if name.startswith("kubernetes://") or name.startswith("kubernetes-gateway://"):
        return name
    return "kubernetes://" + name


def sds_secret(name: str) -> dict:
    """ConstructSdsSecretConfigForCredential (no credential socket, no sds:// provider)."""
    if name == BUILTIN_GATEWAY_SECRET:
        return agent_secret(DEFAULT_SECRET)
    if name == BUILTIN_GATEWAY_SECRET + SDS_CA_SUFFIX:
        return agent_secret(ROOT_SECRET)
    return {"name": resource_name(name), "sdsConfig": SDS_ADS}


def agent_secret(name: str) -> dict:
    """pkg/model ConstructSdsSecretConfig: default/ROOTCA carry initialFetchTimeout 0s, file secrets do not."""
    return {"name": name, "sdsConfig": SDS_CONFIG if name in (DEFAULT_SECRET, ROOT_SECRET) else SDS_FILES}


def _tls_protocol(value: Any) -> str:
    """convertTLSProtocol: Istio TLSV1_2 -> Envoy TLSv1_2."""
    return str(getattr(value, "value", value)).replace("TLSV", "TLSv")


def _tls_params(tls: Any, defaults: Any, b: Behaviour) -> dict | None:
    """applyDownstreamTLSDefaults (meshConfig.tlsDefaults) then applyServerTLSSettings, the server's fields
    winning; TlsParameters declaration order: min, max, cipherSuites, ecdhCurves."""
    out: dict[str, Any] = _mesh_tls_defaults(defaults, b)
    if tls.minProtocolVersion and _tls_protocol(tls.minProtocolVersion) != "TLS_AUTO":
        out["tlsMinimumProtocolVersion"] = _tls_protocol(tls.minProtocolVersion)
    if tls.maxProtocolVersion and _tls_protocol(tls.maxProtocolVersion) != "TLS_AUTO":
        out["tlsMaximumProtocolVersion"] = _tls_protocol(tls.maxProtocolVersion)
    if tls.cipherSuites:
        out["cipherSuites"] = list(tls.cipherSuites)
    order = ("tlsMinimumProtocolVersion", "tlsMaximumProtocolVersion", "cipherSuites", "ecdhCurves")
    return {k: out[k] for k in order if k in out} or None


# applyDownstreamTLSDefaults before 1.30 casts the MeshConfig enum (TLS_AUTO 0, TLSV1_2 1, TLSV1_3 2) to
# Envoy's TlsProtocol (TLS_AUTO 0, TLSv1_0 1, TLSv1_1 2, ...): istiod really writes these
_CAST_MIN_VERSION = {"TLSV1_2": "TLSv1_0", "TLSV1_3": "TLSv1_1"}


def _mesh_tls_defaults(defaults: Any, b: Behaviour) -> dict[str, Any]:
    """applyDownstreamTLSDefaults (listener.go; 1.18.0+): ecdhCurves and minProtocolVersion, cipherSuites
    from 1.19.0; the minimum version through authn utils GetMinTLSVersion from 1.30.0 (TLSV1_3, else
    TLSv1_2), before that cast as the enum's number."""
    out: dict[str, Any] = {}
    if defaults is None or not b.mesh_tls_defaults_server:
        return out
    curves = _field(defaults, "ecdhCurves")
    ciphers = _field(defaults, "cipherSuites") if b.mesh_tls_defaults_ciphers else None
    version = _field(defaults, "minProtocolVersion") or "TLS_AUTO"
    if curves:
        out["ecdhCurves"] = list(curves)
    if ciphers:
        out["cipherSuites"] = list(ciphers)
    if version != "TLS_AUTO":
        if b.mesh_tls_min_version_mapped:
            out["tlsMinimumProtocolVersion"] = "TLSv1_3" if version == "TLSV1_3" else "TLSv1_2"
        else:
            out["tlsMinimumProtocolVersion"] = _CAST_MIN_VERSION.get(version, "TLS_AUTO")
    return out


def _field(obj: Any, name: str) -> Any:
    return obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)


def _applies_tls_params(mode: str, b: Behaviour) -> bool:
    """1.17 set tlsParams for any mode; 1.18+ only isSimpleOrMutual (OPTIONAL_MUTUAL counts from 1.19)."""
    if not b.server_tls_params_simple_or_mutual:
        return True
    return mode in ("SIMPLE", "MUTUAL") or (mode == "OPTIONAL_MUTUAL" and b.server_optional_mutual)


def _sans(names: list[str]) -> list[dict]:
    return [{"exact": s} for s in names]


def _credential_names(tls: Any, b: Behaviour) -> list[str]:
    if b.server_credential_names and tls.credentialNames:
        return list(tls.credentialNames)
    return [tls.credentialName] if tls.credentialName else []


def _credential_common(tls: Any, mode: str, names: list[str], b: Behaviour) -> dict:
    """ApplyCredentialSDSToServerCommonTLSContext: certificates and CA from Kubernetes secrets over ADS."""
    common: dict[str, Any] = {"tlsCertificateSdsSecretConfigs": [sds_secret(n) for n in names]}
    ca = names[0] + SDS_CA_SUFFIX          # several credentialNames share the first one's CA
    if b.server_ca_cert_credential_name and tls.caCertCredentialName:
        ca = tls.caCertCredentialName
    if mode == "MUTUAL" or (mode == "OPTIONAL_MUTUAL" and b.server_optional_mutual):
        default: dict[str, Any] = {}
        if tls.verifyCertificateSpki:
            default["verifyCertificateSpki"] = list(tls.verifyCertificateSpki)
        if tls.verifyCertificateHash:
            default["verifyCertificateHash"] = list(tls.verifyCertificateHash)
        if tls.subjectAltNames:
            default["matchSubjectAltNames"] = _sans(tls.subjectAltNames)
        common["combinedValidationContext"] = {"defaultValidationContext": default,
                                               "validationContextSdsSecretConfig": sds_secret(ca)}
    elif tls.subjectAltNames:
        common["validationContext"] = {"matchSubjectAltNames": _sans(tls.subjectAltNames)}
    return common


def _file_cert(cert: str | None, key: str | None) -> str:
    """SdsCertificateConfig.GetResourceName, falling back to the proxy's own `default`."""
    return f"file-cert:{cert}~{key}" if cert and key else DEFAULT_SECRET


def _agent_common(tls: Any, mode: str, validate: bool, b: Behaviour) -> dict:
    """ApplyToCommonTLSContext: ISTIO_MUTUAL (the proxy's identity; a gateway pod has no cert-file
    metadata) or certificate files, both through istio-agent's SDS."""
    files = mode != "ISTIO_MUTUAL"
    ca = (tls.caCertificates or "") if files else ""
    if files and b.server_credential_names and tls.tlsCertificates:
        names = [_file_cert(c.serverCertificate, c.privateKey) for c in tls.tlsCertificates]
    else:
        names = [_file_cert(tls.serverCertificate, tls.privateKey) if files else DEFAULT_SECRET]
    common: dict[str, Any] = {"tlsCertificateSdsSecretConfigs": [agent_secret(n) for n in names]}
    if validate:
        default: dict[str, Any] = {}
        if tls.subjectAltNames:
            default["matchSubjectAltNames"] = _sans(tls.subjectAltNames)
        if b.server_ca_crl and tls.caCrl:
            default["crl"] = {"filename": tls.caCrl}
        common["combinedValidationContext"] = {
            "defaultValidationContext": default,
            "validationContextSdsSecretConfig": agent_secret(f"file-root:{ca}" if ca else ROOT_SECRET)}
    return common


def downstream_context(tls: Any, b: Behaviour, tcp_terminating: bool = False, mesh_defaults: Any = None) -> dict:
    """BuildListenerTLSContext for a gateway server; `tcp_terminating`: a TCP/TLS (not HTTPS) server;
    `mesh_defaults`: meshConfig.tlsDefaults."""
    mode = tls.mode or "SIMPLE"
    require = mode in ("MUTUAL", "ISTIO_MUTUAL")
    validate = require or (mode == "OPTIONAL_MUTUAL" and b.server_optional_mutual)
    names = _credential_names(tls, b)
    if mode != "ISTIO_MUTUAL" and names:
        common = _credential_common(tls, mode, names, b)
    else:
        common = _agent_common(tls, mode, validate, b)
    params = _tls_params(tls, mesh_defaults, b) if _applies_tls_params(mode, b) else None
    if params:
        common = {"tlsParams": params, **common}
    alpn = ALPN_DOWNSTREAM_WITH_MXC if tcp_terminating and mode == "ISTIO_MUTUAL" else LP.ALPN_HTTP
    common["alpnProtocols"] = list(alpn)
    return {"@type": LP.DOWNSTREAM_TLS, "commonTlsContext": common, "requireClientCertificate": require}
