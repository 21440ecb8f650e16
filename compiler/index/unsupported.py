"""Say so when the input uses a feature mesh-compile does not translate yet.

A field we skip silently would be a route that behaves differently in production than our output says,
so each such use gets one Warning naming the object and the field.
"""
from __future__ import annotations

from typing import Any, Iterable

from mesh_compile.diagnostics import INFO, WARNING, Problem


def _problem(obj: Any, field: str, what: str) -> Problem:
    src = obj.source
    return Problem(WARNING, f"{what} is not translated yet; the output leaves it out", file=src.file,
                   line=src.line, kind=obj.kind, namespace=obj.meta.namespace, name=obj.meta.name, field=field)


def _ignored_ingress_tls(obj: Any, i: int) -> Problem:
    """listener_inbound.go buildInboundChainConfigs (1.17.8-1.30.3): ingress[].tls is read only when istiod
    runs with ENABLE_TLS_ON_SIDECAR_INGRESS=true (default false), and buildInboundListeners then uses it only
    on a port whose PeerAuthentication mTLS mode is DISABLE; the default istiod we model ignores it."""
    src = obj.source
    return Problem(INFO, "a Sidecar ingress listener's tls takes effect only when istiod runs with "
                   "ENABLE_TLS_ON_SIDECAR_INGRESS=true and the port's mTLS mode is DISABLE; like a default "
                   "istiod, the output ignores it", file=src.file, line=src.line, kind=obj.kind,
                   namespace=obj.meta.namespace, name=obj.meta.name, field=f"spec.ingress[{i}].tls")


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
                # chains, clusters (defaultEndpoint) and connection pools are built (build/listener_inbound.py,
                # inbound_sidecar.py, inbound.py sidecar_pool; also inboundConnectionPool); tls is ignored as
                # istiod ignores it by default (listener_inbound.go), which the user should know
                if ing.tls is not None:
                    out.append(_ignored_ingress_tls(obj, i))
    return out

