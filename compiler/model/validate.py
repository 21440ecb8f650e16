"""istiod's webhook validation (pkg/config/validation), per kind, on the typed models.

Only rules that can reject or change a config we translate are implemented; each returns Findings
with the field path. Rules here are written from the documented behaviour, not copied.
"""
from typing import Callable, Iterable

from pydantic import BaseModel

from . import (validate_destination_rule, validate_gateway, validate_service_entry, validate_sidecar,
               validate_virtual_service)
from .findings import Finding

_CHECKS: dict[str, Callable[..., Iterable[Finding]]] = {
    "VirtualService": validate_virtual_service.validate,
    "DestinationRule": validate_destination_rule.validate,
    "Gateway": validate_gateway.validate,
    "ServiceEntry": validate_service_entry.validate,
    "Sidecar": validate_sidecar.validate,
}


def validate_object(kind: str, obj: BaseModel) -> list[Finding]:
    """Webhook findings for an already type-checked object (none for Kubernetes kinds)."""
    check = _CHECKS.get(kind)
    if check is None:
        return []
    return list(check(obj.spec, obj.metadata.namespace or ""))
