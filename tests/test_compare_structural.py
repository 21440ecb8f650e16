"""Structural comparison: golden outputs against themselves (no difference) and against altered copies (each
alteration found, once, at the right path), plus the order rules."""
from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any, Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mesh_compile.compare.normalize import normalize
from mesh_compile.compare.structural import ABSENT, ADDED, CHANGED, REMOVED, by_resource, compare, format_path

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
GOLDEN_JSON = sorted(GOLDEN.glob("*/expected/*.json"))


def _ids(path: Path) -> str:
    return f"{path.parent.parent.name}/{path.name}"


def _resources(data: Any) -> tuple[str, dict]:
    snap = normalize(data)
    assert len(snap.kinds) == 1
    return snap.kinds[0], snap.resources


def _leaves(value: Any, path: tuple = ()) -> Iterator[tuple]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _leaves(v, path + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _leaves(v, path + (i,))
    else:
        yield path


def _get(value: Any, path: tuple) -> Any:
    for p in path:
        value = value[p]
    return value


def _reported(resource: dict, raw: tuple) -> tuple:
    """The path compare() reports for a raw index path inside one resource: vhosts by name."""
    out, node = [], resource
    for i, part in enumerate(raw):
        if isinstance(part, int) and i > 0 and raw[i - 1] == "virtualHosts":
            out.append(node[part]["name"])
        else:
            out.append(part)
        node = node[part]
    return tuple(out)


def _name(kind: str, resource: dict) -> str:
    return resource["clusterName" if kind == "endpoints" else "name"]


def test_there_are_golden_outputs():
    assert GOLDEN_JSON, "golden/*/expected/*.json"


@pytest.mark.parametrize("path", GOLDEN_JSON, ids=_ids)
def test_golden_output_against_itself(path):
    data = json.loads(path.read_text())
    kind, res = _resources(data)
    assert compare(res, _resources(copy.deepcopy(data))[1]) == []


@pytest.mark.parametrize("path", GOLDEN_JSON, ids=_ids)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_each_changed_leaf_is_found_at_its_path(path, data):
    original = json.loads(path.read_text())
    kind, old = _resources(original)
    index = data.draw(st.integers(0, len(original) - 1), label="resource")
    # keys that pair things (a resource's name, a vhost's name) are covered by the rename test
    leaves = [p for p in _leaves(original[index]) if p not in (("name",), ("clusterName",))
              and not (len(p) == 3 and p[0] == "virtualHosts" and p[2] == "name")]
    leaf = data.draw(st.sampled_from(leaves), label="leaf")
    altered = copy.deepcopy(original)
    parent, key = _get(altered[index], leaf[:-1]), leaf[-1]
    before = parent[key]
    parent[key] = {"altered": True} if not isinstance(before, dict) else "altered"
    diffs = compare(old, _resources(altered)[1])
    assert [(d.resource_kind, d.resource_name, d.parts, d.old, d.new, d.change) for d in diffs] == [
        (kind, _name(kind, original[index]), _reported(original[index], leaf), before, parent[key], CHANGED)]


@pytest.mark.parametrize("path", GOLDEN_JSON, ids=_ids)
def test_removed_and_added_keys_and_resources(path):
    original = json.loads(path.read_text())
    kind, old = _resources(original)
    altered = copy.deepcopy(original)
    first = altered[0]
    removed_key = list(first)[-1]
    removed_value = first.pop(removed_key)
    first["addedField"] = "x"
    extra = {**copy.deepcopy(original[0]), ("clusterName" if kind == "endpoints" else "name"): "extra-one"}
    altered.append(extra)
    diffs = compare(old, _resources(altered)[1])
    got = {(d.resource_name, d.json_path, d.change) for d in diffs}
    name = _name(kind, original[0])
    assert got == {(name, format_path((removed_key,)), REMOVED), (name, ".addedField", ADDED), ("extra-one", "", ADDED)}
    whole = next(d for d in diffs if d.resource_name == "extra-one")
    assert whole.old is ABSENT and whole.new == extra


def test_renamed_vhost_reads_as_removed_and_added():
    old = _rc(_vh("a:80", [_route("r", "/")]))
    new = _rc(_vh("b:80", [_route("r", "/")]))
    assert [(d.json_path, d.change) for d in compare(old, new)] == [
        ('.virtualHosts["a:80"]', REMOVED), ('.virtualHosts["b:80"]', ADDED)]


# ---- order ---------------------------------------------------------------------------------------
def _route(name: str, prefix: str, cluster: str = "c") -> dict:
    return {"name": name, "match": {"prefix": prefix}, "route": {"cluster": cluster}}


def _rc(*vhosts: dict) -> dict:
    return {"routes": {"80": {"name": "80", "virtualHosts": list(vhosts)}}}


def _vh(name: str, routes: list, domains: list | None = None) -> dict:
    return {"name": name, "domains": domains or [name], "routes": routes}


def test_virtual_host_order_does_not_matter():
    a, b = _vh("a:80", [_route("r", "/")]), _vh("b:80", [_route("r", "/")])
    assert compare(_rc(a, b), _rc(b, a)) == []


def test_route_order_matters_and_a_move_reads_as_remove_and_add():
    r1, r2, r3 = _route("one", "/a"), _route("two", "/b"), _route("three", "/")
    diffs = compare(_rc(_vh("a:80", [r1, r2, r3])), _rc(_vh("a:80", [r2, r1, r3])))
    assert diffs and {d.change for d in diffs} <= {ADDED, REMOVED}
    assert all(d.json_path.startswith('.virtualHosts["a:80"].routes[') for d in diffs)


def test_one_inserted_route_is_one_difference():
    routes = [_route(f"r{i}", f"/{i}") for i in range(10)]
    new = routes[:3] + [_route("new", "/new")] + routes[3:]
    diffs = compare(_rc(_vh("a:80", routes)), _rc(_vh("a:80", new)))
    assert [(d.json_path, d.change) for d in diffs] == [('.virtualHosts["a:80"].routes[3]', ADDED)]


def test_changed_route_is_paired_by_its_match_even_without_a_name():
    old = [{"match": {"prefix": "/a"}, "route": {"cluster": "x"}}, {"match": {"prefix": "/"}, "route": {"cluster": "y"}}]
    new = [{"match": {"prefix": "/a"}, "route": {"cluster": "z"}}, {"match": {"prefix": "/"}, "route": {"cluster": "y"}}]
    diffs = compare(_rc(_vh("a:80", old)), _rc(_vh("a:80", new)))
    assert [(d.json_path, d.old, d.new) for d in diffs] == [('.virtualHosts["a:80"].routes[0].route.cluster', "x", "z")]


def test_domain_order_matters():
    diffs = compare(_rc(_vh("a:80", [], ["a", "b"])), _rc(_vh("a:80", [], ["b", "a"])))
    assert diffs


def test_weighted_clusters_compare_in_order():
    def wc(*names):
        return {"clusters": {"c": {"name": "c", "x": {"weightedClusters": {"clusters": [{"name": n, "weight": 50} for n in names]}}}}}
    assert compare(wc("a", "b"), wc("b", "a"))
    assert compare(wc("a", "b"), wc("a", "b")) == []


def test_scalar_types():
    old = {"clusters": {"c": {"name": "c", "a": 1, "b": 1, "c": True}}}
    new = {"clusters": {"c": {"name": "c", "a": 1.0, "b": "1", "c": 1}}}
    assert [(d.json_path, d.new) for d in compare(old, new)] == [(".b", "1"), (".c", 1)]


def test_duplicate_vhost_names_fall_back_to_order():
    a1, a2 = _vh("a:80", [_route("x", "/")]), _vh("a:80", [_route("y", "/")])
    assert compare(_rc(a1, a2), _rc(a1, a2)) == []
    assert compare(_rc(a1, a2), _rc(a2, a1))


def test_kinds_limit_the_comparison_and_grouping():
    old = {"routes": {"80": {"name": "80"}}, "clusters": {"c": {"name": "c", "type": "EDS"}}}
    new = {"routes": {"80": {"name": "80", "validateClusters": False}}, "clusters": {"c": {"name": "c"}}}
    assert len(compare(old, new)) == 2
    assert [d.resource_kind for d in compare(old, new, ("clusters",))] == ["clusters"]
    assert list(by_resource(compare(old, new))) == [("routes", "80"), ("clusters", "c")]


def test_path_format():
    assert format_path(("virtualHosts", "a:80", "routes", 0, "typedPerFilterConfig", "envoy.filters.http.cors")) == \
        '.virtualHosts["a:80"].routes[0].typedPerFilterConfig["envoy.filters.http.cors"]'
