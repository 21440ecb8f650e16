"""Reuse of per-resource work between builds of a view (mesh_compile_xds.ads.reuse, and its use by
localise and build_snapshot): reused results must equal what a fresh build gives."""
from __future__ import annotations

import copy

from mesh_compile_xds.ads import typeurls as T
from mesh_compile_xds.ads.local import LocalOptions, localise
from mesh_compile_xds.ads.reuse import ReuseCache, content_key
from mesh_compile_xds.ads.snapshot import build_snapshot

SDS = {"name": "envoy.transport_sockets.tls", "typedConfig": {
    "@type": "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext",
    "commonTlsContext": {"tlsCertificateSdsSecretConfigs": [{"name": "default", "sdsConfig": {
        "apiConfigSource": {"apiType": "GRPC", "grpcServices": [{"envoyGrpc": {"clusterName": "sds-grpc"}}]}}}]}}}


def resources(timeout: str = "1s") -> dict:
    return {"clusters": [{"name": "a", "type": "STATIC", "connectTimeout": timeout, "transportSocket": SDS},
                         {"name": "b", "type": "STATIC", "connectTimeout": "1s"}],
            "listeners": [{"name": "0.0.0.0_80", "address": {"socketAddress": {"address": "0.0.0.0",
                                                                              "portValue": 80}},
                           "bindToPort": False}]}


def test_cache_keeps_only_the_last_build():
    cache = ReuseCache()
    cache.put("x", 1)
    cache.finish()
    assert cache.get("x") == 1      # used by this build: kept
    cache.put("y", 2)
    cache.finish()
    cache.finish()
    assert cache.get("x") is None and cache.get("y") is None
    assert content_key("cluster", {"a": object()}) is None   # not JSON: no reuse, no error


def test_localise_with_cache_equals_fresh_and_leaves_cache_intact():
    cache = ReuseCache()
    first = localise(resources(), LocalOptions(port_offset=10000), cache)
    again = localise(resources(), LocalOptions(port_offset=10000), cache)
    fresh = localise(resources(), LocalOptions(port_offset=10000))
    assert again.resources == fresh.resources == first.resources
    assert again.notes == fresh.notes and again.bound == fresh.bound
    assert "transportSocket" not in again.resources["clusters"][0]    # the SDS socket is removed
    assert again.resources["listeners"][0]["address"]["socketAddress"]["portValue"] == 10080
    # binding must not have changed the cached (shared) listener: a second offset still starts from 80
    other = localise(resources(), LocalOptions(port_offset=20000), cache)
    assert other.resources["listeners"][0]["address"]["socketAddress"]["portValue"] == 20080


def test_input_is_not_changed_with_cache():
    cache, given = ReuseCache(), resources()
    before = copy.deepcopy(given)
    localise(given, LocalOptions(), cache)
    localise(given, LocalOptions(), cache)
    assert given == before


def test_snapshot_reuses_unchanged_resources_only():
    cache = ReuseCache()
    one = build_snapshot(resources("1s"), cache)
    two = build_snapshot(resources("2s"), cache)
    assert two.of(T.CLUSTER)["b"] is one.of(T.CLUSTER)["b"]          # reused, not encoded again
    assert two.of(T.CLUSTER)["a"].version != one.of(T.CLUSTER)["a"].version
    assert two.versions() == build_snapshot(resources("2s")).versions()


def test_snapshot_problems_are_reported_again_when_reused():
    bad = {"clusters": [{"name": "a", "connectTimeout": "soon"}, {"name": "b"}, {"name": "b"}]}
    cache = ReuseCache()
    build_snapshot(bad, cache)
    snap = build_snapshot(bad, cache)
    assert list(snap.of(T.CLUSTER)) == ["b"] and len(snap.problems) == 2


def test_the_same_objects_are_reused_by_identity_and_equal_a_fresh_build():
    """What the compiler kept whole (build/keep.py) is neither rewritten nor encoded again: the same list
    gives the same results; the same resource inside a new list gives the same encoded resource."""
    cache, encoded = ReuseCache(), ReuseCache()
    res = resources()
    opts = LocalOptions(port_offset=10000)
    first = localise(res, opts, cache)
    snap1 = build_snapshot(first.resources, encoded)
    again = localise({"clusters": res["clusters"], "listeners": list(res["listeners"])}, opts, cache)
    assert again.resources["clusters"] is first.resources["clusters"]
    snap2 = build_snapshot(again.resources, encoded)
    assert snap2.resources[T.CLUSTER] is snap1.resources[T.CLUSTER]
    fresh = build_snapshot(localise(copy.deepcopy(res), opts).resources)
    assert snap2.versions() == fresh.versions() == snap1.versions()
    assert again.notes == first.notes


def test_same_object_lookups_check_identity_not_just_the_id():
    cache = ReuseCache()
    obj = {"name": "a"}
    cache.put_same(obj, "done")
    assert cache.get_same(obj) == "done" and cache.get_same({"name": "a"}) is None
    cache.finish()
    assert cache.get_same(obj) == "done"       # the previous build's, while the object lives


def test_virtual_hosts_met_again_are_rewritten_once_and_equal_a_fresh_build():
    """A large route configuration made anew around the same virtual host objects (build/route_memo.py):
    its unchanged hosts are taken by identity, the output equals a fresh localise, notes included."""
    stats = {"istio.stats": {"@type": "type.googleapis.com/stats.PluginConfig"}}
    hosts = [{"name": f"h{i}:80", "domains": [f"h{i}"], "routes": [{"match": {"prefix": "/"},
              "route": {"cluster": f"c{i}"}}], "typedPerFilterConfig": stats} for i in range(20)]
    cache, opts = ReuseCache(), LocalOptions()
    first = localise({"routes": [{"name": "80", "virtualHosts": hosts}]}, opts, cache)
    edited = dict(hosts[5], domains=["other"])
    second_in = {"routes": [{"name": "80", "virtualHosts": [*hosts[:5], edited, *hosts[6:]]}]}
    second = localise(second_in, opts, cache)
    old, new = first.resources["routes"][0]["virtualHosts"], second.resources["routes"][0]["virtualHosts"]
    assert all(new[i] is old[i] for i in range(20) if i != 5) and new[5] is not old[5]
    fresh = localise(copy.deepcopy(second_in), opts)
    assert second.resources == fresh.resources and second.notes == fresh.notes
    assert new[5]["typedPerFilterConfig"] == {} and new[5]["domains"] == ["other"]   # istio.stats removed
    assert any("istio.stats" in line for line in second.notes)


def _build_list(cache: ReuseCache, items: list, made: list) -> list:
    """A list entry made of item entries (each with a content key), as build_snapshot makes them."""
    def make_item(item):
        made.append(item)
        return dict(item, done=True)
    return cache.reuse(items, "list", lambda: None, lambda: [
        cache.reuse(item, None, lambda: content_key("x", item), lambda: make_item(item)) for item in items])


def test_a_list_found_by_identity_keeps_its_items_entries():
    """A list handed over whole for build after build (a VirtualService edit keeps the clusters) keeps
    what its items were made into: when the list changes, its unchanged items are not made again."""
    cache, made = ReuseCache(), []
    items = [{"name": "a"}, {"name": "b"}]
    _build_list(cache, items, made)
    for _ in range(3):
        cache.finish()
        assert _build_list(cache, items, made) == [{"name": "a", "done": True}, {"name": "b", "done": True}]
    cache.finish()
    made.clear()
    assert _build_list(cache, [dict(item) for item in items] + [{"name": "c"}], made)[0]["done"]
    assert made == [{"name": "c"}]                   # new objects with known content: not made again


def test_an_item_found_by_identity_keeps_its_content_entry():
    cache, made = ReuseCache(), []
    items = [{"name": "a"}]
    for _ in range(4):
        _build_list(cache, list(items), made)        # a new list of the same item: found by identity
        cache.finish()
    made.clear()
    _build_list(cache, [{"name": "a"}], made)
    assert made == []


def test_unused_entries_are_still_forgotten():
    cache, made = ReuseCache(), []
    _build_list(cache, [{"name": "a"}], made)
    cache.finish()
    _build_list(cache, [{"name": "b"}], made)
    cache.finish()
    cache.finish()
    made.clear()
    _build_list(cache, [{"name": "a"}, {"name": "b"}], made)
    assert made == [{"name": "a"}, {"name": "b"}]
    assert len(cache) == 2                           # content entries: this build's two only


def test_a_destination_rule_edit_after_virtual_service_edits_encodes_only_what_changed(tmp_path, monkeypatch):
    """serve --watch at scale: VirtualService edits keep the cluster and endpoint lists whole; a later
    DestinationRule edit rebuilds them, and only its own clusters may be encoded again (this took 6 s
    at N=1000 when the kept lists' entries had aged out)."""
    import io
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tools.bench import generate
    from tools.bench.ads_push import edit_split
    from mesh_compile.cli.serve import MeshCompiler
    from mesh_compile_xds.ads import snapshot
    from mesh_compile_xds.ads.log import Log
    from mesh_compile_xds.ads.node import NodeRef
    from mesh_compile_xds.ads.store import ConfigStore

    out = io.StringIO()
    generate.write_mesh(out, 30)
    mesh = tmp_path / "mesh.yaml"
    mesh.write_text(out.getvalue())
    store = ConfigStore(MeshCompiler([str(mesh)]), LocalOptions(port_offset=10000), Log(None))
    view = store.view(store.key_for(NodeRef(generate.SIDECAR_TARGET, None)))
    encoded: list[str] = []
    real = snapshot._encode
    monkeypatch.setattr(snapshot, "_encode", lambda type_url, kind, item, cache: encoded.append(kind)
                        or real(type_url, kind, item, cache))
    for name in ("svc-1", "svc-2", "svc-3"):
        mesh.write_text(edit_split(mesh.read_text(), name))
        assert store.reload()
    assert set(encoded) == {"route"}
    encoded.clear()
    text = mesh.read_text()
    assert "maxConnections: 100" in text
    mesh.write_text(text.replace("maxConnections: 100", "maxConnections: 101", 1))
    assert store.reload()
    clusters = len(view.snapshot.of(T.CLUSTER))
    assert clusters > 100 and 0 < encoded.count("cluster") <= 6 and encoded.count("endpoint") == 0
