"""load/reuse.py DocumentCache: unchanged documents are not read again; commit() names changed kinds."""
from __future__ import annotations

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
