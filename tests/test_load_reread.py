"""load/reread.py: the changed window between two texts of a file, in whole documents."""
from __future__ import annotations

import random

import pytest

from mesh_compile.load.reread import changed_window, common_prefix, common_suffix

DOCS = [f"kind: K\nmetadata: {{name: d{i}}}\nspec: {{value: {i}}}\n" for i in range(6)]


def _text(docs: list[str]) -> str:
    return "---\n".join(docs)


def _naive_prefix(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


@pytest.mark.parametrize("a, b", [("", ""), ("abc", "abc"), ("abc", "abd"), ("abc", "abcd"), ("x", "y"),
                                  ("a" * 70000 + "b", "a" * 70000 + "c"), ("a" * 65536, "a" * 65537)])
def test_common_prefix_and_suffix_are_the_longest(a: str, b: str):
    assert common_prefix(a, b) == _naive_prefix(a, b)
    limit = min(len(a), len(b))
    assert common_suffix(a, b, limit) == min(_naive_prefix(a[::-1], b[::-1]), limit)


def test_the_suffix_stops_at_its_limit():
    assert common_suffix("abcabc", "abcabcabc", 3) == 3


def _check(old: str, new: str) -> None:
    """Everything outside the window is the same text in both, and the window's edges are document edges:
    the start of the text or right after a `---` line; the end of the text or the start of one."""
    w = changed_window(old, new)
    assert 0 <= w.start <= w.end <= len(new) and w.start <= w.old_end <= len(old)
    assert old[: w.start] == new[: w.start] and old[w.old_end :] == new[w.end :]
    assert w.start == 0 or new[: w.start].endswith("---\n")
    assert w.end == len(new) or new[w.end :].startswith("---\n")
    # documents after the window moved by the window's change of lines
    assert old.count("\n", 0, w.old_end) + w.lines == new.count("\n", 0, w.end)


def test_an_edit_in_one_document_gives_that_document():
    old = _text(DOCS)
    new = _text(DOCS[:3] + [DOCS[3].replace("value: 3", "value: 33")] + DOCS[4:])
    w = changed_window(old, new)
    assert new[w.start : w.end] == DOCS[3].replace("value: 3", "value: 33")
    assert w.shift == 1
    _check(old, new)


def test_an_edit_that_adds_a_line_gives_that_document_and_moves_the_rest():
    old = _text(DOCS)
    new = _text(DOCS[:2] + [DOCS[2] + "status: {}\n"] + DOCS[3:])
    w = changed_window(old, new)
    assert new[w.start : w.end] in (DOCS[2] + "status: {}\n", _text([DOCS[2] + "status: {}\n", DOCS[3]]))
    assert (w.lines, w.shift) == (1, len("status: {}\n"))
    _check(old, new)


def test_same_texts_leave_at_most_the_last_document():
    text = _text(DOCS)
    w = changed_window(text, text)
    assert text[w.start : w.end] == DOCS[-1]


def test_an_edited_marker_line_is_inside_the_window():
    old = _text(DOCS)
    new = old.replace("---\n", "--- # two\n", 2).replace("--- # two\n", "---\n", 1)
    w = changed_window(old, new)
    assert "--- # two\n" in new[w.start : w.end]
    _check(old, new)


@pytest.mark.parametrize("seed", range(200))
def test_random_edits(seed: int):
    rng = random.Random(seed)
    docs = [rng.choice(DOCS) for _ in range(rng.randint(0, 6))]
    old = _text(docs)
    new_docs = list(docs)
    for _ in range(rng.randint(1, 3)):
        action = rng.choice(["edit", "add", "remove", "marker", "chars"])
        if action == "edit" and new_docs:
            i = rng.randrange(len(new_docs))
            new_docs[i] = new_docs[i].replace("value", rng.choice(["v", "value2", "value:\n  x"]))
        elif action == "add":
            new_docs.insert(rng.randint(0, len(new_docs)), rng.choice(DOCS))
        elif action == "remove" and new_docs:
            del new_docs[rng.randrange(len(new_docs))]
    new = _text(new_docs)
    if action in ("marker", "chars") and new:
        at = rng.randrange(len(new))
        new = new[:at] + rng.choice(["-", "---\n", "\n", "x", ""]) + new[at + 1 :]
    _check(old, new)
