"""Kubernetes object metadata, the part of every object we read."""
from datetime import date, datetime

from pydantic import BaseModel, field_validator

from .scalars import K8S_CONFIG, empty_dict


class ObjectMeta(BaseModel):
    model_config = K8S_CONFIG
    name: str
    namespace: str | None = None
    labels: dict[str, str] = empty_dict()
    annotations: dict[str, str] = empty_dict()
    creationTimestamp: str | None = None

    @field_validator("creationTimestamp", mode="before")
    @classmethod
    def _timestamp_text(cls, value: object) -> object:
        # A plain YAML loader turns an unquoted RFC 3339 time into a datetime; keep the text form.
        if isinstance(value, datetime):
            return value.isoformat().replace("+00:00", "Z")
        if isinstance(value, date):
            return value.isoformat()
        return value
