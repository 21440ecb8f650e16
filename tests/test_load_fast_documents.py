"""fast_documents: yaml-rs reads a file only where the result equals the libyaml loader's, objects, lines
and field lines alike; everything else goes to libyaml (None)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mesh_compile.load import load_text
from mesh_compile.load.fast_documents import fast_documents

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
HEAD = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n"


def _inputs() -> list[Path]:
    roots = [REPO / "golden", REPO / "compiler" / "examples", REPO / "tests" / "data",
             SHARED / "reference" / "istio"]
    found = [p for root in roots if root.is_dir()
             for p in root.rglob("*") if p.suffix in (".yaml", ".yml", ".json") and p.stat().st_size < 2_000_000]
    return sorted(found)


def _leaf_paths(value: Any, prefix: tuple = ()) -> Iterator[tuple]:
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaf_paths(item, prefix + (key,))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _leaf_paths(item, prefix + (i,))


def assert_same_as_libyaml(text: str) -> None:
    fast, slow = load_text(text, "f.yaml"), load_text(text, "f.yaml", fast=False)
    # repr, not ==: `.nan` reads as a NaN in both, and NaN != NaN
    assert [repr(o.data) for o in fast.objects] == [repr(o.data) for o in slow.objects]
    assert [o.source for o in fast.objects] == [o.source for o in slow.objects]
    assert [str(p) for p in fast.problems + fast.fatal] == [str(p) for p in slow.problems + slow.fatal]
    for a, b in zip(fast.objects, slow.objects):
        for path in _leaf_paths(a.data):
            assert a.line_of(path) == b.line_of(path), path


def test_inputs_exist():
    assert len(_inputs()) > 20


@pytest.mark.parametrize("path", _inputs(), ids=lambda p: str(p.relative_to(p.parents[2])))
def test_every_input_we_have_loads_the_same(path: Path):
    assert_same_as_libyaml(path.read_text(encoding="utf-8-sig"))


def test_a_plain_multi_document_file_is_read_by_yaml_rs_with_lines():
    text = f"# comment\n---\n{HEAD}data:\n  x: '1'\n---\n\n  # indented comment\n{HEAD}---\n"
    docs = fast_documents(text)
    assert [d.span.line + 1 for d in docs] == [3, 12]
    assert_same_as_libyaml(text)


def test_dashes_inside_a_line_do_not_split_documents():
    text = f"{HEAD}data:\n  a: b ---\n  c: '---'\n---\n{HEAD}"
    docs = fast_documents(text)
    assert [d.span.line + 1 for d in docs] == [1, 9]
    assert docs[0].data["data"] == {"a": "b ---", "c": "---"}
    assert_same_as_libyaml(text)


def test_an_indented_first_line_keeps_its_column():
    text = "---\n  apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n"
    (doc,) = fast_documents(text)
    assert (doc.span.line, doc.span.column) == (1, 2)
    assert_same_as_libyaml(text)


@pytest.mark.parametrize("text", [
    HEAD + "data: {a: yes}\n", HEAD + "on: 1\n", HEAD + "data: {a: 017}\n", HEAD + "data: {a: 1e3}\n",
    HEAD + "data: {a: 1_000}\n", HEAD + "data: {a: +5}\n", HEAD + "data: {a: -.5}\n", HEAD + "data: {a: 0o7}\n",
    HEAD + "data: {a: 10:30}\n", HEAD + "x: &a {b: 1}\ny:\n  <<: *a\n", HEAD + "data: !!str 5\n",
    "%YAML 1.1\n---\n" + HEAD, HEAD + "...\n", "--- " + HEAD, HEAD + "x: 1\rdata: 2\n",
    HEAD + "data: 1\ndata: 2\n", HEAD + "data:\tx\n", "apiVersion: v1\nkind: List\nitems: []\n", "- " + HEAD,
    HEAD + "? [a]\n: 1\n", HEAD + "data: {a: \"x #\", b: on}\n",
    HEAD + "data: {a: [\", b: ['?[\":|]}\n", HEAD + "data: {b: [1':?]}\n",   # found by fuzzing
], ids=lambda t: repr(t[len(HEAD):] if t.startswith(HEAD) else t)[:30])
def test_texts_yaml_rs_reads_differently_go_to_libyaml(text: str):
    assert fast_documents(text) is None
    assert fast_documents(text, lambda line, doc: False) is None     # the per-document checks (reloads)
    assert_same_as_libyaml(text)


def test_syntax_errors_are_libyamls():
    text = HEAD + "data: [a, b\n"
    assert fast_documents(text) is None
    assert load_text(text, "f.yaml").fatal[0].message.startswith("YAML syntax error")


_SCALAR = st.text(alphabet="0123456789.-+_:eExXoObBaynsf~ ", min_size=1, max_size=8)


@settings(max_examples=300, deadline=None)
@given(value=_SCALAR)
def test_any_plain_scalar_the_fast_path_accepts_reads_the_same(value: str):
    text = f"{HEAD}data:\n  v: {value}\n  l: [{value}, x]\n  {value}: k\n"
    if fast_documents(text) is not None:
        assert_same_as_libyaml(text)


def test_comments_do_not_send_a_file_to_libyaml():
    text = f"# seed 000 lines 5, turn it on\n{HEAD}data:  # yes\n  a: '# no' # 017\n"
    assert fast_documents(text) is not None
    assert_same_as_libyaml(text)


@pytest.mark.parametrize("char", ["\x01", "\x7f", "\x9f", "\ufffe"])
def test_characters_yaml_does_not_allow_go_to_libyaml(char: str):
    text = HEAD + f'data: {{a: "x{char}"}}\n'
    assert fast_documents(text) is None
    assert load_text(text, "f.yaml").fatal


def test_every_input_we_have_loads_the_same_with_crlf_line_ends():
    """Files saved on Windows: spans, lines and markers with CRLF."""
    texts = [p.read_text(encoding="utf-8-sig") for p in _inputs()]
    crlf = [t.replace("\n", "\r\n") for t in texts if "\r" not in t]
    assert sum(fast_documents(t) is not None for t in crlf) > len(crlf) // 3   # the fast path is exercised
    for text in crlf:
        assert_same_as_libyaml(text)
