"""JSON Schema of the objects mesh-compile accepts, generated from the pydantic models
(for `mesh-compile schema [KIND]`)."""
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from .kinds import KINDS, KindInfo
from .mesh_config import MeshConfig

_DRAFT = "https://json-schema.org/draft/2020-12/schema"


def kind_names() -> list[str]:
    return [*KINDS, "MeshConfig"]


def _resolve_kind(kind: str) -> str:
    """Case-insensitive kind name: "virtualservice" -> "VirtualService"."""
    for name in kind_names():
        if name.lower() == kind.lower():
            return name
    raise ValueError(f"unknown kind {kind!r}; known kinds: {', '.join(kind_names())}")


def _pin_kind(schema: dict[str, Any], info: KindInfo) -> dict[str, Any]:
    """Narrow `apiVersion` and `kind` to what parse_object accepts for this kind."""
    props = schema.get("properties", {})
    props["apiVersion"] = {"type": "string", "enum": list(info.api_versions())}
    props["kind"] = {"type": "string", "const": info.kind}
    return schema


def json_schema(kind: str | None = None) -> dict[str, Any]:
    """The schema of one kind (case-insensitive name; "MeshConfig" for the mesh config), or of any
    accepted object when `kind` is None. ValueError for an unknown kind."""
    if kind is not None:
        name = _resolve_kind(kind)
        model: type[BaseModel] = MeshConfig if name == "MeshConfig" else KINDS[name].model
        schema = model.model_json_schema()
        if name != "MeshConfig":
            _pin_kind(schema, KINDS[name])
        return {"$schema": _DRAFT, **schema}
    infos = list(KINDS.values())
    refs, top = models_json_schema([(info.model, "validation") for info in infos], ref_template="#/$defs/{model}")
    defs = top.get("$defs", {})
    for info in infos:
        ref = refs[(info.model, "validation")]["$ref"].rsplit("/", 1)[-1]
        _pin_kind(defs[ref], info)
    return {
        "$schema": _DRAFT,
        "title": "mesh-compile input object",
        "oneOf": [refs[(info.model, "validation")] for info in infos],
        "$defs": defs,
    }
