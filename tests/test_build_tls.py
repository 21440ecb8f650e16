"""Upstream SIMPLE/MUTUAL TLS extras on outbound clusters (tls.py, clusters.py).

Sources (istiod at the tags, read by hand):
- auto SNI: 1.30.3 pilot/pkg/networking/core/cluster_tls.go constructUpstreamTLS -> setAutoSniAndAutoSanValidation:
  AutoSni when the DR's sni is empty; AutoSanValidation when, besides, the DR lists no subjectAltNames and
  insecureSkipVerify is not true; both in HttpProtocolOptions.UpstreamHttpProtocolOptions, and
  clusterWrapper.build (cluster_builder.go) adds ExplicitHttpConfig{HttpProtocolOptions{}} when no protocol is
  set. 1.21.6 features/pilot.go: ENABLE_AUTO_SNI and VERIFY_CERTIFICATE_AT_CLIENT default true; 1.17.8-1.20.8:
  both default false (istio-facts.md 5.7).
- credentialName: 1.30.3 cluster_tls.go buildUpstreamClusterTLSContext (a sidecar drops SIMPLE/MUTUAL TLS with a
  credentialName unless opts.isDrWithSelector, i.e. the DR has a workloadSelector; gateways always honour it;
  1.17.8 v1alpha3/cluster_builder.go the same), constructUpstreamTLS -> security/model/authentication.go
  ApplyCustomSDSToClientCommonTLSContext: MUTUAL -> TlsCertificateSdsSecretConfigs
  [ConstructSdsSecretConfigForCredential(name)] = {Name: credentials.ToResourceName(name) ("kubernetes://" +
  name), SdsConfig: SDSAdsConfig {ads, V3}}; CombinedValidationContext{DefaultValidationContext{SANs},
  ValidationContextSdsSecretConfig: <name>-cacert}; returns before the CA under insecureSkipVerify since
  1.19.0 (1.18.7 has no such check).
"""
import pytest

from helpers import cluster, compile_yaml
from meshes import destination_rule, doc, external_dns_service_entry, service

SE = doc(external_dns_service_entry("ext", "api.example.com", "{number: 443, name: https, protocol: HTTPS}"),
         destination_rule("ext", "api.example.com") + "  trafficPolicy:\n")
NAME = "outbound|443||api.example.com"
TARGET = "deploy/client.default"
HPO = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions"


def _cluster(policy: str, version: str = "1.30", target: str = TARGET) -> dict:
    text = SE + "\n".join("    " + line for line in policy.strip().splitlines())
    return cluster(compile_yaml(text, target, version), NAME)


def _round_trips(c: dict) -> None:
    from mesh_compile_xds.canonical import canonical_json
    from mesh_compile_xds.messages import to_message
    printed = canonical_json(to_message("cluster", c))
    assert printed == c and list(printed) == list(c)


@pytest.mark.parametrize("version", ["1.30", "1.21"])
def test_simple_without_sni_sets_auto_sni_and_san_validation(version):
    c = _cluster("tls: {mode: SIMPLE}", version)
    assert c["typedExtensionProtocolOptions"][HPO] == {
        "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
        "upstreamHttpProtocolOptions": {"autoSni": True, "autoSanValidation": True},
        "explicitHttpConfig": {"httpProtocolOptions": {}}}
    _round_trips(c)


def test_auto_sni_off_before_1_21():
    assert "typedExtensionProtocolOptions" not in _cluster("tls: {mode: SIMPLE}", "1.20")


def test_sans_or_skip_verify_leave_auto_sni_only():
    for policy in ("tls: {mode: SIMPLE, subjectAltNames: [api.example.com]}",
                   "tls: {mode: SIMPLE, insecureSkipVerify: true}"):
        c = _cluster(policy)
        assert c["typedExtensionProtocolOptions"][HPO]["upstreamHttpProtocolOptions"] == {"autoSni": True}


def test_explicit_sni_sets_neither():
    assert "typedExtensionProtocolOptions" not in _cluster("tls: {mode: SIMPLE, sni: api.example.com}")


def test_auto_sni_sits_between_common_options_and_the_protocol():
    c = _cluster("tls: {mode: MUTUAL, clientCertificate: /c.pem, privateKey: /k.pem}\n"
                 "connectionPool: {http: {idleTimeout: 5s}}")
    options = c["typedExtensionProtocolOptions"][HPO]
    assert list(options) == ["@type", "commonHttpProtocolOptions", "upstreamHttpProtocolOptions", "explicitHttpConfig"]
    _round_trips(c)


SIDECAR_DR = doc(service("reviews", "[{name: http, port: 9080}]"), destination_rule("reviews", "reviews"))
REVIEWS = "outbound|9080||reviews.default.svc.cluster.local"
ADS = {"ads": {}, "resourceApiVersion": "V3"}


def _reviews(body: str, version: str = "1.30") -> dict:
    text = SIDECAR_DR + "\n".join("  " + line for line in body.strip().splitlines())
    return cluster(compile_yaml(text, TARGET, version), REVIEWS)


def test_sidecar_drops_credential_tls_without_a_selector():
    c = _reviews("trafficPolicy: {tls: {mode: SIMPLE, credentialName: cred}}")
    assert "transportSocket" not in c and "transportSocketMatches" not in c
    assert "typedExtensionProtocolOptions" not in c  # no context built, so no auto SNI either


def test_sidecar_uses_credential_from_a_dr_with_selector():
    body = """workloadSelector: {matchLabels: {app: client}}
trafficPolicy: {tls: {mode: MUTUAL, credentialName: cred, subjectAltNames: [reviews.example.com]}}"""
    c = _reviews(body)
    assert c["transportSocket"] == {"name": "envoy.transport_sockets.tls", "typedConfig": {
        "@type": "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext",
        "commonTlsContext": {
            "tlsParams": {"tlsMinimumProtocolVersion": "TLSv1_2", "tlsMaximumProtocolVersion": "TLSv1_3"},
            "tlsCertificateSdsSecretConfigs": [{"name": "kubernetes://cred", "sdsConfig": ADS}],
            "combinedValidationContext": {
                "defaultValidationContext": {"matchSubjectAltNames": [{"exact": "reviews.example.com"}]},
                "validationContextSdsSecretConfig": {"name": "kubernetes://cred-cacert", "sdsConfig": ADS}}}}}
    # SANs given: auto SNI only
    assert c["typedExtensionProtocolOptions"][HPO]["upstreamHttpProtocolOptions"] == {"autoSni": True}
    _round_trips(c)


@pytest.mark.parametrize("version,validates", [("1.30", False), ("1.19", False), ("1.18", True)])
def test_gateway_credential_mutual_insecure_skip_verify(version, validates):
    # validation.go validateTLS: SIMPLE may not combine credentialName with insecureSkipVerify; MUTUAL may
    c = cluster(compile_yaml(SE + "    tls: {mode: MUTUAL, credentialName: cred, insecureSkipVerify: true}",
                             "deploy/istio-egressgateway.istio-system", version), NAME)
    common = c["transportSocket"]["typedConfig"]["commonTlsContext"]
    assert common["tlsCertificateSdsSecretConfigs"] == [{"name": "kubernetes://cred", "sdsConfig": ADS}]
    assert ("combinedValidationContext" in common) is validates
    _round_trips(c)


# meshConfig.tlsDefaults on upstream SIMPLE/MUTUAL contexts. Source: 1.30.3 cluster_tls.go constructUpstreamTLS
# calls applyTLSDefaults(tlsContext, mesh.GetTlsDefaults()) after the credential / file branches, for SIMPLE and
# MUTUAL only (ISTIO_MUTUAL never reaches it); applyTLSDefaults replaces TlsParams.EcdhCurves and .CipherSuites
# when non-empty and never reads minProtocolVersion. 1.17.8 v1alpha3/cluster_builder.go has no applyTLSDefaults;
# 1.18.0 applies ecdhCurves only; 1.19.0 adds cipherSuites. TlsParameters proto order: min, max, cipher, ecdh.
MESH_DEFAULTS = {"tlsDefaults": {"minProtocolVersion": "TLSV1_3", "ecdhCurves": ["P-256"],
                                 "cipherSuites": ["ECDHE-RSA-AES256-GCM-SHA384"]}}
BASE_PARAMS = {"tlsMinimumProtocolVersion": "TLSv1_2", "tlsMaximumProtocolVersion": "TLSv1_3"}


def _upstream_params(policy: str, version: str, target: str = TARGET) -> dict:
    text = SE + "    " + policy
    c = cluster(compile_yaml(text, target, version, mesh=MESH_DEFAULTS), NAME)
    return c["transportSocket"]["typedConfig"]["commonTlsContext"]["tlsParams"]


@pytest.mark.parametrize("version,extra", [
    ("1.30", {"cipherSuites": ["ECDHE-RSA-AES256-GCM-SHA384"], "ecdhCurves": ["P-256"]}),
    ("1.19", {"cipherSuites": ["ECDHE-RSA-AES256-GCM-SHA384"], "ecdhCurves": ["P-256"]}),
    ("1.18", {"ecdhCurves": ["P-256"]}),
    ("1.17", {}),
])
def test_mesh_tls_defaults_on_simple_upstream_by_release(version, extra):
    params = _upstream_params("tls: {mode: SIMPLE}", version)
    assert params == {**BASE_PARAMS, **extra}
    assert list(params) == list({**BASE_PARAMS, **extra})  # proto field order


def test_mesh_tls_defaults_on_mutual_and_credential_upstreams():
    want = {**BASE_PARAMS, "cipherSuites": ["ECDHE-RSA-AES256-GCM-SHA384"], "ecdhCurves": ["P-256"]}
    assert _upstream_params("tls: {mode: MUTUAL, clientCertificate: /c.pem, privateKey: /k.pem}", "1.30") == want
    assert _upstream_params("tls: {mode: MUTUAL, credentialName: cred}", "1.30",
                            "deploy/istio-egressgateway.istio-system") == want


def test_mesh_tls_defaults_leave_istio_mutual_alone():
    text = SIDECAR_DR + "  trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}"
    c = cluster(compile_yaml(text, TARGET, "1.30", mesh=MESH_DEFAULTS), REVIEWS)
    assert c["transportSocket"]["typedConfig"]["commonTlsContext"]["tlsParams"] == BASE_PARAMS
