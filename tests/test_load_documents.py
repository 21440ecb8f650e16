"""parse_documents: one file's text into (node, data) documents or Error problems."""
from __future__ import annotations

import pytest

from mesh_compile.diagnostics import ERROR, Problem
from mesh_compile.load.documents import Document, count_line_breaks, parse_documents
from mesh_compile.load.yaml_loader import Loader, PureLoader

LOADERS = [pytest.param(Loader, id="default"), pytest.param(PureLoader, id="pure-python")]


@pytest.mark.parametrize("loader", LOADERS)
def test_documents_keep_their_nodes(loader):
    docs = list(parse_documents("a: 1\n---\n\n- b\n", "f", loader))
    assert [d.data for d in docs] == [{"a": 1}, ["b"]]
    assert [d.node.start_mark.line for d in docs] == [0, 3]


@pytest.mark.parametrize("loader", LOADERS)
def test_syntax_error_stops_the_file(loader):
    out = list(parse_documents("a: 1\n---\nb: [1\n---\nc: 2\n", "f.yaml", loader))
    assert isinstance(out[0], Document) and len(out) == 2
    err = out[1]
    assert isinstance(err, Problem) and (err.level, err.file, err.line) == (ERROR, "f.yaml", 4)
    assert "flow sequence started at line 3" in err.message


@pytest.mark.parametrize("loader", LOADERS)
def test_reader_error_line_counts_characters_not_bytes(loader):
    [err] = list(parse_documents("a: ü\nb: ü😀\nc: \x07\n", "f", loader))
    assert err.line == 3 and "#x0007" in err.message


@pytest.mark.parametrize("loader", LOADERS)
def test_construct_errors_skip_one_document(loader):
    out = list(parse_documents("a: 0x_\n---\nb: ok\n---\n? [k]\n: v\n---\nc: 1\n", "f", loader))
    kinds = [type(x).__name__ for x in out]
    assert kinds == ["Problem", "Document", "Problem", "Document"]
    assert [x.line for x in out if isinstance(x, Problem)] == [1, 5]
    assert out[-1].data == {"c": 1}  # state from the failed document does not leak


def test_deep_nesting_is_a_problem_not_a_traceback():
    text = "[" * 5000 + "]" * 5000
    out = list(parse_documents(text, "deep", Loader))
    assert len(out) == 1 and isinstance(out[0], (Problem, Document))
    if isinstance(out[0], Problem):
        assert out[0].level == ERROR


def test_count_line_breaks():
    assert count_line_breaks("a\r\nb\rc\nd\x85e\u2028f\u2029") == 6
