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
                for j, match in enumerate(http.match):
                    claims = [k for k in (*match.headers, *match.withoutHeaders) if k.lower().startswith("@request.auth.claims")]
                    if claims:
                        out.append(_problem(obj, f"spec.http[{i}].match[{j}].headers", "routing on JWT claims"))
        elif obj.kind == "DestinationRule":
            policies = [("spec.trafficPolicy", spec.trafficPolicy)] + [
                (f"spec.subsets[{i}].trafficPolicy", sub.trafficPolicy) for i, sub in enumerate(spec.subsets)]
            for path, policy in policies:
                for field in ("tunnel", "proxyProtocol", "retryBudget"):
                    if policy is not None and getattr(policy, field, None) is not None:
                        out.append(_problem(obj, f"{path}.{field}", f"DestinationRule {field}"))
        elif obj.kind == "Gateway":
            for i, server in enumerate(spec.servers):
                what = _gateway_server_gap(server)
                if what:
                    out.append(_problem(obj, f"spec.servers[{i}].tls", what))
    return out


def _gateway_server_gap(server: Any) -> str | None:
    """What compiler/build/listener_gateway.py cannot build for a server yet: TLS termination whose
    certificate does not come from one credentialName (files, tlsCertificates, credentialNames, ISTIO_MUTUAL)."""
    proto = (server.port.protocol or "").upper()
    tls = server.tls
    if tls is not None and tls.mode == "AUTO_PASSTHROUGH":
        return "an AUTO_PASSTHROUGH gateway server (its SNI-DNAT clusters and listener chains are left out)"
    if tls is None or proto not in ("HTTPS", "TLS") or (tls.mode or "SIMPLE") == "PASSTHROUGH":
        return None
    if (tls.mode or "SIMPLE") == "ISTIO_MUTUAL":
        return "an ISTIO_MUTUAL gateway server (its listener is left out)"
    if not tls.credentialName or tls.credentialNames or tls.tlsCertificates:
        return "TLS termination with certificate files, tlsCertificates or credentialNames (the server's listener chain is left out)"
    return None
