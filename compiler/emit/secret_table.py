"""`istioctl pc secret` (items already digested from certificates) and the `pc all` bootstrap summary."""
from __future__ import annotations

from typing import Any

from mesh_compile.emit.go_tabwriter import tabwrite
from mesh_compile.emit.table_cells import as_text, as_uint, tab_row
from mesh_compile.emit.table_gates import SECRET_TRUST_DOMAIN, Version, since


def secrets_table(items: list[dict] | None, version: Version, *, with_type_prefix: bool = False) -> str:
    """The secret table of `pc all`/`pc secret`. Items: name, type, state, valid, serialNumber,
    notAfter, notBefore, trustDomain (the SecretItem fields). None means the dump had no secrets."""
    if items is None:
        return "No active or warming secrets found.\n"
    if not items:
        return "No secret items to show.\n"
    columns = ["RESOURCE NAME", "TYPE", "STATUS", "VALID CERT", "SERIAL NUMBER", "NOT AFTER", "NOT BEFORE"]
    trust = since(version, SECRET_TRUST_DOMAIN) and all(as_text(i.get("trustDomain")) for i in items)
    text = "\t".join(columns + (["TRUST DOMAIN"] if trust else [])) + "\n"
    for item in items:
        name = as_text(item.get("name"))
        cells = [f"secret/{name}" if with_type_prefix else name, as_text(item.get("type")),
                 as_text(item.get("state")), "true" if item.get("valid") is True else "false",
                 as_text(item.get("serialNumber")), as_text(item.get("notAfter")), as_text(item.get("notBefore"))]
        text += tab_row(*cells, *([as_text(item.get("trustDomain"))] if trust else []))
    return tabwrite(text, padding=5)


def bootstrap_summary(bootstrap: dict) -> str:
    """Istio Version / Istio Proxy Version / Envoy Version lines (configdump.go PrintBootstrapSummary)."""
    node = bootstrap.get("node") if isinstance(bootstrap.get("node"), dict) else {}
    metadata = node.get("metadata") if isinstance(node.get("metadata"), dict) else {}
    istio_version = as_text(metadata.get("ISTIO_VERSION"))
    sha = as_text(metadata.get("ISTIO_PROXY_SHA"))
    if len(sha.split(":")) > 1:
        sha = sha.split(":")[1]
    text = f"Istio Version:\t{istio_version}\n" if istio_version else ""
    text += f"Istio Proxy Version:\t{sha}\n" if sha else ""
    text += f"Envoy Version:\t{_envoy_version(node.get('userAgentBuildVersion'))}\n"
    return tabwrite(text, padding=1)


def _envoy_version(build: Any) -> str:
    build = build if isinstance(build, dict) else {}
    number = build.get("version") if isinstance(build.get("version"), dict) else {}
    text = f"{as_uint(number.get('majorNumber'))}.{as_uint(number.get('minorNumber'))}.{as_uint(number.get('patch'))}"
    fields = build.get("metadata") if isinstance(build.get("metadata"), dict) else {}
    for key, lead in (("build.label", "-"), ("revision.status", "/"), ("build.type", "/"), ("ssl.version", "/")):
        if key in fields:
            text += lead + as_text(fields[key])
    return text
