"""read_inputs / walk_directory / decode: which texts get parsed, in which order, under which name."""
from __future__ import annotations

import codecs
import os
from pathlib import Path

import pytest

from mesh_compile.diagnostics import ERROR, Problem
from mesh_compile.load.files import InputText, decode, read_inputs, walk_directory

DATA = Path(__file__).resolve().parent / "data" / "load"


def test_walk_order_is_lexical_by_path_component(tmp_path):
    for rel in ["b.yaml", "a.json", "a/z.yml", "a/b/c.YAML", "a-b.yaml", "c/x.txt", "c/.hidden.yaml"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("{}")
    files, errors = walk_directory(str(tmp_path))
    rel = [os.path.relpath(f, tmp_path) for f in files]
    assert rel == ["a/b/c.YAML", "a/z.yml", "a-b.yaml", "a.json", "b.yaml", "c/.hidden.yaml"]
    assert errors == []


def test_walked_names_keep_the_path_as_given():
    root = os.path.relpath(DATA / "tree", Path.cwd()) + os.sep
    names = [t.name for t in read_inputs([root], None) if isinstance(t, InputText)]
    assert names[0] == os.path.join(root, "a", "z.yml")


def test_inputs_come_in_argument_order():
    tree = str(DATA / "tree")
    got = list(read_inputs([str(DATA / "multi.yaml"), tree + "/b.yaml", tree + "/a.json"], None))
    assert [Path(t.name).name for t in got] == ["multi.yaml", "b.yaml", "a.json"]


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root can read anything")
def test_unreadable_file_is_an_error(tmp_path):
    locked = tmp_path / "locked.yaml"
    locked.write_text("a: 1\n")
    locked.chmod(0)
    [problem] = list(read_inputs([str(locked)], None))
    assert isinstance(problem, Problem) and problem.level == ERROR and problem.file == str(locked)


def test_directory_passed_as_file_path_is_walked_not_read():
    got = list(read_inputs([str(DATA / "tree")], None))
    assert all(isinstance(t, InputText) for t in got) and len(got) == 4


@pytest.mark.parametrize("raw, text", [
    (b"a: 1\n", "a: 1\n"),
    (codecs.BOM_UTF8 + b"a: \xc3\xa9\n", "a: é\n"),
    (codecs.BOM_UTF16_LE + "a: é\n".encode("utf-16-le"), "a: é\n"),
    (codecs.BOM_UTF16_BE + "a: é\n".encode("utf-16-be"), "a: é\n"),
])
def test_decode(raw, text):
    assert decode(raw, "f") == InputText("f", text)


def test_decode_error_names_the_line():
    problem = decode(b"a: 1\nb: 2\nc: \xff\n", "f.yaml")
    assert isinstance(problem, Problem) and (problem.level, problem.line) == (ERROR, 3)
