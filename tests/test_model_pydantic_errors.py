"""pydantic errors become Findings with input paths and plain messages."""
from pydantic import BaseModel, ValidationError

from mesh_compile.model.pydantic_errors import describe_value, findings_from_validation_error, input_path
from mesh_compile.model.scalars import K8S_CONFIG


class _Port(BaseModel):
    model_config = K8S_CONFIG
    targetPort: int | str | None = None


class _Obj(BaseModel):
    model_config = K8S_CONFIG
    ports: list[_Port] = []
    labels: dict[str, str] = {}


def _findings(data):
    try:
        _Obj.model_validate(data)
    except ValidationError as exc:
        return [(f.path, f.message) for f in findings_from_validation_error(exc, data, prefix=("spec",))]
    return []


def test_union_member_tags_are_dropped_and_messages_merged():
    assert _findings({"ports": [{"targetPort": 1.5}]}) == [
        (("spec", "ports", 0, "targetPort"), "expected an integer or a string, got number 1.5")]


def test_non_string_map_key_is_named():
    assert _findings({"labels": {1: "a"}}) == [(("spec", "labels", 1), "map keys must be strings, got integer 1")]


def test_missing_key_keeps_its_name():
    assert input_path(("spec", "host"), {"spec": {}}) == (("spec", "host"), False)


def test_describe_value():
    assert [describe_value(v) for v in (None, True, 3, 2.5, "x", {}, [])] == [
        "null", "boolean true", "integer 3", "number 2.5", 'string "x"', "a mapping", "a list"]
    assert describe_value("y" * 100).endswith('..."')
