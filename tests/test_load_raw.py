"""RawObject.line_of and friends: lines of nested fields, found lazily from the object's text."""
from __future__ import annotations

from pathlib import Path

import pytest

from mesh_compile.diagnostics import ERROR
from mesh_compile.load import RawObject, Source, format_path, load_paths, load_text
from mesh_compile.load.yaml_loader import Loader, PureLoader

DATA = Path(__file__).resolve().parent / "data" / "load"


@pytest.fixture(scope="module")
def vs() -> RawObject:
    return load_paths([str(DATA / "multi.yaml")]).objects[0]


@pytest.mark.parametrize("path, line", [
    ((), 2),
    (("metadata", "name"), 5),
    (("spec", "hosts", 0), 9),
    (("spec", "http", 0, "match", 0, "headers", "end-user", "exact"), 14),
    (("spec", "http", 1), 19),
    (("spec", "http", 1, "route", 0, "destination", "subset"), 22),
    (("spec", "http", 1, "route", 1, "weight"), 25),
    (("spec", "http", 1, "route", 1, "destination", "subset"), 24),  # inside a flow mapping
    (("spec", "http", 1, "route"), 19),  # a block value reports its key's line
])
def test_line_of_nested_paths(vs, path, line):
    assert vs.line_of(path) == line


@pytest.mark.parametrize("path, line", [
    (("spec", "http", 1, "route", 7, "weight"), 19),  # index past the end: the list's key
    (("spec", "http", 0, "timeout"), 11),  # missing key: the enclosing list item
    (("spec", "hosts", "x"), 8),  # a key into a list
    (("spec", "hosts", 0, "deeper"), 9),  # a key into a scalar
    (("nope",), 2),  # nothing matches: the object's line
])
def test_line_of_falls_back_to_deepest_existing_ancestor(vs, path, line):
    assert vs.line_of(path) == line


def test_second_object_lines_are_file_lines():
    dr = load_paths([str(DATA / "multi.yaml")]).objects[1]
    assert dr.line_of(("spec", "subsets", 0, "labels", "version")) == 38


@pytest.mark.parametrize("loader", [Loader, PureLoader], ids=["default", "pure-python"])
def test_line_of_list_items(loader):
    items = load_text((DATA / "list.yaml").read_text(), "list.yaml", loader).objects
    assert items[1].line_of(("spec", "ports", 1, "port")) == 25
    assert items[1].line_of(("metadata", "namespace")) == 19
    assert items[2].line_of(("subsets", 0, "addresses", 0, "ip")) == 34


def test_line_of_json_objects():
    gw, svc = load_paths([str(DATA / "array.json")]).objects
    assert gw.line_of(("spec", "servers", 0, "hosts", 0)) == 9
    assert gw.line_of(("spec", "selector", "istio")) == 7
    assert svc.line_of(("metadata", "name")) == 13


def test_line_of_with_crlf_and_non_ascii_text():
    text = ("# ünïcødé 😀 before\r\napiVersion: v1\r\nkind: List\r\nitems:\r\n"
            "- apiVersion: v1 # é\r\n  kind: Service\r\n  metadata:\r\n    name: ü😀\r\n    namespace: x\r\n")
    [svc] = load_text(text, "crlf.yaml").objects
    assert svc.source.line == 5
    assert svc.data["metadata"]["name"] == "ü😀"
    assert svc.line_of(("metadata", "namespace")) == 9


def test_line_of_follows_last_duplicate_key_and_merge_keys():
    text = ("apiVersion: v1\nkind: X\nbase: &b\n  port: 1\nspec:\n  port: 2\n  port: 3\n"
            "merged:\n  <<: *b\n  other: 4\n")
    [obj] = load_text(text, "m.yaml").objects
    assert obj.data["spec"]["port"] == 3 and obj.line_of(("spec", "port")) == 7
    assert obj.data["merged"]["port"] == 1 and obj.line_of(("merged", "port")) == 4


def test_line_of_when_the_object_text_does_not_compose_alone():
    text = "x: &n {name: a}\n---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: S\n  metadata: *n\n"
    result = load_text(text, "a.yaml")
    # the anchor lives in another document, so this one fails as a whole; no traceback either way
    assert result.fatal and result.objects == []
    text = "apiVersion: v1\nkind: List\nx: &n {name: a}\nitems:\n- apiVersion: v1\n  kind: S\n  metadata: *n\n"
    [obj] = load_text(text, "a.yaml").objects
    assert obj.data["metadata"] == {"name": "a"}
    assert obj.line_of(("metadata", "name")) == obj.source.line == 5  # alias out of the item's text


def test_object_made_in_code_uses_its_source_line():
    obj = RawObject({"kind": "Service", "spec": {"a": 1}}, Source("gen", 7))
    assert obj.line_of(("spec", "a")) == 7 and obj.line_of(()) == 7


def test_problem_points_at_the_field():
    vs = load_paths([str(DATA / "multi.yaml")]).objects[0]
    p = vs.problem(ERROR, "weights must sum to 100", ("spec", "http", 1, "route", 1, "weight"), code="IST0000")
    assert (p.file, p.line, p.kind, p.namespace, p.name) == (str(DATA / "multi.yaml"), 25, "VirtualService", "default", "reviews")
    assert p.field == "spec.http[1].route[1].weight"
    assert p.render().startswith("Error [IST0000] (VirtualService default/reviews ")


@pytest.mark.parametrize("path, text", [
    ((), ""), (("spec",), "spec"), (("a", 0, "b", 12), "a[0].b[12]"), ((0, "x"), "[0].x"),
])
def test_format_path(path, text):
    assert format_path(path) == text


def test_accessors_tolerate_odd_metadata():
    obj = RawObject({"kind": 3, "apiVersion": "v1", "metadata": ["x"]}, Source("f", 1))
    assert (obj.kind, obj.api_version, obj.name, obj.namespace) == (None, "v1", None, None)
