"""How differences read: one block per resource, paths, old/new values, colour only when asked."""
from __future__ import annotations

from mesh_compile.compare.render import MAX_VALUE_LINES, Palette, Side, difference_json, summary, text_report
from mesh_compile.compare.structural import compare

OLD = {"routes": {"80": {"name": "80", "virtualHosts": [{"name": "a:80", "domains": ["a"], "routes": [
    {"match": {"prefix": "/"}, "route": {"cluster": "x", "timeout": "0s"}}]}]}},
    "clusters": {"gone": {"name": "gone", "type": "EDS"}}}
NEW = {"routes": {"80": {"name": "80", "virtualHosts": [{"name": "a:80", "domains": ["a", "a.ns"], "routes": [
    {"match": {"prefix": "/"}, "route": {"cluster": "x", "timeout": "5s"}}]}]}},
    "clusters": {"new": {"name": "new", "type": "EDS"}}}
SIDES = (Side("dump d.json", "dump"), Side("mesh-compile deploy/a.ns", "mesh-compile"))


def test_text_has_one_block_per_resource_with_paths_and_values():
    diffs = compare(OLD, NEW)
    text = text_report(diffs, *SIDES, Palette(False))
    assert text.startswith("--- dump d.json\n+++ mesh-compile deploy/a.ns\n")
    assert "route config '80': 2 differences" in text
    assert 'virtualHosts["a:80"].routes[0].route.timeout\n      - "0s"\n      + "5s"' in text
    assert 'virtualHosts["a:80"].domains[1]  (only in mesh-compile)\n      + "a.ns"' in text
    assert "cluster 'gone': only in dump" in text and "cluster 'new': only in mesh-compile" in text
    assert text.rstrip().endswith("4 differences in 1 route config, 2 clusters")
    assert "\033[" not in text


def test_colour_only_when_on():
    text = text_report(compare(OLD, NEW), *SIDES, Palette(True))
    assert "\033[31m" in text and "\033[32m" in text


def test_long_values_are_cut_unless_full():
    big = {"clusters": {"c": {"name": "c", "items": [{"n": i, "pad": "x" * 20} for i in range(60)]}}}
    diffs = compare({"clusters": {}}, big)
    short = text_report(diffs, *SIDES, Palette(False))
    full = text_report(diffs, *SIDES, Palette(False), full=True)
    assert "more lines (--full or --format json)" in short
    assert len(full.splitlines()) > len(short.splitlines()) > MAX_VALUE_LINES


def test_json_form_omits_the_absent_side():
    diffs = compare(OLD, NEW)
    forms = [difference_json(d) for d in diffs]
    assert forms[0] == {"kind": "routes", "name": "80", "path": 'virtualHosts["a:80"].domains[1]',
                        "change": "added", "new": "a.ns"}
    assert {"old", "new"} <= set(forms[1])
    assert summary(diffs[:1]) == "1 difference in 1 route config"
