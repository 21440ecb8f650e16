"""load/reuse.py DocumentCache: unchanged documents are not read again; commit() names changed kinds."""
from __future__ import annotations

import pytest

from mesh_compile.load import load_text
from mesh_compile.load.reuse import DocumentCache

SVC = "apiVersion: v1\nkind: Service\nmetadata: {{name: {n}, namespace: default}}\nspec: {{ports: [{{port: 80}}]}}\n"
VS = "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {{name: {n}}}\nspec: {{hosts: [{n}]}}\n"


def load(cache: DocumentCache, text: str, file: str = "m.yaml"):
    cache.begin()
    result = load_text(text, file, cache=cache)
    return result, cache.commit()


def test_unchanged_documents_keep_their_objects_and_only_edited_kinds_change():
    cache = DocumentCache()
    text = SVC.format(n="a") + "---\n" + VS.format(n="a")
    first, changed = load(cache, text)
    assert changed == {"Service", "VirtualService"}
    second, changed = load(cache, text.replace("hosts: [a]", "hosts: [a, b]"))
    assert second.objects[0] is first.objects[0] and second.objects[1] is not first.objects[1]
    assert changed == {"VirtualService"}
    _, changed = load(cache, text.replace("hosts: [a]", "hosts: [a, b]"))
    assert changed == set()


def test_removed_documents_count_as_changed_and_moved_ones_are_read_again():
    cache = DocumentCache()
    load(cache, SVC.format(n="a") + "---\n" + VS.format(n="a"))
    _, changed = load(cache, SVC.format(n="a"))
    assert changed == {"VirtualService"}
    moved, changed = load(cache, "# a new first line\n" + SVC.format(n="a"))
    assert changed == {"Service"} and moved.objects[0].source.line == 2


def test_files_libyaml_reads_always_count_as_changed():
    cache = DocumentCache()
    text = SVC.format(n="a").replace("port: 80", "port: 0x50")   # a YAML 1.1 int: read by libyaml
    assert load(cache, text)[1] == {"Service"}
    assert load(cache, text)[1] == {"Service"}


def test_the_same_text_in_another_file_is_another_document():
    cache = DocumentCache()
    load(cache, SVC.format(n="a"), "one.yaml")
    cache.begin()
    load_text(SVC.format(n="a"), "one.yaml", cache=cache)
    load_text(SVC.format(n="a"), "two.yaml", cache=cache)
    assert cache.commit() == {"Service"}


# --- re-reading only the changed window (reread.py) gives what a fresh load gives ----------------------------

DOCS = [SVC.format(n=f"s{i}") if i % 2 else VS.format(n=f"v{i}") for i in range(8)]
BASE = "---\n".join(DOCS)
EDITS = {
    "one document edited": lambda t: t.replace("name: v4}", "name: v44}"),
    "a line added": lambda t: t.replace("spec: {hosts: [v2]}\n", "spec: {hosts: [v2]}\nstatus: {}\n"),
    "a document removed": lambda t: t.replace(VS.format(n="v4") + "---\n", ""),
    "a document added": lambda t: t.replace(VS.format(n="v4"), VS.format(n="v4") + "---\n" + SVC.format(n="new")),
    "documents swapped": lambda t: t.replace(VS.format(n="v2"), "X").replace(VS.format(n="v4"), VS.format(n="v2"))
                                     .replace("X", VS.format(n="v4")),
    "a marker with a comment": lambda t: t.replace("---\n", "--- # hello\n", 3),
    "a document that is not an object": lambda t: t.replace(VS.format(n="v4"), "- just\n- a list\n"),
    "a document without kind": lambda t: t.replace("kind: VirtualService\nmetadata: {name: v6}", "metadata: {name: v6}"),
    "a YAML 1.1 token (libyaml reads the file)": lambda t: t.replace("port: 80}}]}}\n".replace("}}", "}"), "port: 0x50}]}\n", 1),
    "a syntax error": lambda t: t.replace(VS.format(n="v4"), "kind: [\n"),
    "an empty document": lambda t: t.replace(VS.format(n="v4"), "# nothing here\n"),
    "nothing": lambda t: t,
    "everything": lambda t: SVC.format(n="only"),
}


def _view(result) -> tuple:
    """What a load gives, spans included (they locate fields for later problems)."""
    return ([(o.data, o.source, o.span.snippet() if o.span else None) for o in result.objects],
            [p.render() for p in result.problems], [p.render() for p in result.fatal])


@pytest.mark.parametrize("edit", list(EDITS), ids=list(EDITS))
def test_a_reload_reads_what_a_fresh_load_reads(edit: str):
    cache = DocumentCache()
    load(cache, BASE)
    new = EDITS[edit](BASE)
    assert new != BASE or edit == "nothing"
    again, _ = load(cache, new)
    assert _view(again) == _view(load_text(new, "m.yaml"))
    again, _ = load(cache, BASE)           # and back: the cache follows the file
    assert _view(again) == _view(load_text(BASE, "m.yaml"))


def test_documents_outside_the_changed_window_are_not_looked_at(monkeypatch):
    """Only the edited document is split and looked up; the others are taken as they were."""
    cache = DocumentCache()
    first, _ = load(cache, BASE)
    asked = []
    known = cache.known
    monkeypatch.setattr(cache, "known", lambda key: asked.append(key) or known(key))
    again, changed = load(cache, BASE.replace("name: v4}", "name: v44}"))
    assert [key[2] for key in asked] == [VS.format(n="v4").replace("name: v4}", "name: v44}")]
    assert changed == {"VirtualService"}
    kept = [o for o in again.objects if o.data["metadata"]["name"] != "v44"]
    assert all(any(o is f for f in first.objects) for o in kept) and len(kept) == 7


def test_an_edit_after_a_failed_load_compares_with_the_last_good_one():
    cache = DocumentCache()
    load(cache, BASE)
    cache.begin()
    load_text(BASE.replace("name: v2}", "name: v22}"), "m.yaml", cache=cache)   # no commit: a failed load
    new = BASE.replace("name: v6}", "name: v66}")
    again, changed = load(cache, new)
    assert _view(again) == _view(load_text(new, "m.yaml")) and changed == {"VirtualService"}


# --- an edit that adds or removes lines moves the documents after it, which are not read again --------------

def test_documents_after_an_edit_that_adds_lines_are_kept_at_their_new_lines():
    cache = DocumentCache()
    first, _ = load(cache, BASE)
    new = EDITS["a line added"](BASE)
    again, changed = load(cache, new)
    assert changed == {"VirtualService"}                 # the edited one; the Services after it only moved
    moved = again.objects[3:]
    assert all(any(o is f for f in first.objects) for o in moved)
    assert _view(again) == _view(load_text(new, "m.yaml"))
    again, changed = load(cache, BASE)                  # and back up
    assert changed == {"VirtualService"} and _view(again) == _view(load_text(BASE, "m.yaml"))


KINDLESS = "metadata: {name: nokind}\nspec: {}\n"


@pytest.mark.parametrize("lines", ["# one\n", "# one\n# two\n# three\n", ""])
def test_warnings_of_moved_documents_take_their_new_lines(lines: str):
    base = BASE + "---\n" + KINDLESS
    cache = DocumentCache()
    first, _ = load(cache, base)
    assert len(first.problems) == 1
    new = base.replace("spec: {hosts: [v2]}\n", "spec: {hosts: [v2]}\n" + lines) if lines else \
        base.replace("spec: {hosts: [v2]}\n", "", 1)        # a line removed
    again, _ = load(cache, new)
    assert _view(again) == _view(load_text(new, "m.yaml"))
    assert first.problems[0].line - again.problems[0].line == (-lines.count("\n") if lines else 1)


def test_a_failed_load_that_moved_documents_does_not_move_them_twice():
    cache = DocumentCache()
    load(cache, BASE)
    new = EDITS["a line added"](BASE)
    cache.begin()
    load_text(new, "m.yaml", cache=cache)               # no commit: a failed load
    again, changed = load(cache, new)
    assert _view(again) == _view(load_text(new, "m.yaml")) and changed == {"VirtualService"}
