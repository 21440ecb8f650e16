"""Versioned resources (mesh_compile_xds.ads.snapshot)."""
from __future__ import annotations

from mesh_compile_xds.ads import typeurls as T
from mesh_compile_xds.ads.snapshot import build_snapshot, combined_version


def clusters(timeout: str) -> dict:
    return {"clusters": [{"name": "a", "type": "STATIC", "connectTimeout": timeout},
                         {"name": "b", "type": "STATIC", "connectTimeout": "1s"}]}


def test_versions_are_content_hashes():
    one, two = build_snapshot(clusters("1s")), build_snapshot(clusters("1s"))
    assert one.versions() == two.versions()
    changed = build_snapshot(clusters("2s"))
    assert changed.of(T.CLUSTER)["a"].version != one.of(T.CLUSTER)["a"].version
    assert changed.of(T.CLUSTER)["b"].version == one.of(T.CLUSTER)["b"].version
    assert one.of(T.CLUSTER)["a"].body.type_url == T.CLUSTER


def test_bad_and_duplicate_resources_are_reported_not_served():
    snap = build_snapshot({"clusters": [{"name": "a", "connectTimeout": "soon"}, {"name": "b"}, {"name": "b"}]})
    assert list(snap.of(T.CLUSTER)) == ["b"]
    assert len(snap.problems) == 2 and "'a'" in snap.problems[0]


def test_combined_version_ignores_order():
    assert combined_version([("a", "1"), ("b", "2")]) == combined_version([("b", "2"), ("a", "1")])
    assert combined_version([("a", "1")]) != combined_version([("a", "2")])


def test_same_versions_says_what_comparing_versions_says():
    from mesh_compile_xds.ads.reuse import ReuseCache
    cache = ReuseCache()
    base = clusters("1s")
    one = build_snapshot(base, cache)
    cases = {
        "the same lists": base,
        "equal, rebuilt": clusters("1s"),
        "one changed": clusters("2s"),
        "one removed": {"clusters": base["clusters"][:1]},
        "one renamed": {"clusters": [base["clusters"][0], dict(base["clusters"][1], name="c")]},
        "another type added": dict(base, listeners=[{"name": "l", "address": {"socketAddress": {"address": "0.0.0.0", "portValue": 1}}}]),
    }
    for name, resources in cases.items():
        other = build_snapshot(resources, cache)
        assert other.same_versions(one) == (other.versions() == one.versions()), name
        assert one.same_versions(other) == (other.versions() == one.versions()), name
    assert build_snapshot(base, cache).same_versions(one) and not build_snapshot(clusters("2s")).same_versions(one)
