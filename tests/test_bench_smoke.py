"""Smoke test of tools/bench: the generator makes a mesh that compiles, and the runner prints its table.
Timings are never asserted here (issue 5: targets are read from the benchmark's output)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tools.bench import generate  # noqa: E402
from tools.bench.report import COLUMNS  # noqa: E402
from tools.bench.measure import mesh_compile_command  # noqa: E402

N = 5


def _mesh(tmp_path: Path, n: int = N, seed: int = 1) -> tuple[Path, generate.MeshInfo]:
    path = tmp_path / f"mesh-{n}-{seed}.yaml"
    return path, generate.write_mesh_file(path, n, seed)


def test_generator_counts_kinds_and_is_deterministic(tmp_path):
    path, info = _mesh(tmp_path)
    docs = list(yaml.load_all(path.read_text(), Loader=yaml.CSafeLoader))
    kinds = [d["kind"] for d in docs]
    assert info.objects == len(docs) and info.bytes == path.stat().st_size
    assert kinds.count("Service") == N and kinds.count("Pod") == 2 * N
    assert kinds.count("DestinationRule") == N and kinds.count("Gateway") == 1
    # one mesh VirtualService per service, one gateway VirtualService per tenth service
    assert kinds.count("VirtualService") == N + len(range(0, N, 10))
    assert kinds.count("ServiceEntry") >= 3
    (tmp_path / "again").mkdir()
    again, _ = _mesh(tmp_path / "again")
    assert again.read_bytes() == path.read_bytes()
    other, _ = _mesh(tmp_path, seed=2)
    assert other.read_bytes() != path.read_bytes()


def test_generated_virtual_service_shape(tmp_path):
    path, _ = _mesh(tmp_path)
    vs = next(d for d in yaml.load_all(path.read_text(), Loader=yaml.CSafeLoader)
              if d["kind"] == "VirtualService" and d["metadata"]["name"] == "svc-1")
    canary, split = vs["spec"]["http"]
    assert canary["match"][0]["headers"]["x-canary"] == {"exact": "true"}
    assert [r["weight"] for r in split["route"]] == [90, 10]
    assert split["retries"]["attempts"] >= 2 and split["mirror"]["host"] != "svc-1.tenant-1.svc.cluster.local"


@pytest.mark.parametrize("target", [generate.SIDECAR_TARGET, generate.GATEWAY_TARGET])
def test_generated_mesh_compiles(tmp_path, target):
    path, _ = _mesh(tmp_path)
    done = subprocess.run([*mesh_compile_command(), "pc", "all", target, "-f", str(path), "-o", "json"],
                          capture_output=True, timeout=120, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    dump = json.loads(done.stdout)
    assert len(dump["configs"]) == 4
    names = json.dumps(dump)
    assert "outbound|80|v2|svc-1.tenant-1.svc.cluster.local" in names


def test_runner_prints_table_with_expected_columns():
    done = subprocess.run([sys.executable, "-m", "tools.bench", "--sizes", str(N), "--timeout", "120"],
                          cwd=REPO, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    header = next(line for line in lines if line.split()[:2] == ["N", "objects"])
    assert header.split() == list(COLUMNS)
    rows = [line.split() for line in lines if line.split()[:1] == [str(N)]]
    assert sorted(r[3] for r in rows) == ["gateway", "sidecar"]
    for r in rows:
        assert len(r) == len(COLUMNS) and r[-1] == "0"
        assert float(r[COLUMNS.index("wall_s")]) > 0 and float(r[COLUMNS.index("floor_s")]) > 0
    assert "mesh-compile --help:" in done.stdout


def test_runner_json():
    done = subprocess.run([sys.executable, "-m", "tools.bench", "--sizes", "2", "--json", "--timeout", "120"],
                          cwd=REPO, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert [(r["n"], r["proxy"]) for r in result["rows"]] == [(2, "sidecar"), (2, "gateway")]
    assert all(r["ratio"] == pytest.approx(r["wall_s"] / r["floor_s"]) for r in result["rows"])
    assert result["targets"][0]["what"] == "mesh-compile --help"
    if "diff" in result["commands"]:   # a proxy against its own output: no difference
        assert all(r["diff_s"] is not None for r in result["rows"])
        assert not [n for n in result["notes"] if n.startswith("diff ")]
    if {"serve", "bootstrap"} <= set(result["commands"]):
        (push,) = result["pushes"]
        assert "error" not in push, push
        assert push["applied"] and push["updates"]["rds"] >= 1 and push["updates"]["cds"] == 0
        assert 0 < push["push_lines_s"] < 30


def test_push_edit_changes_only_one_virtual_service(tmp_path):
    from tools.bench.ads_push import PushError, edit_split
    path, _ = _mesh(tmp_path)
    text = path.read_text()
    edited = edit_split(text, "svc-1")
    changed = [(a, b) for a, b in zip(text.split("\n---\n"), edited.split("\n---\n")) if a != b]
    assert len(changed) == 1 and "weight: 80" in changed[0][1] and "weight: 20" in changed[0][1]
    with pytest.raises(PushError):
        edit_split(text, "no-such-service")


def test_the_second_push_edit_adds_one_line_to_one_virtual_service(tmp_path):
    from tools.bench.ads_push import PushError, edit_add_line
    path, _ = _mesh(tmp_path)
    text = path.read_text()
    edited = edit_add_line(text, "svc-1")
    changed = [(a, b) for a, b in zip(text.split("\n---\n"), edited.split("\n---\n")) if a != b]
    assert len(changed) == 1 and changed[0][1].count("\n") == changed[0][0].count("\n") + 1
    assert "  - name: canary\n    timeout: 5s\n" in changed[0][1]
    with pytest.raises(PushError):
        edit_add_line(text, "no-such-service")


def test_hotspots_attributes_library_time_to_the_project_caller():
    from tools.bench.hotspots import parse, shares
    stacks = parse(["main (compiler/cli/main.py:10);dumps (json/__init__.py:2) 7",
                    "main (compiler/cli/main.py:10);build (compiler/build/a.py:3) 3"])
    inclusive, own, total = shares(stacks, "compiler/")
    assert total == 10 and inclusive["compiler/cli/main.py:main"] == 10
    assert own["compiler/cli/main.py:main"] == 7 and own["compiler/build/a.py:build"] == 3


def test_subcommands_are_read_from_help():
    from tools.bench.runner import parse_commands
    text = ("usage: mesh-compile [-h] COMMAND ...\n\npositional arguments:\n  COMMAND\n"
            "    proxy-config (pc)\n                     print the config\n"
            "    diff             compare with a dump\n    serve            ADS server\n\n"
            "options:\n  -h, --help         show this help message and exit\n")
    assert parse_commands(text) == ["proxy-config", "pc", "diff", "serve"]


def test_push_time_is_read_from_the_servers_rds_ack_line(tmp_path):
    """ads_push times the push from the server log's millisecond timestamps (not by polling Envoy)."""
    import time as _time
    from tools.bench import ads_push
    t0 = _time.mktime((2026, 11, 22, 10, 0, 0, 0, 0, -1)) + 0.250
    log = tmp_path / "serve.log"
    log.write_text("10:00:00.100 [1 x]: RDS ACK 80@old\n")
    offset = log.stat().st_size
    with open(log, "a") as f:
        f.write("10:00:00.300 input changed: m.yaml\n10:00:00.900 [1 x]: RDS ACK 80@new\n")
    assert ads_push._wait_rds_ack(log, offset, t0, timeout=1) - t0 == pytest.approx(0.65, abs=1e-3)
    with pytest.raises(ads_push.PushError):
        ads_push._wait_rds_ack(log, log.stat().st_size, t0, timeout=0.05)


@pytest.mark.parametrize("profile", [[], ["--profile", "tottime"]])
def test_stages_prints_every_stage(tmp_path, capsys, profile):
    from tools.bench import stages
    path, _ = _mesh(tmp_path)
    assert stages.main([str(path), generate.SIDECAR_TARGET, *profile]) == 0
    printed = capsys.readouterr().out
    labels = [line.split()[0] for line in printed.splitlines()[-8:]]
    assert labels == ["imports", "load", "clusters", "endpoints", "listeners", "routes", "config_dump", "write"]
    assert ("function calls" in printed) == bool(profile)


@pytest.mark.skipif(not Path("/proc/self/smaps_rollup").exists(), reason="needs Linux /proc smaps_rollup")
def test_peak_memory_counts_what_a_forked_child_allocates():
    """mesh-compile forks a child for the routes (cli/parallel_dump.py): its memory must be counted."""
    from tools.bench.measure import run_child
    script = ("import os, time\n"
              "pid = os.fork()\n"
              "if pid == 0:\n"
              "    block = bytearray(300 * 1024 * 1024)\n"
              "    time.sleep(0.6)\n"
              "    os._exit(0)\n"
              "os.waitpid(pid, 0)\n")
    run = run_child([sys.executable, "-c", script], timeout=60)
    assert run.ok
    assert run.peak_rss_mb > 300
