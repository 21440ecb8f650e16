"""Field types shared by the models: CRD integer ranges and duration strings.

Models run in pydantic strict mode, like the CRD's structural schema: "80" is not an integer and
1 is not a string. Durations stay strings (what the user wrote); they are checked to parse, and most
Istio durations must also be at least 1ms, as the CRD's `duration(self) >= duration('1ms')` rule says.
"""
from typing import Annotated, Any

from pydantic import AfterValidator, ConfigDict, Field

from .duration import parse_duration_nanos

# defer_build (here and on every other model config: a mix was slower, as a non-deferred model then
# rebuilds its deferred children's schemas): schemas are built when a kind is first validated, not at
# import, so commands that never validate a kind do not pay for it.
# Istio specs: unknown fields are errors, as the CRD's structural schema prunes/rejects them.
ISTIO_CONFIG = ConfigDict(extra="forbid", strict=True, defer_build=True)
# Kubernetes objects carry many fields we do not read; only the ones we read are typed.
K8S_CONFIG = ConfigDict(extra="ignore", strict=True, defer_build=True)

UInt32 = Annotated[int, Field(ge=0, le=4294967295)]
Int32 = Annotated[int, Field(ge=-(2**31), le=2**31 - 1)]
NonNegativeInt = Annotated[int, Field(ge=0)]
Percent = Annotated[float, Field(ge=0, le=100)]


def _check_duration(value: str) -> str:
    parse_duration_nanos(value)
    return value


def _check_min_1ms(value: str) -> str:
    if parse_duration_nanos(value) < 1_000_000:
        raise ValueError(f"duration {value!r} must be at least 1ms")
    return value


# Any duration Go's time.ParseDuration accepts (tcp idleTimeout, cookie ttl, mesh fields).
Duration = Annotated[str, AfterValidator(_check_duration)]
# A duration the CRD requires to be >= 1ms (timeouts, intervals, delays).
PositiveDuration = Annotated[str, AfterValidator(_check_min_1ms)]


# `field: list[X] = []` makes pydantic deep-copy the default for every object that omits the field
# (copy.deepcopy of an unhashable default: ~5 us, some 30,000 times for a 5,000-object mesh). A factory
# builds the empty value in ~0.1 us; the JSON Schema still shows the default (`mesh-compile schema`),
# and exclude_defaults / model_fields_set treat it as before. The factories are Python functions, not
# `list`: pydantic reads each factory's signature when it builds a schema, and `list`'s is parsed
# from text (~0.3 ms each, 70 fields). Use new_list for a `default_factory` with constraints.
def new_list() -> list:
    return []


def new_dict() -> dict:
    return {}


def empty_list() -> Any:
    """The default `[]`, as a Field."""
    return Field(default_factory=new_list, json_schema_extra={"default": []})


def empty_dict() -> Any:
    """The default `{}`, as a Field."""
    return Field(default_factory=new_dict, json_schema_extra={"default": {}})
