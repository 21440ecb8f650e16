"""Which proxy an Envoy is: its node id names it, as istio-agent does or simply as istioctl does.

Accepted node ids:
  sidecar~10.10.0.14~webapp-7685bcb84-hkhs5.istioinaction~istioinaction.svc.cluster.local
      (istio-agent's form: TYPE~IP~POD.NAMESPACE~DNS-DOMAIN; TYPE router means a gateway)
  deploy/webapp.istioinaction      webapp-7685bcb84-hkhs5.istioinaction
      (the TARGET forms of `mesh-compile pc`)
Anything else (an empty id, "envoy", a bare name without a namespace) falls back to the server's
default TARGET, so a hand-written bootstrap still works.

Node metadata may override the serve-only listener binding for this one Envoy, so several Envoys
can share one server and one machine: MESH_COMPILE_BIND_ADDRESS, MESH_COMPILE_PORT_OFFSET.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any, Mapping, Optional

BIND_ADDRESS_KEY = "MESH_COMPILE_BIND_ADDRESS"
PORT_OFFSET_KEY = "MESH_COMPILE_PORT_OFFSET"
_ISTIO_TYPES = {"sidecar": "sidecar", "router": "router"}
_TARGET_PREFIXES = ("deploy/", "deployment/", "deployments/")


class NodeError(ValueError):
    """The node names no proxy and the server has no default TARGET, or its metadata is bad."""


@dataclass(frozen=True)
class NodeRef:
    target: str                          # deploy/NAME.NS or POD.NS
    proxy_type: Optional[str] = None     # "sidecar" / "router" when the node id says so
    bind_address: Optional[str] = None   # overrides from node metadata
    port_offset: Optional[int] = None


def target_of(node_id: str) -> tuple[Optional[str], Optional[str]]:
    """(target, proxy type) named by a node id, or (None, None) when it names no proxy."""
    node_id = node_id.strip()
    parts = node_id.split("~")
    if len(parts) == 4 and parts[0] in _ISTIO_TYPES and "." in parts[2]:
        return parts[2], _ISTIO_TYPES[parts[0]]
    if node_id.startswith(_TARGET_PREFIXES):
        return node_id, None
    if "~" not in node_id and "/" not in node_id and node_id.count(".") == 1 and all(node_id.split(".")):
        return node_id, None
    return None, None


def resolve_node(node_id: str, metadata: Mapping[str, Any], default_target: Optional[str]) -> NodeRef:
    """The proxy an Envoy's node stands for. Raises NodeError with a message for the user."""
    target, proxy_type = target_of(node_id)
    if target is None:
        if not default_target:
            raise NodeError(f"node id {node_id!r} names no proxy and the server has no default TARGET; "
                            "use a node id like deploy/NAME.NAMESPACE or POD.NAMESPACE "
                            "(mesh-compile bootstrap writes one)")
        target = default_target
    return NodeRef(target, proxy_type, *_bind_overrides(metadata))


def _bind_overrides(metadata: Mapping[str, Any]) -> tuple[Optional[str], Optional[int]]:
    address = metadata.get(BIND_ADDRESS_KEY)
    offset = metadata.get(PORT_OFFSET_KEY)
    if address is not None:
        try:
            ipaddress.ip_address(str(address))
        except ValueError:
            raise NodeError(f"node metadata {BIND_ADDRESS_KEY}={address!r} is not an IP address") from None
        address = str(address)
    if offset is not None:
        try:
            offset = int(float(offset))  # a Struct holds numbers as doubles
        except (TypeError, ValueError):
            raise NodeError(f"node metadata {PORT_OFFSET_KEY}={offset!r} is not a number") from None
        if not 0 <= offset < 65535:
            raise NodeError(f"node metadata {PORT_OFFSET_KEY}={offset} is out of range")
    return address, offset
