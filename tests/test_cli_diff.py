"""`mesh-compile diff` as a user runs it: against dumps in every form, review of a change, exit codes."""
from __future__ import annotations

import argparse
import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from mesh_compile.cli import diff

REPO = Path(__file__).resolve().parents[1]
GOLDEN = REPO / "golden"
CASE = GOLDEN / "webapp-catalog-v1"
TARGET = "deploy/webapp.istioinaction"


def run(argv: list[str], stdin: str = "") -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="mesh-compile")
    diff.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["diff", *argv])
    out, err = io.StringIO(), io.StringIO()
    code = diff.run(args, stdin=io.StringIO(stdin), out=out, err=err)
    assert "Traceback" not in err.getvalue()
    return code, out.getvalue(), err.getvalue()


def compiled_json(kind: str, target: str = TARGET, case: Path = CASE, version: str = "1.17") -> list:
    from mesh_compile.cli.main import run as main_run
    code, out, err = main_run(["pc", kind, target, "-f", str(case / "input"), "--istio-version", version, "-o", "json"])
    assert code == 0, err
    return json.loads(out)


def _golden_json_checks() -> list:
    out = []
    for case_yaml in sorted(GOLDEN.glob("*/case.yaml")):
        case = yaml.safe_load(case_yaml.read_text())
        for check in case.get("checks") or []:
            args = [str(a).replace("{case}", str(case_yaml.parent)) for a in check["args"]]
            if args[:2] in (["proxy-config", "routes"], ["proxy-config", "cluster"]) and check["expected"].endswith(".json"):
                out.append((case_yaml.parent, str(case["istio_version"]), args, check["expected"]))
    return out


def _diff_args(case: Path, version: str, args: list[str]) -> list[str]:
    """The proxy-config arguments of a golden check, minus what diff does not take (filters, -o)."""
    target, rest, keep = args[2], args[3:], []
    skip = {"--name", "--fqdn", "--port", "--subset", "--direction", "-o"}
    i = 0
    while i < len(rest):
        if rest[i] in skip:
            i += 2
            continue
        keep.append(rest[i])
        i += 1
    return [target, "-f", str(case / "input"), "--istio-version", version, *keep]


@pytest.mark.parametrize("case,version,args,expected", _golden_json_checks(),
                         ids=lambda v: v.name if isinstance(v, Path) else None)
def test_golden_expected_json_has_no_difference(case, version, args, expected):
    # the golden expected files are filtered (--name/--fqdn), so only what both sides have is compared
    code, out, err = run(_diff_args(case, version, args) + ["--against", str(case / expected), "--only-common"])
    assert (code, out.split(" (")[0]) == (0, "no difference"), out + err


@pytest.mark.parametrize("kind", ["routes", "cluster", "listener", "endpoint", "all"])
def test_every_proxy_config_output_diffs_equal_to_its_compile(tmp_path, kind):
    dump = tmp_path / f"{kind}.json"
    dump.write_text(json.dumps(compiled_json(kind)))
    code, out, err = run([TARGET, "-f", str(CASE / "input"), "--istio-version", "1.17", "--against", str(dump)])
    assert code == 0 and out.startswith("no difference"), out + err


def test_live_endpoint_state_is_volatile_but_hosts_are_not(tmp_path):
    statuses = compiled_json("endpoint")
    host = statuses[0]["hostStatuses"][0]
    host["stats"] = [{"name": "cx_total", "value": "17"}]
    host["healthStatus"]["failedOutlierCheck"] = True
    dump = tmp_path / "ep.json"
    dump.write_text(json.dumps(statuses))
    argv = [TARGET, "-f", str(CASE / "input"), "--istio-version", "1.17", "--against", str(dump)]
    assert run(argv)[0] == 0
    host["address"]["socketAddress"]["portValue"] = 1
    dump.write_text(json.dumps(statuses))
    code, out, _ = run(argv)
    assert code == 1 and "hostStatuses[0].address.socketAddress.portValue" in out


def test_altered_dump_names_the_fields(tmp_path):
    routes = compiled_json("routes")
    vh = next(v for v in routes[0]["virtualHosts"] if v["name"].startswith("catalog."))
    vh["routes"][0]["route"]["timeout"] = "15s"
    dump = tmp_path / "routes.json"
    dump.write_text(json.dumps(routes))
    code, out, _ = run([TARGET, "-f", str(CASE / "input"), "--istio-version", "1.17", "--against", str(dump)])
    assert code == 1
    assert f"--- dump {dump} (routes list)" in out and f"+++ mesh-compile {TARGET}" in out
    assert "route config '80': 1 difference" in out
    assert f'virtualHosts["{vh["name"]}"].routes[0].route.timeout\n      - "15s"\n      + "0s"' in out
    code, out, _ = run([TARGET, "-f", str(CASE / "input"), "--istio-version", "1.17", "--against", str(dump),
                        "--format", "json"])
    doc = json.loads(out)
    assert code == 1 and doc["equal"] is False and doc["kinds"] == ["routes"]
    assert doc["differences"] == [{"proxy": TARGET, "kind": "routes", "name": "80", "change": "changed",
                                   "path": f'virtualHosts["{vh["name"]}"].routes[0].route.timeout',
                                   "old": "15s", "new": "0s"}]


def test_envoy_config_dump_in_snake_case_from_stdin():
    from test_compare_casing import protobuf_json
    from mesh_compile.cli.main import run as main_run
    code, out, _ = main_run(["pc", "all", TARGET, "-f", str(CASE / "input"), "--istio-version", "1.17", "-o", "json"])
    snake = protobuf_json(json.loads(out), snake=True)
    snake["configs"].insert(0, {"@type": "type.googleapis.com/envoy.admin.v3.BootstrapConfigDump",
                                "bootstrap": {"node": {"metadata": {"INSTANCE_IPS": "10.10.0.14"}}}})
    # the bootstrap's static cluster and a version that moved on are volatile
    clusters = next(s for s in snake["configs"] if s["@type"].endswith("ClustersConfigDump"))
    clusters["static_clusters"] = [{"cluster": {"name": "prometheus_stats", "type": "STATIC"}, "last_updated": "now"}]
    clusters["version_info"] = "2026-01-01T00:00:00Z/42"
    text = json.dumps(snake)
    argv = [TARGET, "-f", str(CASE / "input"), "--istio-version", "1.17", "--against", "-"]
    # Istio's own filter types are not in xds-protos, so the oracle replaced them by Empty (test_compare_casing):
    # those, and only those, differ (metadata exchange, ALPN, authn and stats filters)
    code, out, err = run(argv + ["--format", "json"], stdin=text)
    diffs = json.loads(out)["differences"]
    assert code == 1 and diffs
    empty = "type.googleapis.com/google.protobuf.Empty"
    replaced = {d["path"][: -len('["@type"]')] for d in diffs if d.get("old") == empty}
    assert {"filters[0].typedConfig", "filterChains[0].filters[0].typedConfig.httpFilters[2].typedConfig"} <= replaced
    assert [d for d in diffs if not any(d["path"].startswith(p) for p in replaced)] == []
    assert any(d.get("old") == "type.googleapis.com/google.protobuf.Empty" for d in diffs)
    code, out, err = run(argv + ["--ignore", "clusters/*.filters[*].typedConfig", "--ignore",
                                 "listeners/*.filterChains[*].filters[*].typedConfig.httpFilters[*].typedConfig",
                                 "--ignore", 'listeners/virtualInbound.filterChains[*].filters[*].typedConfig["@type"]',
                                 "--ignore", "listeners/virtualInbound.filterChains[*].filters[*].typedConfig.protocol"],
                         stdin=text)
    assert code == 0 and out.startswith("no difference"), out + err
    assert re.search(r"compared [1-9]\d* route configs?, [1-9]\d* clusters?, [1-9]\d* listeners?, "
                     r"[1-9]\d* endpoint assignments?\)", out), out


HTTPBIN_VS = """
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: httpbin-gateway}
spec:
  selector: {istio: ingressgateway}
  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: [httpbin.example.com]}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: httpbin}
spec:
  hosts: [httpbin.example.com]
  gateways: [httpbin-gateway]
  http:
  - match: [{uri: {prefix: /get}}]
    route: [{destination: {host: httpbin, port: {number: 8000}}}]
"""


def test_real_gateway_dump_and_the_yaml_behind_it(tmp_path):
    """The httpbin ingress task (SOURCES.md 1): a real ~1.20 RoutesConfigDump against our 1.30 compile of the
    same YAML. The only difference is the one facts 11 predicts: the default retry policy lost [503] in 1.24."""
    from helpers import SHARED
    from test_compare_casing import protobuf_json
    base = SHARED / "reference/istio/istio-istio"
    dump = base / "istioctl/pkg/writer/envoy/configdump/testdata/routes/istio-gateway-http-route-prefix/configdump.json"
    if not dump.is_file():
        pytest.skip("../shared/reference/istio is not present")
    mesh = tmp_path / "mesh"
    mesh.mkdir()
    (mesh / "httpbin.yaml").write_text((base / "samples/httpbin/httpbin.yaml").read_text())
    (mesh / "gateway.yaml").write_text(HTTPBIN_VS)
    camel = tmp_path / "camel.json"
    camel.write_text(json.dumps(protobuf_json(json.loads(dump.read_text()), snake=False)))
    for against in (dump, camel):
        code, out, err = run(["deploy/istio-ingressgateway.istio-system", "-f", str(mesh), "--against", str(against),
                              "--format", "json"])
        doc = json.loads(out)
        assert code == 1 and doc["kinds"] == ["routes"], err
        assert [(d["name"], d["path"], d["change"], d.get("old")) for d in doc["differences"]] == [
            ("http.8080", 'virtualHosts["httpbin.example.com:80"].routes[0].route.retryPolicy.retriableStatusCodes',
             "removed", [503])]


def test_bad_input_exits_2(tmp_path):
    base = [TARGET, "-f", str(CASE / "input")]
    cases = [
        (base + ["--against", str(tmp_path / "missing.json")], "cannot read"),
        (["-f", str(CASE / "input"), "--against", str(CASE / "expected/routes-80.json")], "needs the TARGET"),
        (base, "one of --against"),
        (base + ["--against", "x", "--to", "y"], "one of --against"),
        (base + ["--to", str(tmp_path / "nope")], "nope"),
        (base + ["--against", str(CASE / "expected/routes-80.json"), "--ignore-file", str(tmp_path / "no")], "--ignore-file"),
        ([TARGET, "--against", str(CASE / "expected/routes-80.json")], "no input"),
        ([TARGET, "-f", "-", "--against", "-"], "stdin"),
    ]
    empty = tmp_path / "empty.json"
    empty.write_text("[]")
    cases.append((base + ["--against", str(empty)], "--kind"))
    for argv, message in cases:
        code, out, err = run(argv)
        assert code == 2 and message in err, (argv, err)


def test_empty_dump_with_a_kind_lists_what_is_compiled(tmp_path):
    empty = tmp_path / "empty.json"
    empty.write_text("[]")
    code, out, _ = run([TARGET, "-f", str(CASE / "input"), "--against", str(empty), "--kind", "routes"])
    assert code == 1 and "route config '80': only in mesh-compile" in out


def test_ignore_and_only_common(tmp_path):
    clusters = compiled_json("cluster")
    clusters[0]["connectTimeout"] = "99s"
    dump = tmp_path / "c.json"
    dump.write_text(json.dumps(clusters[:1]))
    argv = [TARGET, "-f", str(CASE / "input"), "--istio-version", "1.17", "--against", str(dump)]
    code, out, _ = run(argv)
    assert code == 1 and "only in mesh-compile" in out and ".connectTimeout" not in out and "connectTimeout" in out
    code, out, _ = run(argv + ["--only-common"])
    assert code == 1 and "only in" not in out and "connectTimeout" in out
    code, out, _ = run(argv + ["--only-common", "--ignore", "clusters/*.connectTimeout"])
    assert code == 0 and out.startswith("no difference")
    ignore = tmp_path / "ignore"
    ignore.write_text("# ours\n*.connectTimeout\nclusters/outbound|*\nclusters/*Cluster*\n")
    code, out, _ = run(argv + ["--ignore-file", str(ignore)])
    assert code == 0, out


def test_colour_is_opt_in_off_a_terminal(monkeypatch, tmp_path):
    dump = tmp_path / "r.json"
    routes = compiled_json("routes")
    routes[0]["validateClusters"] = True
    dump.write_text(json.dumps(routes))
    argv = [TARGET, "-f", str(CASE / "input"), "--istio-version", "1.17", "--against", str(dump)]
    assert "\033[" not in run(argv)[1]
    assert "\033[31m" in run(argv + ["--color", "always"])[1]

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True
    parser = argparse.ArgumentParser()
    diff.add_parser(parser.add_subparsers(dest="command"))
    monkeypatch.delenv("NO_COLOR", raising=False)
    out = Tty()
    diff.run(parser.parse_args(["diff", *argv]), stdin=None, out=out, err=io.StringIO())
    assert "\033[" in out.getvalue()
    monkeypatch.setenv("NO_COLOR", "1")
    out = Tty()
    diff.run(parser.parse_args(["diff", *argv]), stdin=None, out=out, err=io.StringIO())
    assert "\033[" not in out.getvalue()


def test_list_volatile():
    code, out, _ = run(["--list-volatile"])
    assert code == 0 and "prometheus_stats" in out and "overprovisioningFactor" in out


# ---- review: what a YAML change does --------------------------------------------------------------------
def _changed_copy(tmp_path: Path) -> tuple[Path, Path]:
    old, new = tmp_path / "old", tmp_path / "new"
    shutil.copytree(CASE / "input", old)
    shutil.copytree(CASE / "input", new)
    vs = new / "vs-catalog-v1.yaml"
    vs.write_text(vs.read_text().replace("subset: version-v1", "subset: version-v2"))
    return old, new


def test_to_compares_two_inputs_for_one_proxy(tmp_path):
    old, new = _changed_copy(tmp_path)
    code, out, _ = run([TARGET, "-f", str(old), "--to", str(new)])
    assert code == 1
    assert ('routes[0].route.cluster\n      - "outbound|80|version-v1|catalog.istioinaction.svc.cluster.local"\n'
            '      + "outbound|80|version-v2|catalog.istioinaction.svc.cluster.local"') in out
    code, out, _ = run([TARGET, "-f", str(old), "--to", str(old)])
    assert code == 0 and out.startswith(f"no difference ({TARGET}; compared 1 route config, ")


def test_to_without_target_compares_every_proxy_and_groups_same_changes(tmp_path):
    old, new = _changed_copy(tmp_path)
    (new / "extra.yaml").write_text("""apiVersion: apps/v1
kind: Deployment
metadata: {name: extra, namespace: istioinaction}
spec:
  selector: {matchLabels: {app: extra}}
  template: {metadata: {labels: {app: extra}}, spec: {containers: [{name: app}]}}
""")
    code, out, _ = run(["-f", str(old), "--to", str(new)])
    assert code == 1
    assert "proxies deploy/catalog-v2.istioinaction, deploy/catalog.istioinaction, deploy/webapp.istioinaction: the same changes" in out
    assert "proxy deploy/extra.istioinaction (only in new)" in out
    assert "of 5 proxies differ" in out
    code, out, _ = run(["-f", str(old), "--to", str(new), "--format", "json"])
    doc = json.loads(out)
    assert {p["proxy"] for p in doc["proxies"]} >= {"deploy/extra.istioinaction", "deploy/istio-ingressgateway.istio-system"}
    assert {d["proxy"] for d in doc["differences"]} >= {TARGET, "deploy/extra.istioinaction"}


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_base_ref_compares_the_working_tree_with_a_revision(tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(CASE / "input", repo / "mesh")
    git = ["git", "-c", "user.email=t@example.com", "-c", "user.name=t"]
    for cmd in (["init", "-q"], ["add", "."], ["commit", "-qm", "base"]):
        subprocess.run(git + cmd, cwd=repo, check=True, capture_output=True, timeout=30)
    code, out, _ = run(["-f", str(repo / "mesh"), "--base-ref", "HEAD"])
    assert code == 0 and out.startswith("no difference (4 proxies")
    vs = repo / "mesh" / "vs-catalog-v1.yaml"
    vs.write_text(vs.read_text().replace("subset: version-v1", "subset: version-v2"))
    code, out, err = run([TARGET, "-f", str(repo / "mesh"), "--base-ref", "HEAD", "--kind", "routes"])
    assert code == 1 and "--- HEAD: " in out and "+++ working tree: " in out and "version-v2" in out, err
    code, _, err = run([TARGET, "-f", str(repo / "mesh"), "--base-ref", "nope"])
    assert code == 2 and "unknown git revision" in err
    (repo / "mesh" / "broken.yaml").write_text("a: [b\n")
    subprocess.run(git + ["add", "."], cwd=repo, check=True, capture_output=True, timeout=30)
    subprocess.run(git + ["commit", "-qm", "broken"], cwd=repo, check=True, capture_output=True, timeout=30)
    (repo / "mesh" / "broken.yaml").unlink()
    code, _, err = run([TARGET, "-f", str(repo / "mesh"), "--base-ref", "HEAD"])
    assert code == 2 and err.startswith("HEAD: ") and "broken.yaml" in err


# ---- speed -----------------------------------------------------------------------------------------
def test_a_few_hundred_services_compare_to_exactly_the_one_change(tmp_path):
    """The comparison (read the dump, normalise, compare) over 300 services finds the one edited field and
    nothing else. Its speed is a figure of tools/bench, not an assertion here."""
    import sys
    sys.path.insert(0, str(REPO))
    from tools.bench import generate
    from mesh_compile.cli.main import run as main_run
    from mesh_compile.compare.normalize import read_path
    from mesh_compile.compare.structural import compare
    from mesh_compile.compare.volatile import strip
    mesh = tmp_path / "mesh.yaml"
    generate.write_mesh_file(mesh, 300, 1)
    code, out, err = main_run(["pc", "all", generate.SIDECAR_TARGET, "-f", str(mesh), "-o", "json"])
    assert code in (0, 1), err
    dump = tmp_path / "dump.json"
    dump.write_text(out)
    changed = json.loads(out)
    changed["configs"][2]["dynamicRouteConfigs"][0]["routeConfig"]["validateClusters"] = True
    (tmp_path / "changed.json").write_text(json.dumps(changed))

    old, new = strip(read_path(str(dump))), strip(read_path(str(tmp_path / "changed.json")))
    assert sum(len(v) for v in old.values()) > 600
    assert [d.json_path for d in compare(old, new)] == [".validateClusters"]
