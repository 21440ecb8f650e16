"""Messages shared by several Istio networking kinds (istio.io/api networking/v1alpha3)."""
from pydantic import BaseModel, Field, model_validator

from .scalars import ISTIO_CONFIG, Int32, UInt32, empty_dict, empty_list


def _at_most_one(model: BaseModel, names: tuple[str, ...], what: str) -> None:
    """The CRD's `oneOf` on a proto oneof: at most one of `names` may be set."""
    present = [n for n in names if getattr(model, n) is not None]
    if len(present) > 1:
        raise ValueError(f"{what}: only one of {', '.join(names)} may be set (found {', '.join(present)})")


class StringMatch(BaseModel):
    """exact | prefix | regex (RE2). An empty StringMatch is allowed (Envoy presence match)."""

    model_config = ISTIO_CONFIG
    exact: str | None = None
    prefix: str | None = None
    regex: str | None = None

    @model_validator(mode="after")
    def _one_of(self) -> "StringMatch":
        _at_most_one(self, ("exact", "prefix", "regex"), "string match")
        return self

    def kind_value(self) -> tuple[str | None, str | None]:
        """('exact'|'prefix'|'regex', value), or (None, None) for an empty match."""
        for name in ("exact", "prefix", "regex"):
            value = getattr(self, name)
            if value is not None:
                return name, value
        return None, None


class PortSelector(BaseModel):
    model_config = ISTIO_CONFIG
    number: UInt32 | None = None


class Destination(BaseModel):
    model_config = ISTIO_CONFIG
    host: str
    subset: str | None = None
    port: PortSelector | None = None


class HeaderOperations(BaseModel):
    model_config = ISTIO_CONFIG
    set: dict[str, str] = empty_dict()
    add: dict[str, str] = empty_dict()
    remove: list[str] = empty_list()


class Headers(BaseModel):
    model_config = ISTIO_CONFIG
    request: HeaderOperations | None = None
    response: HeaderOperations | None = None


class Percent(BaseModel):
    """istio.networking.v1alpha3.Percent: a double 0..100."""

    model_config = ISTIO_CONFIG
    value: float | None = None


class WorkloadSelector(BaseModel):
    """Gateway-style selector used by ServiceEntry and Sidecar (`labels`)."""

    model_config = ISTIO_CONFIG
    labels: dict[str, str] = empty_dict()


class MatchLabelsSelector(BaseModel):
    """type.v1beta1.WorkloadSelector used by DestinationRule (`matchLabels`)."""

    model_config = ISTIO_CONFIG
    matchLabels: dict[str, str] = Field(default_factory=dict)


class Port(BaseModel):
    """Gateway server port / Sidecar listener port."""

    model_config = ISTIO_CONFIG
    number: UInt32 | None = None
    protocol: str | None = None
    name: str | None = None
    targetPort: UInt32 | None = None


__all__ = [
    "StringMatch", "PortSelector", "Destination", "HeaderOperations", "Headers", "Percent",
    "WorkloadSelector", "MatchLabelsSelector", "Port", "Int32", "UInt32",
]
