"""Adds the default install's telemetry and Istio filters (http_filters.py) to a proxy's finished listeners.

One pass over every chain, so each listener builder (outbound, virtualOutbound, gateway) gets the same filters
without carrying the proxy's telemetry settings itself. Classes as istiod assigns them: every listener of a
gateway is GATEWAY (model.OutboundListenerClass); a sidecar's OUTBOUND listeners, virtualOutbound included,
are SIDECAR_OUTBOUND; its INBOUND listeners (virtualInbound, Sidecar ingress listeners bound to their port) are
SIDECAR_INBOUND (listener_inbound.go buildSidecarInboundHTTPOpts / buildInboundNetworkFilters /
buildInboundBlackhole). The inbound builders put the non-telemetry Istio network filters (istio_authn,
metadata exchange) in themselves: http_filters.inbound_network_filters.
"""
from __future__ import annotations

from mesh_compile.build import http_filters as HF
from mesh_compile.index.mesh_index import MeshIndex
from mesh_compile.index.proxy import Proxy
from mesh_compile.versions import Behaviour

HCM = "envoy.filters.network.http_connection_manager"
# listener_builder.go blackholeFilterChain and listener_inbound.go buildInboundBlackhole build their tcp_proxy
# directly, without setAccessLogAndBuildTCPFilter
NO_ACCESS_LOG_CHAINS = ("virtualOutbound-blackhole", "virtualInbound-blackhole")


def decorate_chain(chain: dict, tel: HF.Telemetry, cls: str) -> dict:
    filters = chain.get("filters")
    if not filters:
        return chain
    if any(f.get("name") == HCM for f in filters):
        new = [dict(f, typedConfig=HF.decorate_hcm(f["typedConfig"], tel, cls)) if f.get("name") == HCM else f
               for f in filters]
    else:
        new = HF.decorate_network_filters(filters, tel, cls, access_log=chain.get("name") not in NO_ACCESS_LOG_CHAINS)
    return {k: (new if k == "filters" else v) for k, v in chain.items()}


def decorate_listener(listener: dict, tel: HF.Telemetry, cls: str) -> dict:
    out = dict(listener)
    if "filterChains" in out:
        out["filterChains"] = [decorate_chain(c, tel, cls) for c in out["filterChains"]]
    if "defaultFilterChain" in out:
        out["defaultFilterChain"] = decorate_chain(out["defaultFilterChain"], tel, cls)
    return out


def apply_telemetry(listeners: list[dict], proxy: Proxy, index: MeshIndex, b: Behaviour) -> list[dict]:
    tel = HF.telemetry_for(proxy, index, b)
    out = []
    for lis in listeners:
        if proxy.is_gateway:
            out.append(decorate_listener(lis, tel, HF.GATEWAY))
        elif lis.get("trafficDirection") == "INBOUND":
            out.append(decorate_listener(lis, tel, HF.SIDECAR_INBOUND))
        else:
            out.append(decorate_listener(lis, tel, HF.SIDECAR_OUTBOUND))
    return out
