"""The input files read by a forked process while this one imports (cli/prefetch.py): a file comes back
as fast_documents reads it here; a changed file, a failed child, stdin and big files are read here; no
process is left behind; the console script's bytes do not change."""
from __future__ import annotations

import io
import marshal
import os
import select
import subprocess
import sys
from pathlib import Path

import pytest

from mesh_compile.cli import parallel_dump, parallel_load, prefetch, quick_exit
from mesh_compile.load.fast_documents import fast_documents
from mesh_compile.load.loader import load_paths

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from tools.bench import generate  # noqa: E402

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork is not available on this platform")

RISKY = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: yes-no
data:
  flag: yes
"""


@pytest.fixture
def may_fork(monkeypatch):
    monkeypatch.setattr(parallel_dump, "usable_cpus", lambda: 2)
    monkeypatch.delenv("MESH_COMPILE_JOBS", raising=False)
    monkeypatch.setattr(quick_exit, "_enabled", True)


@pytest.fixture
def mesh(tmp_path) -> Path:
    out = io.StringIO()
    generate.write_mesh(out, 40)
    path = tmp_path / "mesh.yaml"
    path.write_text(out.getvalue())
    assert path.stat().st_size >= prefetch.MIN_BYTES
    return path


def _spans(docs):
    return None if docs is None else [(d.data, d.span.start, d.span.end, d.span.line, d.span.column, d.span.text)
                                      for d in docs]


def _never(text):
    raise AssertionError("the child's documents were expected")


def test_a_file_comes_back_as_it_is_read_here(mesh, may_fork):
    text = mesh.read_text()
    read = prefetch.start([str(mesh)]).reader(_never)
    assert _spans(read(text)) == _spans(fast_documents(text))


def test_a_file_for_libyaml_comes_back_as_none(tmp_path, mesh, may_fork):
    risky = tmp_path / "risky.yaml"
    risky.write_text(RISKY)
    read = prefetch.start([str(mesh), str(risky)]).reader(_never)
    assert read(RISKY) is None and fast_documents(RISKY) is None


def test_directories_are_read_as_the_load_reads_them(tmp_path, mesh, may_fork):
    (tmp_path / "more.yml").write_text(RISKY.replace("yes", "on"))
    read = prefetch.start([str(tmp_path)]).reader(_never)
    assert load_paths([str(tmp_path)], read_documents=read).objects[-1].data["data"] == {"flag": True}


def test_a_text_the_child_did_not_read_is_read_here(mesh, may_fork):
    text = mesh.read_text()
    changed = text.replace("svc-0", "svc-zero")        # the file changed after the child read it
    here = []
    read = prefetch.start([str(mesh)]).reader(lambda t: here.append(t) or fast_documents(t))
    assert _spans(read(changed)) == _spans(fast_documents(changed)) and here == [changed]
    assert _spans(read(text)) == _spans(fast_documents(text)) and here == [changed]
    assert _spans(read(text)) == _spans(fast_documents(text)) and here == [changed, text]   # handed out once


def test_a_failing_child_leaves_every_file_to_this_process(mesh, may_fork, monkeypatch):
    monkeypatch.setattr(prefetch, "_read", lambda paths: 1 / 0)
    text = mesh.read_text()
    here = []
    read = prefetch.start([str(mesh)]).reader(lambda t: here.append(t) or fast_documents(t))
    assert _spans(read(text)) == _spans(fast_documents(text)) and here == [text]


def test_big_files_are_left_to_parallel_load(mesh, may_fork, monkeypatch):
    monkeypatch.setattr(parallel_load, "MIN_ITEMS", 10)
    here = []
    read = prefetch.start([str(mesh)]).reader(lambda t: here.append(t) or [])
    assert read(mesh.read_text()) == [] and len(here) == 1


def test_no_child_for_a_big_input(mesh, may_fork, monkeypatch):
    monkeypatch.setattr(prefetch, "MAX_BYTES", mesh.stat().st_size - 1)
    assert prefetch.start([str(mesh)]) is None                  # left to parallel_load
    monkeypatch.setattr(prefetch, "MAX_BYTES", mesh.stat().st_size)
    started = prefetch.start([str(mesh)])
    assert started is not None
    started.close()


def test_no_child_where_it_would_not_pay_or_may_not_fork(tmp_path, mesh, may_fork, monkeypatch):
    small = tmp_path / "small.yaml"
    small.write_text(RISKY)
    assert prefetch.start([str(small)]) is None
    assert prefetch.start(["-"]) is None                        # stdin is never read by the child
    assert prefetch.start([str(tmp_path / "missing.yaml")]) is None
    monkeypatch.setenv("MESH_COMPILE_JOBS", "1")
    assert prefetch.start([str(mesh)]) is None
    monkeypatch.delenv("MESH_COMPILE_JOBS")
    monkeypatch.setattr(quick_exit, "_enabled", False)
    assert prefetch.start([str(mesh)]) is None


def test_close_stops_a_child_whose_answers_were_not_taken(mesh, may_fork):
    started = prefetch.start([str(mesh)])
    pid = started._child[0]
    started.close()
    started.close()
    with pytest.raises(ChildProcessError):      # reaped already: no process is left behind
        os.waitpid(pid, os.WNOHANG)


def test_the_child_is_reaped_once_its_answers_are_taken(mesh, may_fork):
    started = prefetch.start([str(mesh)])
    pid = started._child[0]
    started.reader(_never)(mesh.read_text())
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
    started.close()


def test_the_console_script_prints_the_same_bytes_either_way(mesh):
    bad = "---\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: x\nspec:\n  hosts: 7\n"
    with mesh.open("a") as fh:
        fh.write(bad)
    run = "import sys; from mesh_compile.cli.main import entry; sys.argv[0] = 'mesh-compile'; entry()"
    args = ["pc", "all", generate.SIDECAR_TARGET, "-f", str(mesh), "-o", "json"]
    env = {k: v for k, v in os.environ.items() if k != "MESH_COMPILE_JOBS"}
    shared = subprocess.run([sys.executable, "-c", run, *args], capture_output=True, timeout=120, env=env)
    alone = subprocess.run([sys.executable, "-c", run, *args], capture_output=True, timeout=120,
                           env={**env, "MESH_COMPILE_JOBS": "1"})
    assert alone.returncode == 1 and alone.stdout.startswith(b"{") and b"hosts" in alone.stderr
    assert shared.returncode == alone.returncode
    assert shared.stdout == alone.stdout and shared.stderr == alone.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_a_fifo_in_a_directory_is_left_to_the_load(tmp_path, mesh, may_fork):
    os.mkfifo(tmp_path / "piped.yaml")
    started = prefetch.start([str(tmp_path)])
    pid, read_fd = started._child
    ready, _, _ = select.select([read_fd], [], [], 30)
    if not ready:                    # blocked on the FIFO: stop it, and fail
        started.close()
        pytest.fail("the child opened the FIFO")
    started._child = None
    found = parallel_load.collected(pid, read_fd, marshal.loads)
    assert len(found) == 1           # mesh.yaml only: the child neither blocked on nor drained the FIFO
