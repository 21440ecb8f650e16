"""Serve-only rewrites (mesh_compile_xds.ads.local) on the compiled example mesh."""
from __future__ import annotations

import copy
import json
from importlib import resources

import pytest

from mesh_compile_xds.ads.local import LocalOptions, localise
from meshes import gateway


@pytest.fixture(scope="module")
def compiled() -> dict:
    from mesh_compile.build.compile import compile_proxy
    from mesh_compile.index.proxy import resolve_proxy
    from mesh_compile.pipeline import load_mesh
    from mesh_compile.versions import behaviour_for, parse_version
    mesh = load_mesh([str(resources.files("mesh_compile") / "examples" / "catalog-mesh.yaml")])
    proxy = resolve_proxy("deploy/webapp.istioinaction", mesh.index)
    cfg = compile_proxy(proxy, mesh.index, behaviour_for(parse_version("1.30")))
    return {"clusters": cfg.clusters, "listeners": cfg.listeners, "routes": cfg.routes, "endpoints": cfg.endpoints}


def text(obj) -> str:
    return json.dumps(obj)


def test_input_is_not_changed(compiled):
    before = copy.deepcopy(compiled)
    localise(compiled, LocalOptions(port_offset=10000))
    assert compiled == before


def test_listeners_bound_with_offset(compiled):
    assert any(lis.get("bindToPort") is False for lis in compiled["listeners"])
    out = localise(compiled, LocalOptions(bind_address="127.0.0.5", port_offset=10000))
    for lis in out.resources["listeners"]:
        if lis["name"] in ("virtualOutbound", "virtualInbound"):   # only work behind iptables: left unbound
            assert lis["bindToPort"] is False and lis["address"]["socketAddress"]["address"] == "0.0.0.0"
            continue
        assert "bindToPort" not in lis
        assert lis["address"]["socketAddress"]["address"] == "127.0.0.5"
    assert ("0.0.0.0_80", "127.0.0.5:10080") in out.bound
    assert any(n.startswith("listeners bound") for n in out.notes)
    assert "left unbound (they only work behind iptables): virtualOutbound, virtualInbound" in out.notes


def test_colliding_listeners_stay_unbound():
    listeners = [{"name": "0.0.0.0_80", "address": {"socketAddress": {"address": "0.0.0.0", "portValue": 80}}},
                 {"name": "10.0.0.1_80", "address": {"socketAddress": {"address": "10.0.0.1", "portValue": 80}}}]
    out = localise({"listeners": listeners}, LocalOptions(port_offset=1))
    assert out.bound == [("0.0.0.0_80", "127.0.0.1:81")]
    assert out.resources["listeners"][1]["bindToPort"] is False


def test_istio_tls_and_extensions_removed(compiled):
    assert "sds-grpc" in text(compiled["clusters"]) and "istio.metadata_exchange" in text(compiled["clusters"])
    out = localise(compiled, LocalOptions())
    clusters = text(out.resources["clusters"])
    assert "sds-grpc" not in clusters and "transportSocketMatches" not in clusters
    assert "istio.metadata_exchange" not in clusters
    assert out.resources["endpoints"] == compiled["endpoints"]


def test_as_compiled_changes_nothing(compiled):
    out = localise(compiled, LocalOptions(bind_address=None, plaintext=False, stock_envoy=False))
    assert out.resources == compiled and out.notes == [] and out.bound == []


def test_non_istio_tls_is_kept():
    tls = {"name": "envoy.transport_sockets.tls", "typedConfig": {
        "@type": "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext", "sni": "x"}}
    cluster = {"name": "c", "transportSocket": tls}
    out = localise({"clusters": [cluster]}, LocalOptions())
    assert out.resources["clusters"][0]["transportSocket"] == tls


def test_credential_name_tls_on_gateway_listeners_is_removed():
    # a gateway credentialName secret comes from istiod over ADS (authentication.go SDSAdsConfig), which the
    # demo server does not serve: the chain is served plaintext (and reported) instead of warming forever
    from helpers import compile_yaml

    text = gateway("gw", namespace="shop") + """\
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: [a.example.com]
    tls: {mode: SIMPLE, credentialName: a-cred}
  - port: {number: 443, name: https-f, protocol: HTTPS}
    hosts: [b.example.com]
    tls: {mode: SIMPLE, serverCertificate: /c.pem, privateKey: /k.pem}
"""
    cfg = compile_yaml(text, "deploy/istio-ingressgateway.istio-system")
    [lis] = [x for x in cfg.listeners if x["name"] == "0.0.0.0_8443"]
    assert all("transportSocket" in c for c in lis["filterChains"])
    out = localise({"listeners": [lis]}, LocalOptions())
    [served] = out.resources["listeners"]
    assert [c.get("transportSocket") for c in served["filterChains"]] == [None, None]
    assert [c["filterChainMatch"] for c in served["filterChains"]] == [
        {"serverNames": ["a.example.com"]}, {"serverNames": ["b.example.com"]}]
    assert any("plaintext" in n and "0.0.0.0_8443" in n for n in out.notes)
    assert all("transportSocket" in c for c in lis["filterChains"])      # the compiled listener is untouched
