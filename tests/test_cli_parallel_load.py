"""The load shared with a forked process (cli/parallel_load.py): documents and checked objects come out
as the one-process map gives them, in order, with the same problems; a child that fails in any way is
replaced by this process; the console script's bytes do not change; it forks only where it may."""
from __future__ import annotations

import io
import os
import subprocess
import sys
from functools import partial
from pathlib import Path

import pytest

from mesh_compile.cli import parallel_dump, parallel_load, quick_exit
from mesh_compile.diagnostics import ERROR, INFO, WARNING
from mesh_compile.load.fast_documents import fast_documents
from mesh_compile.load.loader import load_text
from mesh_compile.model.objects import parse_object

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from tools.bench import generate  # noqa: E402

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork is not available on this platform")

BROKEN = """\
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: bad-regex
  namespace: tenant-0
spec:
  hosts:
  - svc-0
  http:
  - match:
    - uri:
        regex: "a(b"
    route:
    - destination:
        host: svc-0
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: unknown-field
  namespace: tenant-0
spec:
  host: svc-1
  trafficPolicy:
    notAField: 1
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: shadowed
spec:
  hosts:
  - svc-2
  http:
  - route:
    - destination:
        host: svc-2
  - match:
    - uri:
        prefix: /never
    route:
    - destination:
        host: svc-2
---
apiVersion: example.com/v1
kind: Gadget
metadata:
  name: not-ours
---
apiVersion: v1
kind: Service
metadata:
  name: nulls
  namespace: tenant-0
  labels:
spec:
  ports:
  - port: 80
    name: http
  selector:
    app: nulls
"""


@pytest.fixture(scope="module")
def mesh_text() -> str:
    out = io.StringIO()
    generate.write_mesh(out, 60)
    # broken objects near the start and the end, so that both processes meet some
    return BROKEN + "---\n" + out.getvalue() + BROKEN.replace("name: ", "name: late-")


@pytest.fixture
def small_maps(monkeypatch):
    monkeypatch.setattr(parallel_load, "MIN_ITEMS", 10)


def _texts(text: str) -> list[str]:
    texts: list[str] = []
    fast_documents(text, map_documents=lambda parse, items: texts.extend(items) or [parse(t) for t in items])
    return texts


def test_documents_come_back_as_one_process_parses_them(mesh_text, small_maps):
    from mesh_compile.load.fast_documents import _parse
    texts = _texts(mesh_text)
    assert len(texts) > 300
    assert parallel_load.map_documents(_parse, texts) == [_parse(t) for t in texts]


def test_a_file_read_with_the_map_equals_the_one_process_read(mesh_text, small_maps):
    alone = load_text(mesh_text, "mesh.yaml")
    shared = load_text(mesh_text, "mesh.yaml",
                       read_documents=partial(fast_documents, map_documents=parallel_load.map_documents))
    assert [(o.data, o.source) for o in shared.objects] == [(o.data, o.source) for o in alone.objects]
    assert shared.problems == alone.problems and shared.fatal == alone.fatal


def test_checked_objects_and_their_problems_equal_the_one_process_checks(mesh_text, small_maps):
    raws = load_text(mesh_text, "mesh.yaml").objects
    alone = [parse_object(raw, "default") for raw in raws]
    levels = {p.level for _obj, problems in alone for p in problems}
    assert {ERROR, WARNING, INFO} <= levels          # the mesh holds rejected, warned and skipped objects
    assert parallel_load.check_objects(raws, "default") == alone
    assert parallel_load.check_objects(raws, "elsewhere") == [parse_object(raw, "elsewhere") for raw in raws]


def _fails_in_the_child(real):
    parent = os.getpid()

    def fn(item):
        if os.getpid() != parent:
            raise RuntimeError("the child fails")
        return real(item)
    return fn


def test_a_failing_child_is_replaced_by_this_process(mesh_text, small_maps, monkeypatch):
    from mesh_compile.load.fast_documents import _parse
    texts = _texts(mesh_text)
    assert parallel_load.map_documents(_fails_in_the_child(_parse), texts) == [_parse(t) for t in texts]
    raws = load_text(mesh_text, "mesh.yaml").objects
    real = parallel_load._verdict
    monkeypatch.setattr(parallel_load, "_verdict", lambda check, raw: _fails_in_the_child(lambda r: real(check, r))(raw))
    assert parallel_load.check_objects(raws, "default") == [parse_object(raw, "default") for raw in raws]


def test_results_the_child_cannot_send_are_made_here(small_maps):
    class Unsendable:          # marshal refuses instances of classes
        def __init__(self, n: int):
            self.n = n

        def __eq__(self, other):
            return isinstance(other, Unsendable) and other.n == self.n

    items = list(range(40))
    assert parallel_load.map_documents(Unsendable, items) == [Unsendable(i) for i in items]


def test_a_count_that_does_not_match_is_not_taken(mesh_text, small_maps, monkeypatch):
    raws = load_text(mesh_text, "mesh.yaml").objects
    real = parallel_load._pickled
    monkeypatch.setattr(parallel_load, "_pickled", lambda results: real(results[:-1]))
    assert parallel_load.check_objects(raws, "default") == [parse_object(raw, "default") for raw in raws]


def test_an_error_here_stops_the_child(small_maps, monkeypatch):
    started = []
    real_start = parallel_load._start

    def start(*args):
        child = real_start(*args)
        started.append(child[0])
        return child
    monkeypatch.setattr(parallel_load, "_start", start)
    parent = os.getpid()

    def parse(text):
        if os.getpid() == parent:
            raise KeyboardInterrupt
        return text
    with pytest.raises(KeyboardInterrupt):
        parallel_load.map_documents(parse, [str(i) for i in range(40)])
    with pytest.raises(ChildProcessError):      # reaped already: no process is left behind
        os.waitpid(started[0], os.WNOHANG)


def test_forking_only_in_a_one_shot_process_with_two_cpus(monkeypatch):
    monkeypatch.setattr(parallel_dump, "usable_cpus", lambda: 2)
    monkeypatch.delenv("MESH_COMPILE_JOBS", raising=False)
    monkeypatch.setattr(quick_exit, "_enabled", False)
    assert not parallel_load.worth_forking()
    monkeypatch.setattr(quick_exit, "_enabled", True)
    assert parallel_load.worth_forking()
    monkeypatch.setenv("MESH_COMPILE_JOBS", "1")
    assert not parallel_load.worth_forking()
    monkeypatch.delenv("MESH_COMPILE_JOBS")
    monkeypatch.setattr(parallel_dump, "usable_cpus", lambda: 1)
    assert not parallel_load.worth_forking()


def test_every_other_item_is_mapped_by_the_child(small_maps):
    parent = os.getpid()
    pids = parallel_load.map_documents(lambda t: os.getpid(), ["a"] * 40)
    assert pids[0::2] == [parent] * 20
    assert len(set(pids[1::2])) == 1 and pids[1] != parent


def test_small_inputs_are_mapped_here():
    parent = os.getpid()
    assert parallel_load.map_documents(lambda t: os.getpid(), ["a"] * 10) == [parent] * 10


def test_the_console_script_prints_the_same_bytes_either_way(tmp_path, mesh_text):
    mesh = tmp_path / "mesh.yaml"
    mesh.write_text(mesh_text)
    run = ("import sys; from mesh_compile.cli import parallel_load as p; p.MIN_ITEMS = int(sys.argv.pop(1)); "
           "from mesh_compile.cli.main import entry; sys.argv[0] = 'mesh-compile'; entry()")
    args = ["pc", "all", generate.SIDECAR_TARGET, "-f", str(mesh), "-o", "json"]
    shared = subprocess.run([sys.executable, "-c", run, "10", *args], capture_output=True, timeout=120)
    alone = subprocess.run([sys.executable, "-c", run, "1000000", *args], capture_output=True, timeout=120)
    assert shared.returncode == alone.returncode == 1         # invalid objects: printed, and said so
    assert alone.stdout.startswith(b"{") and b"Error" in alone.stderr and b"Warning" in alone.stderr
    assert shared.stdout == alone.stdout and shared.stderr == alone.stderr
