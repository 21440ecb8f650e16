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
                # own port and IP bind are built (build/listener_outbound.py, sidecar_routes.py); these not
                if (egress.captureMode == "NONE" or (egress.bind or "").startswith("unix://")
                        or (egress.port is not None and (egress.port.protocol or "").upper() == "HTTP_PROXY")):
                    out.append(_problem(obj, f"spec.egress[{i}]", "a Sidecar egress listener with captureMode "
                                        "NONE, a unix domain socket bind or an HTTP_PROXY port"))
            for i, ing in enumerate(spec.ingress):
                # chains and clusters (defaultEndpoint) are built (build/listener_inbound.py, inbound_sidecar.py)
                if ing.connectionPool is not None or ing.tls is not None:
                    out.append(_problem(obj, f"spec.ingress[{i}]", "a Sidecar ingress listener's connectionPool "
                                        "or tls"))
            if spec.inboundConnectionPool is not None:
                out.append(_problem(obj, "spec.inboundConnectionPool", "a Sidecar inboundConnectionPool"))
            otp = spec.outboundTrafficPolicy
            if otp is not None and otp.egressProxy is not None:
                out.append(_problem(obj, "spec.outboundTrafficPolicy.egressProxy", "an egress proxy"))
    return out

