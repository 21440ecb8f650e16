"""load_paths / load_text: files, directories, stdin, multi-document YAML, Lists, JSON, errors."""
from __future__ import annotations

import io
from pathlib import Path

import pytest

from mesh_compile.diagnostics import ERROR, WARNING
from mesh_compile.load import Source, load_paths, load_text
from mesh_compile.load.yaml_loader import HAVE_LIBYAML, Loader, PureLoader

DATA = Path(__file__).resolve().parent / "data" / "load"
LOADERS = [pytest.param(Loader, id="default"), pytest.param(PureLoader, id="pure-python")]


def names(result) -> list[str]:
    return [o.data["metadata"]["name"] for o in result.objects]


def test_libyaml_is_used_when_available():
    import yaml

    assert HAVE_LIBYAML == hasattr(yaml, "CSafeLoader")
    assert issubclass(Loader, getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def test_multi_document_file_skips_empty_documents():
    path = str(DATA / "multi.yaml")
    result = load_paths([path])
    assert [o.data["kind"] for o in result.objects] == ["VirtualService", "DestinationRule"]
    assert [o.source for o in result.objects] == [Source(path, 2), Source(path, 30)]
    assert result.problems == [] and result.fatal == []


@pytest.mark.parametrize("loader_cls", LOADERS)
def test_list_items_are_flattened_with_their_own_lines(loader_cls):
    path = str(DATA / "list.yaml")
    result = load_text((DATA / "list.yaml").read_text(), path, loader_cls)
    got = [(o.data["kind"], o.data["metadata"]["name"], o.source.line) for o in result.objects]
    assert got == [("Service", "ratings", 6), ("Service", "reviews", 15), ("Endpoints", "ratings", 30)]


def test_typed_list_items_get_kind_and_api_version_from_the_list():
    ep = load_paths([str(DATA / "list.yaml")]).objects[2]
    assert ep.data["apiVersion"] == "v1" and ep.data["kind"] == "Endpoints"
    assert ep.data["subsets"][0]["addresses"][0]["ip"] == "10.1.0.7"


def test_items_of_a_plain_list_must_name_their_own_kind():
    result = load_text("apiVersion: v1\nkind: List\nitems:\n- metadata: {name: x}\n", "l.yaml")
    assert result.objects == []
    assert [(p.level, p.line) for p in result.problems] == [(WARNING, 4)]
    assert "apiVersion or kind" in result.problems[0].message


def test_nested_and_empty_lists():
    text = ("kind: List\nitems:\n- kind: List\n  items:\n  - {apiVersion: v1, kind: Pod, metadata: {name: p}}\n"
            "---\nkind: ServiceList\napiVersion: v1\nitems: []\n")
    result = load_text(text, "n.yaml")
    assert [(o.data["kind"], o.source.line) for o in result.objects] == [("Pod", 5)]
    assert result.problems == []


@pytest.mark.parametrize("loader_cls", LOADERS)
def test_json_array_of_objects(loader_cls):
    path = str(DATA / "array.json")
    result = load_text((DATA / "array.json").read_text(), path, loader_cls)
    assert [(o.data["kind"], o.source.line) for o in result.objects] == [("Gateway", 2), ("Service", 13)]
    gw = result.objects[0].data
    assert gw["spec"]["servers"][0]["port"] == {"number": 80, "name": "http", "protocol": "HTTP"}


def test_json_object_file():
    result = load_paths([str(DATA / "tree" / "a.json")])
    assert names(result) == ["a-json"]


def test_stdin_is_read_for_dash():
    stdin = io.StringIO("\ufeffapiVersion: v1\nkind: Service\nmetadata: {name: from-stdin}\n")
    result = load_paths(["-"], stdin=stdin)
    assert names(result) == ["from-stdin"]
    assert result.objects[0].source == Source("<stdin>", 1)


def test_stdin_bytes_are_decoded_as_utf8():
    class BinaryStdin(io.StringIO):
        buffer = io.BytesIO("kind: Service\napiVersion: v1\nmetadata: {name: café}\n".encode())

    assert names(load_paths(["-"], stdin=BinaryStdin())) == ["café"]


def test_stdin_given_twice_is_read_once():
    stdin = io.StringIO("apiVersion: v1\nkind: Service\nmetadata: {name: s}\n")
    result = load_paths(["-", "-"], stdin=stdin)
    assert names(result) == ["s"]
    assert [p.level for p in result.problems] == [WARNING]


def test_directory_walk_is_recursive_sorted_and_filtered():
    root = str(DATA / "tree")
    result = load_paths([root])
    assert names(result) == ["a-z", "a-json", "b", "deep"]  # a/z.yml sorts before a.json, like kubectl -R
    assert result.objects[0].source.file == str(Path(root) / "a" / "z.yml")


def test_explicit_file_is_read_whatever_its_extension():
    assert names(load_paths([str(DATA / "tree" / "readme.txt")])) == ["not-loaded"]


def test_empty_directory_is_a_warning(tmp_path):
    result = load_paths([str(tmp_path)])
    assert result.objects == [] and result.fatal == []
    assert [p.level for p in result.problems] == [WARNING]


def test_missing_path_is_fatal_and_named(tmp_path):
    missing = str(tmp_path / "nope.yaml")
    result = load_paths([missing, str(DATA / "tree" / "b.yaml")])
    assert names(result) == ["b"]  # other inputs still load
    assert [(p.level, p.file) for p in result.fatal] == [(ERROR, missing)]
    assert "no such file" in result.fatal[0].message


@pytest.mark.parametrize("loader_cls", LOADERS)
def test_syntax_error_has_file_and_line_and_earlier_documents_load(loader_cls):
    path = str(DATA / "bad.yaml")
    result = load_text((DATA / "bad.yaml").read_text(), path, loader_cls)
    assert names(result) == ["fine"]
    [err] = result.fatal
    assert (err.level, err.file, err.line) == (ERROR, path, 10)
    assert "mapping values are not allowed" in err.message


def test_syntax_errors_of_every_file_are_reported(tmp_path):
    (tmp_path / "one.yaml").write_text("a: [1, 2\n")
    (tmp_path / "two.yaml").write_text("kind: Service\napiVersion: v1\nmetadata: {name: ok}\n")
    (tmp_path / "three.json").write_text('{"kind": "Service",\n "apiVersion": "v1"\n "x": 1}\n')  # missing comma
    result = load_paths([str(tmp_path)])
    assert names(result) == ["ok"]
    assert sorted((Path(p.file).name, p.line) for p in result.fatal) == [("one.yaml", 2), ("three.json", 3)]
    assert all(p.render().startswith("Error (") for p in result.fatal)


def test_bad_encoding_and_control_characters_are_fatal_with_a_line(tmp_path):
    (tmp_path / "latin1.yaml").write_bytes(b"kind: Service\nmetadata: {name: caf\xe9}\n")
    (tmp_path / "ctrl.yaml").write_text("kind: Service\napiVersion: v1\nmetadata: {name: \"a\x01\"}\n")
    result = load_paths([str(tmp_path)])
    assert result.objects == []
    assert sorted((Path(p.file).name, p.line) for p in result.fatal) == [("ctrl.yaml", 3), ("latin1.yaml", 2)]


def test_unconstructable_value_skips_only_its_document():
    text = ("apiVersion: v1\nkind: A\nmetadata: {name: a}\nspec: !custom 1\n---\n"
            "apiVersion: v1\nkind: B\nmetadata: {name: b}\n")
    result = load_text(text, "t.yaml")
    assert names(result) == ["b"]
    assert [(p.level, p.line) for p in result.fatal] == [(ERROR, 4)]
    assert "!custom" in result.fatal[0].message


@pytest.mark.parametrize("doc, expect", [
    ("just a string", "string"), ("- 1\n- [2]\n", "number"), ("42", "number"),
])
def test_non_mapping_documents_are_warnings(doc, expect):
    result = load_text("apiVersion: v1\nkind: Service\nmetadata: {name: ok}\n---\n" + doc, "w.yaml")
    assert names(result) == ["ok"]
    assert result.fatal == []
    assert result.problems and all(p.level == WARNING and p.line == 5 for p in result.problems[:1])
    assert expect in result.problems[0].message


def test_objects_without_kind_or_api_version_are_warnings():
    text = "kind: Service\nmetadata: {name: x, namespace: ns}\n---\napiVersion: v1\nkind: ''\n---\n{}\n"
    result = load_text(text, "k.yaml")
    assert result.objects == []
    assert [(p.line, p.name, p.namespace) for p in result.problems] == [(1, "x", "ns"), (4, None, None), (7, None, None)]
    assert "apiVersion" in result.problems[0].message and "kind" in result.problems[1].message


def test_a_file_yaml_rs_reads_does_not_import_pyyaml():
    """PyYAML's import (~20 ms of every run) is paid only when libyaml reads a file or a line is looked up."""
    import subprocess
    import sys

    code = ("import sys; from mesh_compile.pipeline import load_mesh; "
            f"m = load_mesh([{str(DATA / 'multi.yaml')!r}]); "
            "assert m.objects and 'yaml' not in sys.modules, sorted(sys.modules)")
    subprocess.run([sys.executable, "-c", code], check=True)
