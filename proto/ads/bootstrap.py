"""An Envoy bootstrap that gets everything from a mesh-compile ADS server.

Node id names the proxy (as `mesh-compile pc` names it), LDS and CDS come over ADS (and with them
RDS and EDS, whose config sources say `ads: {}`), admin listens on loopback only.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from .node import BIND_ADDRESS_KEY, PORT_OFFSET_KEY

XDS_CLUSTER = "xds-grpc"
_UPSTREAM_TLS = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext"
RUNTIME = {
    # istio-agent's bootstrap raises the RE2 program size limit from Envoy's 100, and istiod's
    # validation accepts regexes up to it (pkg/bootstrap extractRuntimeFlags in istio/istio).
    "re2.max_program_size.error_level": 32768,
    # Older Istio releases (1.17) emit fields Envoy has since deprecated, e.g. totalWeight.
    "envoy.features.enable_all_deprecated_features": True,
}   # the name istio-agent's bootstrap uses for the same cluster
_HTTP2 = {"envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
    "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
    "explicit_http_config": {"http2_protocol_options": {}}}}


@dataclass(frozen=True)
class BootstrapOptions:
    node_id: str
    ads_host: str = "127.0.0.1"
    ads_port: int = 15010
    delta: bool = False
    admin_address: str = "127.0.0.1"
    admin_port: int = 9901
    cluster: Optional[str] = None           # node.cluster (service name in Envoy's stats)
    bind_address: Optional[str] = None      # serve-only overrides, see node.py
    port_offset: Optional[int] = None
    ca_file: Optional[str] = None           # verify the server's TLS certificate
    cert_file: Optional[str] = None         # client certificate for mutual TLS
    key_file: Optional[str] = None
    server_name: Optional[str] = None       # SNI / name to verify, when not the host


def node_metadata(opts: BootstrapOptions) -> dict[str, str]:
    """The serve-only overrides the node carries (read back by node.resolve_node)."""
    metadata: dict[str, str] = {}
    if opts.bind_address is not None:
        metadata[BIND_ADDRESS_KEY] = opts.bind_address
    if opts.port_offset is not None:
        metadata[PORT_OFFSET_KEY] = str(opts.port_offset)
    return metadata


def build_bootstrap(opts: BootstrapOptions) -> dict[str, Any]:
    metadata = node_metadata(opts)
    node: dict[str, Any] = {"id": opts.node_id, "cluster": opts.cluster or _cluster_name(opts.node_id)}
    if metadata:
        node["metadata"] = metadata
    ads_source = {"ads": {}, "resource_api_version": "V3"}
    return {
        "node": node,
        "dynamic_resources": {
            "ads_config": {
                "api_type": "DELTA_GRPC" if opts.delta else "GRPC",
                "transport_api_version": "V3",
                "grpc_services": [{"envoy_grpc": {"cluster_name": XDS_CLUSTER}}],
                "set_node_on_first_message_only": True,
            },
            "cds_config": ads_source,
            "lds_config": ads_source,
        },
        "static_resources": {"clusters": [_xds_cluster(opts)]},
        "admin": {"address": {"socket_address": {"address": opts.admin_address, "port_value": opts.admin_port}}},
        "layered_runtime": {"layers": [
            {"name": "mesh-compile", "static_layer": dict(RUNTIME)},
            {"name": "admin", "admin_layer": {}},
        ]},
    }


def _cluster_name(node_id: str) -> str:
    parts = node_id.split("~")
    name = parts[2] if len(parts) == 4 else node_id
    return name.split("/", 1)[-1] or "mesh-compile"


def _xds_cluster(opts: BootstrapOptions) -> dict[str, Any]:
    cluster: dict[str, Any] = {
        "name": XDS_CLUSTER,
        "type": "STRICT_DNS" if not _is_ip(opts.ads_host) else "STATIC",
        "connect_timeout": "1s",
        "load_assignment": {"cluster_name": XDS_CLUSTER, "endpoints": [{"lb_endpoints": [{"endpoint": {
            "address": {"socket_address": {"address": opts.ads_host, "port_value": opts.ads_port}}}}]}]},
        "typed_extension_protocol_options": _HTTP2,
    }
    if opts.ca_file or opts.cert_file:
        cluster["transport_socket"] = _tls_socket(opts)
    return cluster


def _tls_socket(opts: BootstrapOptions) -> dict[str, Any]:
    common: dict[str, Any] = {"alpn_protocols": ["h2"]}
    if opts.ca_file:
        # Verify the chain and that the certificate names the server we dial.
        name = opts.server_name or opts.ads_host
        san_type = "IP_ADDRESS" if _is_ip(name) else "DNS"
        common["validation_context"] = {"trusted_ca": {"filename": opts.ca_file},
                                        "match_typed_subject_alt_names": [
                                            {"san_type": san_type, "matcher": {"exact": name}}]}
    if opts.cert_file and opts.key_file:
        common["tls_certificates"] = [{"certificate_chain": {"filename": opts.cert_file},
                                       "private_key": {"filename": opts.key_file}}]
    context: dict[str, Any] = {"@type": _UPSTREAM_TLS, "common_tls_context": common}
    if opts.server_name or not _is_ip(opts.ads_host):
        context["sni"] = opts.server_name or opts.ads_host
    return {"name": "envoy.transport_sockets.tls", "typed_config": context}


def _is_ip(host: str) -> bool:
    import ipaddress
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False
