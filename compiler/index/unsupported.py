"""Say so when the input uses a feature mesh-compile does not translate yet.

A field we skip silently would be a route that behaves differently in production than our output says,
so each such use gets one Warning naming the object and the field.
"""
from __future__ import annotations

from typing import Any, Iterable

from mesh_compile.diagnostics import WARNING, Problem


def _problem(obj: Any, field: str, what: str) -> Problem:
    src = obj.source
    return Problem(WARNING, f"{what} is not translated yet; the output leaves it out", file=src.file,
                   line=src.line, kind=obj.kind, namespace=obj.meta.namespace, name=obj.meta.name, field=field)


def unsupported_features(objects: Iterable[Any]) -> list[Problem]:
    out: list[Problem] = []
    for obj in objects:
        spec = obj.spec
        if obj.kind == "Sidecar":
            for i, egress in enumerate(spec.egress):
                if egress.port is not None or getattr(egress, "bind", None):
                    out.append(_problem(obj, f"spec.egress[{i}].port", "a Sidecar egress listener with its own port or bind"))
            if spec.ingress:
                out.append(_problem(obj, "spec.ingress", "Sidecar ingress listeners"))
            otp = spec.outboundTrafficPolicy
            if otp is not None and otp.egressProxy is not None:
                out.append(_problem(obj, "spec.outboundTrafficPolicy.egressProxy", "an egress proxy"))
        elif obj.kind == "VirtualService":
            for i, http in enumerate(spec.http):
                if getattr(http, "delegate", None) is not None:
                    out.append(_problem(obj, f"spec.http[{i}].delegate", "VirtualService delegation"))
            if spec.tcp:
                out.append(_problem(obj, "spec.tcp", "TCP routing"))
            if spec.tls:
                out.append(_problem(obj, "spec.tls", "TLS (SNI) routing"))
        elif obj.kind == "Gateway":
            for i, server in enumerate(spec.servers):
                proto = (server.port.protocol or "").upper()
                if proto in ("TCP", "TLS", "MONGO", "REDIS") or (proto == "HTTPS" and server.tls is not None
                                                                and server.tls.mode in ("PASSTHROUGH", "AUTO_PASSTHROUGH")):
                    out.append(_problem(obj, f"spec.servers[{i}]", f"a {proto} gateway server listener"))
                elif proto == "HTTPS":
                    out.append(_problem(obj, f"spec.servers[{i}].tls", "the TLS filter chain of an HTTPS gateway listener"))
    return out
