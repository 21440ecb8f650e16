"""The console script ends one-shot commands with os._exit (mesh_compile.cli.quick_exit): the output must
still arrive whole, through a pipe, with the command's exit status, and in-process runs keep nothing."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from mesh_compile.cli import quick_exit
from mesh_compile.cli.main import run

ROUTES = ["pc", "all", "deploy/webapp.istioinaction", "--example", "-o", "json"]


def _script(args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mesh_compile", *args], capture_output=True, timeout=60)


def test_piped_output_is_whole_and_equal_to_an_in_process_run():
    proc = _script(ROUTES)
    code, out, err = run(ROUTES)
    assert (proc.returncode, proc.stdout.decode(), proc.stderr.decode()) == (code, out, err)
    assert len(proc.stdout) > 10_000 and proc.stdout.endswith(b"}\n")


def test_the_exit_status_of_a_failed_command_is_kept():
    proc = _script(["pc", "routes", "deploy/x.y", "-f", "/nonexistent/mesh.yaml"])
    assert proc.returncode == 2
    assert b"/nonexistent/mesh.yaml" in proc.stderr


def test_a_reader_that_leaves_early_is_no_error():
    """`mesh-compile ... | head`: no traceback, no 'Exception ignored' message at exit."""
    cmd = f"{sys.executable} -m mesh_compile {' '.join(ROUTES)} | head -c 10"
    proc = subprocess.run(["bash", "-o", "pipefail", "-c", cmd], capture_output=True, timeout=60)
    assert proc.stdout == b'{\n    "con'
    assert proc.stderr == b""


def test_in_process_runs_keep_nothing():
    run(ROUTES)
    assert not quick_exit._kept


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (Linux)")
def test_a_full_disk_is_an_error_message_not_a_traceback():
    with open("/dev/full", "wb") as full:
        proc = subprocess.run([sys.executable, "-m", "mesh_compile", *ROUTES], stdout=full, stderr=subprocess.PIPE,
                              timeout=60)
    assert proc.returncode == 1
    assert b"No space left on device" in proc.stderr and b"Traceback" not in proc.stderr
