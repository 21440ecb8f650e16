"""Go sort.Slice emulation (compiler/emit/go_sort.py): pdqsort with insertion sort up to 12 elements."""
from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from mesh_compile.emit.go_sort import go_sort_slice
from mesh_compile.emit.subset_keys import sort_route_configs

V117, V130 = (1, 17), (1, 30)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(-50, 50), max_size=300), st.sampled_from([V117, V130]))
def test_go_sort_sorts_with_a_consistent_comparator(values: list[int], version) -> None:
    got = go_sort_slice(values, lambda a, b: a < b, version)
    assert got == sorted(values)


def test_go_sort_small_slices_are_insertion_sorted() -> None:
    """Up to 12 elements Go uses insertion sort, so "equal" elements keep their relative order."""
    names = ["http.8080", "9080", "inbound|9080||", "80", "15010", "https.443.x"]
    ordered = sort_route_configs([{"name": n} for n in names])
    # numbers move left only while they pass other numbers; non-numbers act as barriers
    assert [r["name"] for r in ordered] == ["http.8080", "9080", "inbound|9080||", "80", "15010", "https.443.x"]
    names = ["9080", "80", "15010", "x", "443", "15"]
    assert [r["name"] for r in sort_route_configs([{"name": n} for n in names])] == \
        ["80", "9080", "15010", "x", "15", "443"]


def test_go_sort_large_slices_keep_every_element() -> None:
    rng = random.Random(7)
    names = [str(rng.randint(1, 20000)) if rng.random() < 0.6 else f"name-{i}" for i in range(200)]
    for version in (V117, V130):
        got = [r["name"] for r in sort_route_configs([{"name": n} for n in names], version)]
        assert sorted(got) == sorted(names)
