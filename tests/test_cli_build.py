"""`mesh-compile build`: every proxy into a folder, deterministic bytes, and `--check` for CI."""
from __future__ import annotations

import argparse
import io
import json
import shutil
from pathlib import Path

from mesh_compile.cli import build_cmd, diff

REPO = Path(__file__).resolve().parents[1]
CASE = REPO / "golden" / "webapp-catalog-v1"
PROXIES = ["catalog-v2.istioinaction", "catalog.istioinaction", "istio-ingressgateway.istio-system",
           "webapp.istioinaction"]
FILES = ["clusters.json", "config_dump.json", "endpoints.json", "listeners.json", "routes.json"]


def run(module, argv: list[str]) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="mesh-compile")
    module.add_parser(parser.add_subparsers(dest="command"))
    out, err = io.StringIO(), io.StringIO()
    code = module.run(parser.parse_args(argv), stdin=io.StringIO(""), out=out, err=err)
    assert "Traceback" not in err.getvalue()
    return code, out.getvalue(), err.getvalue()


def build(*argv: str) -> tuple[int, str, str]:
    return run(build_cmd, ["build", *argv])


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_build_writes_every_proxy_deterministically(tmp_path):
    code, out, err = build("-f", str(CASE / "input"), "--istio-version", "1.17", "--out", str(tmp_path / "a"))
    assert code == 0, err
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == PROXIES
    for proxy in PROXIES:
        assert sorted(p.name for p in (tmp_path / "a" / proxy).iterdir()) == FILES
    assert "4 proxies, 20 files" in out and "20 written" in out
    assert "assuming the default install's gateway" in err    # the Gateways select istio=ingressgateway
    build("-f", str(CASE / "input"), "--istio-version", "1.17", "--out", str(tmp_path / "b"))
    assert _tree(tmp_path / "a") == _tree(tmp_path / "b")


def test_files_are_what_proxy_config_prints(tmp_path):
    from mesh_compile.cli.main import run as main_run
    build("-f", str(CASE / "input"), "--istio-version", "1.17", "--out", str(tmp_path))
    for kind, file in (("routes", "routes.json"), ("cluster", "clusters.json"), ("listener", "listeners.json"),
                       ("all", "config_dump.json")):
        code, out, _ = main_run(["pc", kind, "deploy/webapp.istioinaction", "-f", str(CASE / "input"),
                                 "--istio-version", "1.17", "-o", "json"])
        assert code == 0 and (tmp_path / "webapp.istioinaction" / file).read_text() == out, file
    endpoints = json.loads((tmp_path / "webapp.istioinaction" / "endpoints.json").read_text())
    assert endpoints and all("clusterName" in e for e in endpoints)


def test_check_reports_every_kind_of_staleness(tmp_path):
    src = tmp_path / "mesh"
    shutil.copytree(CASE / "input", src)
    out_dir = tmp_path / "out"
    base = ["-f", str(src), "--istio-version", "1.17", "--out", str(out_dir)]
    code, out, _ = build(*base, "--check")
    assert code == 1 and out.count("missing: ") == 20
    assert not out_dir.exists(), "--check writes nothing"
    build(*base)
    code, out, _ = build(*base, "--check")
    assert code == 0 and "is up to date (20 files)" in out
    routes = out_dir / "webapp.istioinaction" / "routes.json"
    routes.write_text(routes.read_text().replace('"0s"', '"1s"', 1))
    (out_dir / "catalog.istioinaction" / "endpoints.json").unlink()
    (out_dir / "gone.default").mkdir()
    (out_dir / "gone.default" / "routes.json").write_text("[]")
    (out_dir / "notes").mkdir()
    (out_dir / "notes" / "README.md").write_text("ours, not a proxy")
    code, out, _ = build(*base, "--check")
    assert code == 1
    assert f"out of date: {routes}" in out
    assert f"missing: {out_dir / 'catalog.istioinaction' / 'endpoints.json'}" in out
    assert f"stale (proxy no longer in the input): {out_dir / 'gone.default' / 'routes.json'}" in out
    assert "notes" not in out
    assert "3 files out of date; run: mesh-compile build -f" in out and "--istio-version 1.17" in out


def test_check_sees_an_input_change(tmp_path):
    src = tmp_path / "mesh"
    shutil.copytree(CASE / "input", src)
    base = ["-f", str(src), "--istio-version", "1.17", "--out", str(tmp_path / "out")]
    build(*base)
    vs = src / "vs-catalog-v1.yaml"
    vs.write_text(vs.read_text().replace("subset: version-v1", "subset: version-v2"))
    code, out, _ = build(*base, "--check")
    stale = sorted(line.split(": ", 1)[1] for line in out.splitlines() if line.startswith("out of date: "))
    assert code == 1 and stale == sorted(str(tmp_path / "out" / p / f) for p in
                                         ("catalog-v2.istioinaction", "catalog.istioinaction", "webapp.istioinaction")
                                         for f in ("config_dump.json", "routes.json"))
    code, out, _ = build(*base)
    assert code == 0 and "6 written" in out and "14 unchanged" in out


def test_rebuild_removes_stale_proxy_folders_but_not_other_files(tmp_path):
    out_dir = tmp_path / "out"
    base = ["-f", str(CASE / "input"), "--istio-version", "1.17", "--out", str(out_dir)]
    build(*base)
    shutil.copytree(out_dir / "webapp.istioinaction", out_dir / "old.default")
    shutil.copytree(out_dir / "webapp.istioinaction", out_dir / "mixed.default")
    (out_dir / "mixed.default" / "keep.txt").write_text("mine")
    code, out, _ = build(*base)
    assert code == 0 and "10 removed" in out and "0 written" in out
    assert not (out_dir / "old.default").exists()
    assert [p.name for p in (out_dir / "mixed.default").iterdir()] == ["keep.txt"]


def test_bad_input_and_bad_out(tmp_path):
    afile = tmp_path / "file"
    afile.write_text("x")
    code, _, err = build("-f", str(CASE / "input"), "--out", str(afile))
    assert code == 2 and "not a folder" in err
    code, _, err = build("-f", str(tmp_path / "nope"), "--out", str(tmp_path / "o"))
    assert code == 2 and "nope" in err
    code, _, err = build("--out", str(tmp_path / "o"))
    assert code == 2 and "no input" in err
    bad = REPO / "tests" / "data" / "cli" / "bad"
    code, _, err = build("-f", str(bad), "--out", str(tmp_path / "o"), "--strict")
    assert code == 2 and "--strict" in err and not (tmp_path / "o").exists()
    code, _, err = build("-f", str(bad), "--out", str(tmp_path / "o"))
    assert code == 1 and (tmp_path / "o").is_dir(), "invalid objects are left out, the rest is built"


def test_diff_reads_a_build_folder(tmp_path):
    build("-f", str(CASE / "input"), "--istio-version", "1.17", "--out", str(tmp_path))
    code, out, _ = run(diff, ["diff", "deploy/webapp.istioinaction", "-f", str(CASE / "input"), "--istio-version",
                              "1.17", "--against", str(tmp_path / "webapp.istioinaction")])
    assert code == 0 and out.startswith("no difference"), out
    code, out, _ = run(diff, ["diff", "deploy/webapp.istioinaction", "-f", str(CASE / "input"),
                              "--against", str(tmp_path / "webapp.istioinaction")])
    assert code == 1, "1.30 output differs from the 1.17 build"
