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
