"""Reading every form of Envoy config: the kind is detected, resources are keyed by name, errors are clear."""
from __future__ import annotations

import io
import json

import pytest

from helpers import compile_yaml
from mesh_compile.compare.normalize import DumpError, from_compiled, normalize, read_path
from mesh_compile.emit.config_dump import config_dump

MESH = """
apiVersion: v1
kind: Service
metadata: {name: ratings, namespace: default}
spec: {clusterIP: 10.0.0.7, selector: {app: ratings}, ports: [{name: http, port: 9080}]}
---
apiVersion: v1
kind: Pod
metadata: {name: ratings-1, namespace: default, labels: {app: ratings}}
status: {podIP: 10.1.0.7, phase: Running, conditions: [{type: Ready, status: "True"}]}
spec: {containers: [{name: app}]}
"""


@pytest.fixture(scope="module")
def cfg():
    return compile_yaml(MESH, "deploy/sleep.default")


@pytest.mark.parametrize("kind,key", [("routes", "name"), ("clusters", "name"), ("listeners", "name"),
                                      ("endpoints", "clusterName")])
def test_lists_are_detected_and_keyed_by_name(cfg, kind, key):
    items = getattr(cfg, kind)
    assert items, f"the mesh gives {kind}"
    snap = normalize(json.loads(json.dumps(items)))
    assert snap.kinds == (kind,) and snap.form == f"{kind} list"
    assert list(snap.resources[kind]) == [i[key] for i in items]
    assert all(not v for k, v in snap.resources.items() if k != kind)


def test_config_dump_in_both_casings_static_and_dynamic(cfg):
    dump = config_dump(cfg)
    snap = normalize(dump)
    assert snap.form == "config_dump" and set(snap.kinds) == {"routes", "clusters", "listeners", "endpoints"}
    assert snap.resources == from_compiled(cfg).resources
    raw = {"configs": [
        {"@type": "type.googleapis.com/envoy.admin.v3.BootstrapConfigDump",
         "bootstrap": {"node": {"metadata": {"INSTANCE_IPS": "10.1.0.9,fd00::9"}}}},
        {"@type": "type.googleapis.com/envoy.admin.v3.ClustersConfigDump", "version_info": "v1",
         "static_clusters": [{"cluster": {"@type": "t/envoy.config.cluster.v3.Cluster", "name": "agent", "type": "STATIC"}}],
         "dynamic_active_clusters": [{"version_info": "x", "cluster": {"name": "c1", "connect_timeout": "1s"}}],
         "dynamic_warming_clusters": [{"cluster": {"name": "c1", "connect_timeout": "9s"}},
                                      {"cluster": {"name": "c2", "eds_cluster_config": {"service_name": "c2"}}}]},
        {"@type": "type.googleapis.com/envoy.admin.v3.ListenersConfigDump",
         "dynamic_listeners": [{"name": "l1", "active_state": {"listener": {"name": "l1", "bind_to_port": False}}},
                               {"name": "l2", "warming_state": {"listener": {"name": "l2"}}}]},
        {"@type": "type.googleapis.com/envoy.admin.v3.SecretsConfigDump"},
    ]}
    snap = normalize(raw)
    assert snap.snake_case and snap.proxy_ips == ["10.1.0.9", "fd00::9"]
    assert snap.resources["clusters"] == {"agent": {"name": "agent", "type": "STATIC"},
                                          "c1": {"name": "c1", "connectTimeout": "1s"},
                                          "c2": {"name": "c2", "edsClusterConfig": {"serviceName": "c2"}}}
    assert snap.static["clusters"] == {"agent"}
    assert snap.resources["listeners"] == {"l1": {"name": "l1", "bindToPort": False}, "l2": {"name": "l2"}}
    assert snap.kinds == ("clusters", "listeners")
    assert any("SecretsConfigDump" in n for n in snap.notes)


def test_one_section_or_one_resource(cfg):
    section = config_dump(cfg)["configs"][2]
    assert normalize(section).kinds == ("routes",)
    one = normalize(cfg.clusters[0])
    assert one.kinds == ("clusters",) and list(one.resources["clusters"]) == [cfg.clusters[0]["name"]]


def test_unnamed_route_configs_are_numbered_and_static():
    snap = normalize([{"virtualHosts": [{"name": "backend"}]}, {"virtualHosts": []}, {"name": "80", "virtualHosts": []}])
    assert list(snap.resources["routes"]) == ["(unnamed #1)", "(unnamed #2)", "80"]
    assert snap.static["routes"] == {"(unnamed #1)", "(unnamed #2)"}


def test_yaml_output_is_read(tmp_path, cfg):
    import yaml
    path = tmp_path / "routes.yaml"
    path.write_text(yaml.safe_dump(json.loads(json.dumps(cfg.routes))))
    assert read_path(str(path)).resources["routes"] == normalize(cfg.routes).resources["routes"]


def test_stdin_and_build_folder(tmp_path, cfg):
    text = json.dumps(cfg.clusters)
    assert read_path("-", text).kinds == ("clusters",)
    folder = tmp_path / "proxy"
    folder.mkdir()
    (folder / "routes.json").write_text(json.dumps(cfg.routes))
    (folder / "clusters.json").write_text(json.dumps(cfg.clusters))
    snap = read_path(str(folder))
    assert snap.kinds == ("routes", "clusters") and snap.form == "mesh-compile build folder"
    (folder / "routes.json").write_text(json.dumps(cfg.clusters))
    with pytest.raises(DumpError, match="not routes"):
        read_path(str(folder))
    only_dump = tmp_path / "dump-only"
    only_dump.mkdir()
    (only_dump / "config_dump.json").write_text(json.dumps(config_dump(cfg)))
    assert read_path(str(only_dump)).form == "config_dump"


@pytest.mark.parametrize("data,message", [
    ([{"name": "a", "virtualHosts": []}, {"name": "b", "connectTimeout": "1s"}], "mixes resource kinds"),
    ([{"foo": 1}], "cannot tell which kind"),
    ({"@type": "type.googleapis.com/envoy.config.core.v3.Node"}, "unsupported @type"),
    ({"configs": [{"no": "type"}]}, "without a known @type"),
    ({"configs": ["x"]}, "must hold objects"),
    (42, "expected a JSON list"),
])
def test_bad_input_says_why(data, message):
    with pytest.raises(DumpError, match=message):
        normalize(data)


@pytest.mark.parametrize("text,message", [("", "is empty"), ("{not json", "not valid JSON"), ("just words", "does not hold"),
                                          ("a: [b", "neither JSON nor YAML")])
def test_unreadable_text(tmp_path, text, message):
    path = tmp_path / "dump.json"
    path.write_text(text)
    with pytest.raises(DumpError, match=message):
        read_path(str(path))


def test_missing_file_and_empty_folder(tmp_path):
    with pytest.raises(DumpError, match="cannot read"):
        read_path(str(tmp_path / "nope.json"))
    with pytest.raises(DumpError, match="folder without"):
        read_path(str(tmp_path))


def test_endpoint_status_form_is_read_by_cluster_name(cfg):
    from mesh_compile.emit.views import endpoints
    statuses = endpoints(cfg)
    assert statuses and all("hostStatuses" in s for s in statuses)
    snap = normalize(json.loads(json.dumps(statuses)))
    assert snap.kinds == ("endpoints",) and snap.endpoint_form == "status" and snap.form == "endpoint status list"
    assert list(snap.resources["endpoints"]) == [s["name"] for s in statuses]
    assert from_compiled(cfg, "status").resources["endpoints"] == snap.resources["endpoints"]


def test_compiled_static_resources_are_marked(cfg):
    snap = from_compiled(cfg)
    assert "prometheus_stats" in snap.static["clusters"]
    assert snap.static["listeners"] and all(n.startswith("(unnamed") for n in snap.static["listeners"])


def test_empty_list_has_no_kind():
    snap = normalize([])
    assert snap.kinds == () and snap.form == "empty list"


def test_duplicate_names_keep_the_first():
    snap = normalize([{"name": "c", "connectTimeout": "1s"}, {"name": "c", "connectTimeout": "2s"}])
    assert snap.resources["clusters"]["c"]["connectTimeout"] == "1s" and snap.notes


def test_from_compiled_reads_only_the_kinds_asked_for():
    """diff against a routes dump must not build clusters, listeners or endpoints (ProxyConfig is lazy)."""
    from mesh_compile.compare.normalize import from_compiled

    class RoutesOnly:
        routes = [{"name": "80", "virtualHosts": []}]
        static_routes: list = []
        proxy = None

        def __getattr__(self, name):
            raise AssertionError(f"{name} was built")

    snap = from_compiled(RoutesOnly(), kinds=("routes",))
    assert snap is not None


def test_compile_builds_each_kind_on_first_use():
    from helpers import compile_yaml

    cfg = compile_yaml(
        "apiVersion: v1\nkind: Service\nmetadata: {name: a, namespace: default}\n"
        "spec: {clusterIP: 10.0.0.1, ports: [{name: http, port: 80}]}\n", "deploy/sleep.default")
    assert "routes" not in vars(cfg) and "clusters" not in vars(cfg)
    assert [r["name"] for r in cfg.routes if r["name"] == "80"] == ["80"]
    assert "routes" in vars(cfg) and "clusters" not in vars(cfg)
