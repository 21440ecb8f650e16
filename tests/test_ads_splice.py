"""Route configs encoded one virtual host at a time (mesh_compile_xds.ads.splice) must be the very bytes
protobuf gives for the whole message (the resource version is a hash of them)."""
from __future__ import annotations

import copy
from importlib import resources

import pytest

from mesh_compile_xds.ads import splice
from mesh_compile_xds.ads.reuse import ReuseCache
from mesh_compile_xds.ads.splice import route_config_bytes
from mesh_compile_xds.messages import to_message


def whole(route: dict) -> bytes:
    return to_message("route", route).SerializeToString(deterministic=True)


def host(i: int) -> dict:
    return {"name": f"svc-{i}.ns.svc.cluster.local:80", "domains": [f"svc-{i}.ns.svc.cluster.local", f"svc-{i}"],
            "routes": [{"match": {"prefix": "/"}, "route": {"weightedClusters": {"clusters": [
                {"name": f"outbound|80|v1|svc-{i}", "weight": 90}, {"name": f"outbound|80|v2|svc-{i}", "weight": 10}]},
                "timeout": "0s"}, "decorator": {"operation": f"svc-{i}:80/*"}}],
            "includeRequestAttemptCount": True}


def route(n: int, name: str | None = "80") -> dict:
    out: dict = {} if name is None else {"name": name}
    out["virtualHosts"] = [host(i) for i in range(n)]
    out["validateClusters"] = False
    out["maxDirectResponseBodySizeBytes"] = 1048576
    out["ignorePortInHostMatching"] = True
    return out


@pytest.mark.parametrize("name", ["80", None, "x" * 300])   # no name; a name whose length needs 2 varint bytes
def test_spliced_bytes_equal_whole_message(name):
    r = route(40, name)
    cache = ReuseCache()
    assert route_config_bytes(r, cache) == whole(r)
    cache.finish()
    # The compiler hands an edited host over as a new object (resources are never changed in place).
    r = dict(r, virtualHosts=list(r["virtualHosts"]))
    edited = r["virtualHosts"][7] = copy.deepcopy(r["virtualHosts"][7])
    edited["routes"][0]["route"]["weightedClusters"]["clusters"][0]["weight"] = 80
    edited["routes"][0]["route"]["weightedClusters"]["clusters"][1]["weight"] = 20
    assert route_config_bytes(r, cache) == whole(r)      # one host re-encoded, the rest reused


def test_hosts_met_again_as_the_same_objects_are_not_encoded_again(monkeypatch):
    r = route(40)
    cache = ReuseCache()
    first = route_config_bytes(r, cache)
    cache.finish()
    encoded, keyed = [], []
    import mesh_compile_xds.parse as parse
    real, real_key = parse.parse_json, splice.content_key
    monkeypatch.setattr(parse, "parse_json", lambda *a: encoded.append(a) or real(*a))
    monkeypatch.setattr(splice, "content_key", lambda *a: keyed.append(a[1]) or real_key(*a))
    changed = copy.deepcopy(r["virtualHosts"][3])
    changed["domains"] = ["other"]
    again = dict(r, virtualHosts=[*r["virtualHosts"][:3], changed, *r["virtualHosts"][4:]])
    assert route_config_bytes(again, cache) == whole(again) != first
    assert [a[1] for a in encoded] == [changed]          # only the new host was parsed,
    assert keyed == [changed]                            # the others found by identity, not content


def test_small_or_invalid_configs_are_left_to_the_whole_message():
    assert route_config_bytes(route(3), ReuseCache()) is None
    bad = route(40)
    bad["virtualHosts"][5]["routes"][0]["route"]["timeout"] = "soon"
    assert route_config_bytes(bad, ReuseCache()) is None


def test_compiled_route_configs(monkeypatch):
    from mesh_compile.build.compile import compile_proxy
    from mesh_compile.index.proxy import resolve_proxy
    from mesh_compile.pipeline import load_mesh
    from mesh_compile.versions import behaviour_for, parse_version
    monkeypatch.setattr(splice, "SPLIT_AT", 1)
    mesh = load_mesh([str(resources.files("mesh_compile") / "examples" / "catalog-mesh.yaml")])
    for target in ("deploy/webapp.istioinaction", "deploy/catalog.istioinaction"):
        cfg = compile_proxy(resolve_proxy(target, mesh.index), mesh.index, behaviour_for(parse_version("1.30")))
        spliced = [r for r in cfg.routes if r.get("virtualHosts")]
        assert spliced
        for r in spliced:
            assert route_config_bytes(r, ReuseCache()) == whole(r)
