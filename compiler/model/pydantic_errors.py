"""Turn pydantic's ValidationError into Findings a user can act on.

pydantic's `loc` is a path through the *model*; it may carry extra segments that are not in the
input (union member tags such as "int", "[key]" for bad map keys). We walk the input data along the
loc to keep only real keys, so the path matches `spec.http[0].route[1].weight` and RawObject.line_of.
"""
from typing import Any

from pydantic import ValidationError

from .findings import Finding, Path, error

_TYPE_WORDS = {
    "int_type": "an integer", "int_parsing": "an integer", "int_from_float": "an integer",
    "string_type": "a string", "bool_type": "a boolean (true or false)", "bool_parsing": "a boolean",
    "float_type": "a number", "float_parsing": "a number",
    "model_type": "an object (a mapping of fields)", "model_attributes_type": "an object (a mapping of fields)",
    "dict_type": "a mapping", "list_type": "a list",
}


def describe_value(value: Any) -> str:
    """How a YAML value looks to a user: `string "80"`, `integer 80`, `a list`."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, int):
        return f"integer {value}"
    if isinstance(value, float):
        return f"number {value:g}"
    if isinstance(value, str):
        shown = value if len(value) <= 60 else value[:57] + "..."
        return f'string "{shown}"'
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def input_path(loc: tuple, data: Any) -> tuple[Path, bool]:
    """(path of real input keys along `loc`, whether the loc had a map-key segment)."""
    path: list[str | int] = []
    current, bad_key = data, False
    for seg in loc:
        if seg == "[key]":
            bad_key = True
            break
        if isinstance(current, dict):
            path.append(seg)
            if seg not in current:  # a missing field: keep its name, nothing to descend into
                break
            current = current[seg]
        elif isinstance(current, list) and isinstance(seg, int) and 0 <= seg < len(current):
            path.append(seg)
            current = current[seg]
        else:  # a scalar: remaining segments are the model's, not the input's
            break
    return tuple(path), bad_key


def _message(err: dict, bad_key: bool) -> str:
    etype, ctx, value = err["type"], err.get("ctx") or {}, err.get("input")
    name = err["loc"][-1] if err["loc"] else ""
    if bad_key:
        return f"map keys must be strings, got {describe_value(value)}"
    if etype == "missing":
        return f'required field "{name}" is missing'
    if etype == "extra_forbidden":
        return f'unknown field "{name}"'
    if etype in _TYPE_WORDS:
        return f"expected {_TYPE_WORDS[etype]}, got {describe_value(value)}"
    if etype == "literal_error":
        return f"must be one of {ctx.get('expected')}; got {describe_value(value)}"
    if etype in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        op = {"greater_than_equal": ">=", "greater_than": ">", "less_than_equal": "<=", "less_than": "<"}[etype]
        bound = next(iter(ctx.values()), "?")
        return f"must be {op} {bound}, got {describe_value(value)}"
    if etype == "too_long":
        return f"at most {ctx.get('max_length')} entries allowed, got {ctx.get('actual_length')}"
    if etype == "string_too_long":
        return f"at most {ctx.get('max_length')} characters allowed"
    if etype == "value_error":
        return str(ctx.get("error", err["msg"]))
    return err["msg"]


def _merge(msgs: list[str]) -> str:
    """Several union members failing on one value: "expected an integer or a string, got ..."."""
    expected = [m.split(", got ")[0].removeprefix("expected ") for m in msgs if m.startswith("expected ")]
    if len(expected) == len(msgs) and len(msgs) > 1:
        got = msgs[0].split(", got ", 1)[1]
        return f"expected {' or '.join(dict.fromkeys(expected))}, got {got}"
    return "; ".join(dict.fromkeys(msgs))


def findings_from_validation_error(exc: ValidationError, data: Any, prefix: Path = ()) -> list[Finding]:
    """One Finding per offending input path, in the order pydantic reported them."""
    grouped: dict[Path, list[str]] = {}
    for err in exc.errors(include_url=False):
        path, bad_key = input_path(err["loc"], data)
        grouped.setdefault(path, []).append(_message(err, bad_key))
    return [error(prefix + path, _merge(msgs)) for path, msgs in grouped.items()]

