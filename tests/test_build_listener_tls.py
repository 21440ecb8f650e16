"""meshConfig.tlsDefaults on gateway server TLS (compiler/build/listener_tls.py).

istiod listener.go BuildListenerTLSContext: when isSimpleOrMutual(mode), applyDownstreamTLSDefaults(mesh
tlsDefaults) then applyServerTLSSettings (the server's minProtocolVersion / cipherSuites win). Releases:
1.17.8 has no tlsDefaults; 1.18.0 applies ecdhCurves and minProtocolVersion; 1.19.0 adds cipherSuites; before
1.30.0 the minimum version is `auth.TlsParameters_TlsProtocol(tlsDefaults.MinProtocolVersion)`, a cast of the
MeshConfig enum number (istio/api mesh/v1alpha1/config.proto TLSConfig.TLSProtocol: TLS_AUTO 0, TLSV1_2 1,
TLSV1_3 2) onto Envoy's TlsProtocol (TLS_AUTO 0, TLSv1_0 1, TLSv1_1 2, TLSv1_2 3, TLSv1_3 4); 1.30.0 maps it
with authn utils GetMinTLSVersion (TLSV1_3 -> TLSv1_3, else TLSv1_2). TlsParameters keys in declaration order.
"""
import pytest

from helpers import compile_yaml
from test_build_listener_gateway import GW, one_server_gateway
from test_build_listener_outbound import listener

DEFAULTS = {"tlsDefaults": {"minProtocolVersion": "TLSV1_3", "ecdhCurves": ["P-256"],
                            "cipherSuites": ["ECDHE-RSA-AES128-GCM-SHA256"]}}


def _params(tls: str, version: str, mesh=DEFAULTS):
    [chain] = listener(compile_yaml(one_server_gateway(tls), GW, version, mesh=mesh), "0.0.0.0_8443")["filterChains"]
    return chain["transportSocket"]["typedConfig"]["commonTlsContext"].get("tlsParams")


@pytest.mark.parametrize("version,params", [
    ("1.17", None),
    ("1.18", {"tlsMinimumProtocolVersion": "TLSv1_1", "ecdhCurves": ["P-256"]}),
    ("1.19", {"tlsMinimumProtocolVersion": "TLSv1_1", "cipherSuites": ["ECDHE-RSA-AES128-GCM-SHA256"],
              "ecdhCurves": ["P-256"]}),
    ("1.29", {"tlsMinimumProtocolVersion": "TLSv1_1", "cipherSuites": ["ECDHE-RSA-AES128-GCM-SHA256"],
              "ecdhCurves": ["P-256"]}),
    ("1.30", {"tlsMinimumProtocolVersion": "TLSv1_3", "cipherSuites": ["ECDHE-RSA-AES128-GCM-SHA256"],
              "ecdhCurves": ["P-256"]}),
])
def test_mesh_defaults_by_release(version, params):
    assert _params("{mode: SIMPLE, credentialName: c}", version) == params


def test_server_settings_win_over_mesh_defaults():
    got = _params("{mode: SIMPLE, credentialName: c, minProtocolVersion: TLSV1_2, maxProtocolVersion: TLSV1_3, "
                  "cipherSuites: [AES256-GCM-SHA384]}", "1.30")
    assert got == {"tlsMinimumProtocolVersion": "TLSv1_2", "tlsMaximumProtocolVersion": "TLSv1_3",
                   "cipherSuites": ["AES256-GCM-SHA384"], "ecdhCurves": ["P-256"]}


def test_tls_v1_2_default_before_and_since_1_30():
    mesh = {"tlsDefaults": {"minProtocolVersion": "TLSV1_2"}}
    assert _params("{mode: SIMPLE, credentialName: c}", "1.22", mesh) == {"tlsMinimumProtocolVersion": "TLSv1_0"}
    assert _params("{mode: SIMPLE, credentialName: c}", "1.30", mesh) == {"tlsMinimumProtocolVersion": "TLSv1_2"}


def test_not_for_istio_mutual():
    assert _params("{mode: ISTIO_MUTUAL}", "1.30") is None


def test_mesh_config_model_carries_tls_defaults():
    from mesh_compile.index.mesh_config import settings_from
    from mesh_compile.model.mesh_config import parse_mesh_config
    mesh, problems = parse_mesh_config("tlsDefaults: {minProtocolVersion: TLSV1_3, ecdhCurves: [X25519]}\n")
    assert not problems
    got = settings_from(mesh).tls_defaults
    assert got.minProtocolVersion == "TLSV1_3" and got.ecdhCurves == ["X25519"] and got.cipherSuites == []
    _mesh, problems = parse_mesh_config("tlsDefaults: {minProtocolVersion: TLSV1_1}\n")
    assert problems and problems[0].field.startswith("mesh.tlsDefaults")
