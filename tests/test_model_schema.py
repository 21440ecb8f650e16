"""`mesh-compile schema [KIND]`: JSON Schemas generated from the models."""
import jsonschema
import pytest

from mesh_compile.model.schema import json_schema, kind_names

VS = {"apiVersion": "networking.istio.io/v1beta1", "kind": "VirtualService", "metadata": {"name": "r"},
      "spec": {"hosts": ["r"], "http": [{"route": [{"destination": {"host": "r", "subset": "v1"}, "weight": 100}]}]}}


def test_all_schemas_are_valid_json_schema():
    for kind in [None, *kind_names()]:
        jsonschema.Draft202012Validator.check_schema(json_schema(kind))


def test_kind_lookup_is_case_insensitive_and_unknown_kinds_raise():
    assert json_schema("virtualservice")["properties"]["kind"]["const"] == "VirtualService"
    with pytest.raises(ValueError, match="known kinds"):
        json_schema("HTTPRoute")


def test_schema_accepts_a_valid_object_and_rejects_unknown_fields_and_wrong_versions():
    any_kind = json_schema(None)
    jsonschema.validate(VS, any_kind)
    jsonschema.validate(VS, json_schema("VirtualService"))
    bad = {**VS, "spec": {**VS["spec"], "hostz": []}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, json_schema("VirtualService"))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**VS, "apiVersion": "networking.istio.io/v2"}, any_kind)


def test_locality_from_keeps_its_yaml_name():
    schema = json_schema("DestinationRule")
    assert "from" in schema["$defs"]["LocalityDistribute"]["properties"]


def test_empty_defaults_are_shown_in_the_schema():
    """Fields whose default is an empty list/map (built per object by a factory) still show it."""
    props = json_schema("VirtualService")["$defs"]["VirtualServiceSpec"]["properties"]
    assert props["hosts"]["default"] == [] and props["http"]["default"] == []
    assert json_schema("Pod")["$defs"]["ObjectMeta"]["properties"]["labels"]["default"] == {}
