"""One parsed input object (ConfigObject) and `parse_object`, which builds it from a RawObject.

parse_object runs three checks, in the order the Kubernetes API server and istiod would:
  1. kind/apiVersion: kinds we do not read are skipped with an Info;
  2. the typed model (the CRD's structural schema: types, unknown fields, required fields);
  3. istiod's webhook validation for Istio kinds (see validate.py).
Any Error means the object would have been rejected, so no ConfigObject is returned.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import orjson
from pydantic import BaseModel, ValidationError

from ..diagnostics import ERROR, INFO, Problem
from .findings import Finding
from .kinds import KindInfo, lookup, split_api_version
from .meta import ObjectMeta
from .pydantic_errors import findings_from_validation_error
from .validate import validate_object

if TYPE_CHECKING:  # load/ is another stage; only its interface is used here
    from ..load.raw import RawObject
    from ..load.source import Source

__all__ = ["ConfigObject", "ObjectMeta", "parse_object", "parse_data", "typed_object"]


@dataclass
class ConfigObject:
    """One accepted object. `spec` is the kind's spec model; kinds without a spec (Endpoints,
    EndpointSlice, ConfigMap) expose the whole object there too. `obj` is the whole typed object."""

    kind: str
    apiVersion: str
    meta: ObjectMeta
    spec: BaseModel | None
    obj: BaseModel
    source: "Source"

    @property
    def name(self) -> str:
        return self.meta.name

    @property
    def namespace(self) -> str:
        return self.meta.namespace or ""

    def key(self) -> tuple[str, str, str]:
        return self.kind, self.namespace, self.name


def _without_nulls(data: dict) -> dict:
    """`data` without its nulls; `data` itself (not a copy) when it holds none, so callers must not
    mutate the result. Most objects hold no null, and orjson's C encoder tells so in ~2 us where the
    Python walk takes ~15 us; a None anywhere is encoded as `null`. Data orjson cannot encode
    (non-string keys, !!binary, huge integers) takes the walk, which keeps what it finds."""
    try:
        if b"null" not in orjson.dumps(data):
            return data
    except orjson.JSONEncodeError:
        pass
    return _drop_nulls(data)


def _drop_nulls(value: Any) -> Any:
    """`field:` with no value is null; the API server prunes nulls from objects, so do we.
    Scalars (most values) are kept without a call: this runs over every loaded object."""
    if isinstance(value, dict):
        return {k: (_drop_nulls(v) if isinstance(v, (dict, list)) else v)
                for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_nulls(v) if isinstance(v, (dict, list)) else v for v in value]
    return value


class _Located:
    """Turns Findings into Problems that name the object and the line of the field."""

    def __init__(self, raw: "RawObject", kind: str | None, namespace: str | None, name: str | None):
        self.raw, self.kind, self.namespace, self.name = raw, kind, namespace, name

    def problem(self, finding: Finding) -> Problem:
        from ..load.raw import format_path

        src = self.raw.source
        return Problem(level=finding.level, message=finding.message, file=getattr(src, "file", None),
                       line=self.raw.line_of(finding.path), kind=self.kind, namespace=self.namespace,
                       name=self.name, field=format_path(finding.path) or None, code=finding.code)


def _check_kind(data: dict, where: _Located) -> tuple[KindInfo | None, list[Problem]]:
    kind, api_version = data.get("kind"), data.get("apiVersion")
    for key, value in (("apiVersion", api_version), ("kind", kind)):
        if not isinstance(value, str) or not value:
            return None, [where.problem(Finding((key,), f'"{key}" is missing or not a string'))]
    info, finding = _kind_info(api_version, kind)
    return info, [where.problem(finding)] if finding is not None else []


@lru_cache(maxsize=1024)
def _kind_info(api_version: str, kind: str) -> tuple[KindInfo | None, Finding | None]:
    """The KindInfo of a served (apiVersion, kind), else the Finding that skips or rejects it.
    Memoised: a mesh holds a handful of pairs, asked once per object."""
    info = lookup(api_version, kind)
    if info is None:
        return None, Finding((), f"kind {kind} ({api_version}) is not used; skipped", INFO)
    version = split_api_version(api_version)[1]
    if version not in info.versions:
        served = ", ".join(info.api_versions())
        msg = f"apiVersion {api_version} is not served for kind {kind} (use one of: {served})"
        return None, Finding(("apiVersion",), msg)
    return info, None


def parse_object(raw: "RawObject", default_namespace: str = "default") -> tuple[ConfigObject | None, list[Problem]]:
    """Type-check and validate one loaded object. Returns (object, problems); the object is None
    when the kind is skipped or any Error was found."""
    data = raw.data if isinstance(raw.data, dict) else {}
    meta_raw = data.get("metadata")
    if not isinstance(meta_raw, dict):
        meta_raw = {}
    name = meta_raw.get("name")
    namespace = meta_raw.get("namespace")
    kind = data.get("kind")
    where = _Located(raw, kind if isinstance(kind, str) else None,
                     namespace if isinstance(namespace, str) else default_namespace,
                     name if isinstance(name, str) else None)
    if not isinstance(raw.data, dict):
        return None, [where.problem(Finding((), "an object must be a mapping with apiVersion, kind, metadata"))]
    info, problems = _check_kind(data, where)
    if info is None:
        return None, problems
    obj, findings = parse_data(info, data, default_namespace)
    if findings:
        problems = [where.problem(f) for f in findings]
        if any(p.level == ERROR for p in problems):
            return None, problems
    if obj is None:
        return None, problems
    return _config_object(info, data, obj, raw), problems


def typed_object(raw: "RawObject", default_namespace: str = "default") -> ConfigObject | None:
    """The object parse_object(raw, default_namespace) gives when the webhook checks pass, made without
    running them (another process runs them: cli/parallel_load.py); None when parse_object rejects
    or skips the object for its kind or its structural schema."""
    data = raw.data
    if not isinstance(data, dict):
        return None
    api_version, kind = data.get("apiVersion"), data.get("kind")
    if not isinstance(api_version, str) or not isinstance(kind, str) or not api_version or not kind:
        return None
    info = _kind_info(api_version, kind)[0]
    obj = _typed(info, data, default_namespace)[0] if info is not None else None
    return _config_object(info, data, obj, raw) if obj is not None else None


def _config_object(info: KindInfo, data: dict, obj: BaseModel, raw: "RawObject") -> ConfigObject:
    spec = getattr(obj, "spec", obj)
    return ConfigObject(info.kind, data["apiVersion"], obj.metadata, spec, obj, raw.source)


def parse_data(info: KindInfo, data: dict,
               default_namespace: str = "default") -> tuple[BaseModel | None, list[Finding]]:
    """The typed object for `data` (a `kind` we read) and the findings about it; no file needed."""
    obj, findings = _typed(info, data, default_namespace)
    return (obj, validate_object(info.kind, obj)) if obj is not None else (None, findings)


def _typed(info: KindInfo, data: dict, default_namespace: str) -> tuple[BaseModel | None, list[Finding]]:
    """The kind's model of `data` (the structural schema's checks), or None and what is wrong."""
    cleaned = _without_nulls(data)
    if info.istio and "spec" not in cleaned:
        # no spec is an empty spec; the webhook checks then report what is missing (a copy: `cleaned`
        # may be the loaded data)
        cleaned = {**cleaned, "spec": {}}
    try:
        obj = info.model.model_validate(cleaned)
    except ValidationError as exc:
        return None, findings_from_validation_error(exc, cleaned)
    if obj.metadata.namespace is None:
        obj.metadata.namespace = default_namespace
    return obj, []
