"""serve --watch reloads (MeshCompiler with its ReloadCache and build/keep.py): after any edit, what a
reload compiles equals a fresh compile of the edited files, and what it keeps is kept by identity."""
from __future__ import annotations

from pathlib import Path

import pytest

from mesh_compile.cli.serve import MeshCompiler
from meshes import destination_rule, doc, external_dns_service_entry, service, virtual_service

TARGET = "deploy/sleep.default"
BASE = doc(
    service("reviews", "[{name: http, port: 9080}]", cluster_ip="10.0.0.2", selector=False),
    service("ratings", "[{name: http, port: 9080}]", cluster_ip="10.0.0.3", selector=False),
    destination_rule("reviews", "reviews") + """\
  subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]
""",
    virtual_service("reviews", "reviews") + """\
  http:
  - route:
    - {destination: {host: reviews, subset: v1}, weight: 90}
    - {destination: {host: reviews, subset: v2}, weight: 10}
""",
    virtual_service("ratings", "ratings") + """\
  http:
  - timeout: 3s
    route: [{destination: {host: ratings}}]
""",
)

EDITS = {
    "vs weights": lambda t: t.replace("weight: 90", "weight: 80").replace("weight: 10", "weight: 20"),
    "vs removed": lambda t: t[: t.rindex("---\n")],
    "vs added line (documents after it move)": lambda t: t.replace("  hosts: [reviews]\n", "  hosts: [reviews]\n  gateways: [mesh]\n"),
    "dr subset": lambda t: t.replace("{name: v2, labels: {version: v2}}", "{name: v2, labels: {version: v3}}"),
    "dr traffic policy": lambda t: t.replace("  host: reviews\n", "  host: reviews\n  trafficPolicy: {loadBalancer: {simple: RANDOM}}\n"),
    "service added": lambda t: t + "---\napiVersion: v1\nkind: Service\nmetadata: {name: details, namespace: default}\n"
                                   "spec: {clusterIP: 10.0.0.4, ports: [{name: http, port: 9080}]}\n",
    "sidecar with egress": lambda t: t + "---\napiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: default, namespace: default}\n"
                                         "spec: {egress: [{hosts: [./ratings.default.svc.cluster.local]}]}\n",
    "nothing": lambda t: t,
    # the last document: no document after it moves, so only VirtualServices change (route-only reloads)
    "last vs routes all filtered out": lambda t: t.replace("  - timeout: 3s\n", "  - timeout: 3s\n    match: [{port: 1}]\n"),
    "last vs hosts changed": lambda t: t.replace("  hosts: [ratings]\n", "  hosts: [reviews]\n"),
    "last vs host added": lambda t: t.replace("  hosts: [ratings]\n", "  hosts: [ratings, ratings.example.com]\n"),
    "vs documents swapped": lambda t: t[: t.index("apiVersion: networking.istio.io/v1\nkind: VirtualService")]
                                      + t[t.rindex("apiVersion: networking.istio.io/v1\nkind: VirtualService"):] + "---\n"
                                      + t[t.index("apiVersion: networking.istio.io/v1\nkind: VirtualService"):t.rindex("---\n")],
    "service entry added": lambda t: external_dns_service_entry("api", "api.example.com", "{number: 9080, name: http, protocol: HTTP}")
                                     + "---\n" + t,
    "vs with an invalid field": lambda t: t.replace("weight: 90", "weight: ninety"),
}


def compile_all(mc: MeshCompiler, target: str = TARGET) -> dict:
    loaded = mc.load()
    return mc.compile(loaded.mesh, target, None)[0]


def before_and_after(tmp_path: Path, text: str, edited: str, target: str = TARGET) -> tuple[MeshCompiler, dict, dict, Path]:
    """A watching compiler, its compile of `text`, its compile once `edited` is written over it, and the file."""
    mesh = tmp_path / "mesh.yaml"
    mesh.write_text(text)
    mc = MeshCompiler([str(mesh)])
    first = compile_all(mc, target)
    mesh.write_text(edited)
    return mc, first, compile_all(mc, target), mesh


@pytest.mark.parametrize("edit", list(EDITS), ids=list(EDITS))
@pytest.mark.parametrize("target", [TARGET, "deploy/istio-ingressgateway.istio-system"])
def test_a_reload_equals_a_fresh_compile(tmp_path: Path, edit: str, target: str):
    _mc, _first, again, mesh = before_and_after(tmp_path, BASE, EDITS[edit](BASE), target)
    assert again == compile_all(MeshCompiler([str(mesh)]), target)


def test_a_virtual_service_edit_keeps_clusters_endpoints_and_other_routes(tmp_path: Path):
    mc, first, second, _mesh = before_and_after(tmp_path, BASE, EDITS["vs weights"](BASE))
    assert mc.changes[-1] == {"VirtualService"}
    assert second["clusters"] is first["clusters"] and second["endpoints"] is first["endpoints"]
    vhosts = {vh["name"]: vh for rc in second["routes"] for vh in rc["virtualHosts"]}
    before = {vh["name"]: vh for rc in first["routes"] for vh in rc["virtualHosts"]}
    ratings, reviews = "ratings.default.svc.cluster.local:9080", "reviews.default.svc.cluster.local:9080"
    assert vhosts[ratings]["routes"] is before[ratings]["routes"]          # unchanged VS: routes kept
    assert vhosts[reviews]["routes"] != before[reviews]["routes"]          # the edited one: translated again


@pytest.mark.parametrize("edit", ["dr subset", "service added", "sidecar with egress"])
def test_other_edits_rebuild_the_clusters(tmp_path: Path, edit: str):
    _mc, first, second, _mesh = before_and_after(tmp_path, BASE, EDITS[edit](BASE))
    assert second["clusters"] is not first["clusters"]


def test_a_reload_that_fails_keeps_nothing_wrong(tmp_path: Path):
    """A load that does not compile (syntax error) changes nothing; the next good one compares with the
    last good one."""
    from mesh_compile_xds.ads.store import CompileError
    mesh = tmp_path / "mesh.yaml"
    mesh.write_text(BASE)
    mc = MeshCompiler([str(mesh)])
    compile_all(mc)
    mesh.write_text(BASE + "---\nkind: [\n")
    with pytest.raises(CompileError):
        mc.load()
    mesh.write_text(EDITS["dr subset"](BASE))
    assert compile_all(mc) == compile_all(MeshCompiler([str(mesh)]))


def test_a_virtual_service_edit_under_sidecar_egress_scoping_rebuilds_clusters(tmp_path: Path):
    """With a Sidecar's egress hosts, VirtualService destinations join CDS (sidecar_scope.py), so only
    routes may be kept; the reload still equals a fresh compile."""
    mesh = tmp_path / "mesh.yaml"
    scoped = EDITS["sidecar with egress"](BASE)
    mesh.write_text(scoped)
    mc = MeshCompiler([str(mesh)])
    first = compile_all(mc)
    mesh.write_text(EDITS["vs weights"](scoped))
    second = compile_all(mc)
    assert mc.changes[-1] == {"VirtualService"} and second["clusters"] is not first["clusters"]
    assert second == compile_all(MeshCompiler([str(mesh)]))


@pytest.mark.parametrize("edit", ["vs weights", "dr subset"])
def test_equal_virtual_hosts_are_handed_over_as_the_same_objects(tmp_path: Path, edit: str):
    """route_memo.py: a virtual host equal to the last build's is that very object (the server then finds
    it by identity), whatever changed; a changed one is new."""
    mesh = tmp_path / "mesh.yaml"
    mesh.write_text(BASE)
    mc = MeshCompiler([str(mesh)])
    first = compile_all(mc)
    mesh.write_text(EDITS[edit](BASE))
    second = compile_all(mc)
    before = {(rc["name"], vh["name"]): vh for rc in first["routes"] for vh in rc["virtualHosts"]}
    after = {(rc["name"], vh["name"]): vh for rc in second["routes"] for vh in rc["virtualHosts"]}
    ratings = ("9080", "ratings.default.svc.cluster.local:9080")
    reviews = ("9080", "reviews.default.svc.cluster.local:9080")
    assert after[ratings] is before[ratings]
    if edit == "vs weights":
        assert after[reviews] is not before[reviews] and after[reviews] != before[reviews]
    assert second == compile_all(MeshCompiler([str(mesh)]))


ROUTE_ONLY_CHAIN = ["last vs routes all filtered out", "last vs hosts changed", "last vs host added", "vs weights"]


@pytest.mark.parametrize("target", [TARGET, "deploy/istio-ingressgateway.istio-system"])
def test_a_chain_of_edits_each_equals_a_fresh_compile(tmp_path: Path, target: str):
    """Each reload builds on the last (kept routes, virtual host layouts, index parts): edits one after
    another, then back to the start, each equal to a fresh compile."""
    mesh = tmp_path / "mesh.yaml"
    mesh.write_text(BASE)
    watching = MeshCompiler([str(mesh)])
    compile_all(watching, target)
    text = BASE
    for edit in ROUTE_ONLY_CHAIN + ["dr subset", "vs weights", "nothing"]:
        text = EDITS[edit](text)
        mesh.write_text(text)
        assert compile_all(watching, target) == compile_all(MeshCompiler([str(mesh)]), target), edit
    for edit in reversed(ROUTE_ONLY_CHAIN):
        text = EDITS[edit](BASE)
        mesh.write_text(text)
        assert compile_all(watching, target) == compile_all(MeshCompiler([str(mesh)]), target), edit


def test_a_route_only_reload_keeps_the_index_parts_of_other_kinds(tmp_path: Path):
    """index/mesh_index.py: with only a VirtualService edited, the services and their memoised answers are
    the last index's; the VirtualServices are new where edited, the same objects elsewhere."""
    mesh = tmp_path / "mesh.yaml"
    mesh.write_text(BASE)
    mc = MeshCompiler([str(mesh)])
    first = mc.load().mesh
    mesh.write_text(EDITS["vs weights"](BASE))
    second = mc.load().mesh
    assert second is not first and second.services is first.services
    assert second._endpoint_cache is first._endpoint_cache and second._dr_cache is first._dr_cache
    old = {vs.name: vs for vs in first.virtual_services}
    new = {vs.name: vs for vs in second.virtual_services}
    assert new["ratings"] is old["ratings"] and new["reviews"] is not old["reviews"]
    mesh.write_text(EDITS["dr subset"](EDITS["vs weights"](BASE)))
    third = mc.load().mesh
    assert third.services is first.services and third._dr_cache is not first._dr_cache


def test_a_route_only_reload_lays_out_virtual_hosts_as_last_time(tmp_path: Path, monkeypatch):
    """route_memo.py PortLayout: when the VirtualServices keep their hosts, the services are not bound and
    the virtual hosts not cut again."""
    from mesh_compile.build import sidecar_routes
    mesh = tmp_path / "mesh.yaml"
    mesh.write_text(BASE)
    mc = MeshCompiler([str(mesh)])
    compile_all(mc)
    calls = []
    for name in ("_bind", "_cut_vhosts"):
        real = getattr(sidecar_routes, name)
        monkeypatch.setattr(sidecar_routes, name, lambda *a, _real=real, _name=name, **k: calls.append(_name) or _real(*a, **k))
    mesh.write_text(EDITS["vs weights"](BASE))
    assert compile_all(mc) == compile_all(MeshCompiler([str(mesh)]))
    assert calls.count("_bind") == 1 and calls.count("_cut_vhosts") == 1     # the fresh compile's only


TCP_MESH = BASE + "\n---\n" + doc(
    service("mongo", "[{name: tcp, port: 27017}]", cluster_ip="10.0.0.9", selector=False),
    virtual_service("mongo", "mongo") + """\
  tcp:
  - route:
    - {destination: {host: mongo, port: {number: 27017}}, weight: 70}
    - {destination: {host: ratings, port: {number: 9080}}, weight: 30}
""")


def test_listeners_are_kept_unless_a_virtual_service_with_tcp_routes_changed(tmp_path: Path):
    """build/keep.py: a sidecar's listeners read VirtualServices only for tcp/tls routes."""
    mc, first, second, mesh = before_and_after(tmp_path, TCP_MESH, EDITS["vs weights"](TCP_MESH))
    assert second["listeners"] is first["listeners"]
    edited = EDITS["vs weights"](TCP_MESH).replace("weight: 70", "weight: 60").replace("weight: 30", "weight: 40")
    mesh.write_text(edited)
    third = compile_all(mc)
    assert mc.changes[-1] == {"VirtualService"} and third["listeners"] != first["listeners"]
    assert third == compile_all(MeshCompiler([str(mesh)]))


def _located(loaded) -> tuple:
    """What a load says with file:line: its problems, and each object's source."""
    return [p.render() for p in loaded.problems], [(o.kind, o.name, str(o.source)) for o in loaded.objects]


@pytest.mark.parametrize("lines", ["# one\n# two\n", ""])
def test_objects_and_warnings_after_an_edit_that_moves_lines_are_at_their_new_lines(tmp_path: Path, lines: str):
    """The documents after an edit that adds or removes lines are kept (not parsed again), and what they
    say about lines is what a fresh load says: the objects' sources and the checks' warnings."""
    from mesh_compile.pipeline import ReloadCache, load_mesh
    shadowed = virtual_service("late", "ratings") + """\
  http:
  - route: [{destination: {host: ratings}}]
  - match: [{uri: {prefix: /never}}]
    route: [{destination: {host: ratings}}]
"""
    base = BASE.replace("  hosts: [reviews]\n", "  hosts: [reviews]\n# a comment\n") + "---\n" + shadowed
    mesh = tmp_path / "mesh.yaml"
    mesh.write_text(base)
    cache = ReloadCache()
    first = load_mesh([str(mesh)], cache=cache)
    assert any("not used" in p.message for p in first.problems)
    edited = base.replace("  hosts: [reviews]\n# a comment\n", "  hosts: [reviews]\n" + lines)
    mesh.write_text(edited)
    again = load_mesh([str(mesh)], cache=cache)
    assert again.changed_kinds == {"VirtualService"}
    assert again.objects[-1] is first.objects[-1]           # moved, not parsed again
    assert _located(again) == _located(load_mesh([str(mesh)]))
    assert _located(again) != _located(first)


def test_a_virtual_service_edit_keeps_a_gateways_clusters_endpoints_and_listeners(tmp_path: Path):
    """A gateway's clusters are every visible service's (istio-facts 4.4), so a VirtualService edit keeps
    them, their endpoints and, without tcp/tls routes, the listeners; the routes are built again."""
    gateway = "deploy/istio-ingressgateway.istio-system"
    mc, first, second, mesh = before_and_after(tmp_path, BASE, EDITS["vs weights"](BASE), gateway)
    assert mc.changes[-1] == {"VirtualService"}
    for kind in ("clusters", "endpoints", "listeners"):
        assert second[kind] is first[kind], kind
    assert second == compile_all(MeshCompiler([str(mesh)]), gateway)
