"""`pc all -o json` with listeners and routes made in a forked process (cli/parallel_dump.py): the
bytes equal the one-process config_dump's, a failed child changes nothing, a reader that leaves early
leaves no process behind, and the fork happens only where it is safe and pays."""
from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from helpers import compile_yaml
from mesh_compile.cli import parallel_dump, quick_exit
from mesh_compile.emit import config_dump as dump
from mesh_compile.emit import json_out
from mesh_compile.emit.json_out import istioctl_json_chunks

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from tools.bench import generate  # noqa: E402

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork is not available on this platform")

N = parallel_dump.MIN_SERVICES


@pytest.fixture(scope="module")
def mesh_text() -> str:
    out = io.StringIO()
    generate.write_mesh(out, N)
    return out.getvalue()


@pytest.fixture(scope="module", params=[generate.SIDECAR_TARGET, generate.GATEWAY_TARGET])
def cfg(request, mesh_text):
    return compile_yaml(mesh_text, request.param)


def _one_process(cfg) -> bytes:
    return b"".join(istioctl_json_chunks(dump.config_dump(cfg)))


def _forked(cfg, tmp_path: Path) -> bytes:
    path = tmp_path / "dump.json"
    with open(path, "wb") as stream:
        stream.write(b"")                 # something buffered before: flushed before the fork
        parallel_dump.write_config_dump(cfg, stream)
    return path.read_bytes()


@pytest.fixture(params=["child", "parent"])
def endpoints_by(request, monkeypatch) -> str:
    """Who makes the endpoints: the child when it is ready before the clusters are, else this process."""
    monkeypatch.setattr(parallel_dump, "_child_is_ready", lambda fd: request.param == "child")
    return request.param


def test_forked_sections_join_to_the_one_process_bytes(cfg, tmp_path, endpoints_by):
    assert _forked(cfg, tmp_path) == _one_process(cfg)


def test_the_child_makes_the_endpoints_from_the_cluster_names_alone(cfg, tmp_path, endpoints_by, monkeypatch):
    """When the child makes them (from stand-ins holding a name and a type), this process does not."""
    calls: list[int] = []
    real = type(cfg).endpoints_for
    monkeypatch.setattr(type(cfg), "endpoints_for", lambda self, clusters: calls.append(1) or real(self, clusters))
    cfg.__dict__.pop("endpoints", None)          # made again by whichever process makes them
    got = _forked(cfg, tmp_path)
    assert bool(calls) == (endpoints_by == "parent")
    assert got == _one_process(cfg)


def test_names_that_do_not_come_whole_are_not_used(cfg, tmp_path, monkeypatch):
    monkeypatch.setattr(parallel_dump, "_child_is_ready", lambda fd: True)
    monkeypatch.setattr(parallel_dump, "_send_names", lambda fd, names: _truncated(fd))
    assert _forked(cfg, tmp_path) == _one_process(cfg)


def _truncated(fd: int) -> threading.Thread:
    def send() -> None:
        with open(fd, "wb") as pipe:
            pipe.write(b"[\x05\x00\x00\x00")     # a marshal list cut short
    thread = threading.Thread(target=send)
    thread.start()
    return thread


def test_a_child_that_fails_making_the_endpoints_is_replaced_by_this_process(cfg, tmp_path, monkeypatch):
    monkeypatch.setattr(parallel_dump, "_child_is_ready", lambda fd: True)
    parent = os.getpid()
    real = type(cfg).endpoints_for

    def fails_in_the_child(self, clusters):
        if os.getpid() != parent:
            raise RuntimeError("child failure")
        return real(self, clusters)

    monkeypatch.setattr(type(cfg), "endpoints_for", fails_in_the_child)
    cfg.__dict__.pop("endpoints", None)
    assert _forked(cfg, tmp_path) == _one_process(cfg)


def test_through_a_pipe_too(cfg):
    read_fd, write_fd = os.pipe()
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(_read_all(read_fd)))
    reader.start()
    with open(write_fd, "wb") as stream:
        parallel_dump.write_config_dump(cfg, stream)
    reader.join(timeout=60)
    assert got == [_one_process(cfg)]


def _read_all(fd: int) -> bytes:
    with open(fd, "rb") as f:
        return f.read()


def test_a_child_that_fails_before_its_turn_is_replaced_by_this_process(cfg, tmp_path, monkeypatch):
    parent = os.getpid()
    real = dump.routes_section

    def fails_in_the_child(c):
        if os.getpid() != parent:
            raise RuntimeError("child failure")
        return real(c)

    monkeypatch.setattr(dump, "routes_section", fails_in_the_child)
    assert _forked(cfg, tmp_path) == _one_process(cfg)


def test_a_child_that_fails_while_writing_is_an_error(cfg, tmp_path, monkeypatch):
    parent = os.getpid()
    real = parallel_dump._write

    def fails_in_the_child(stream, pieces):
        if os.getpid() != parent:
            raise OSError("child failure")
        return real(stream, pieces)

    monkeypatch.setattr(parallel_dump, "_write", fails_in_the_child)
    with pytest.raises(parallel_dump.ChildFailed):
        _forked(cfg, tmp_path)


def test_a_child_that_fails_while_formatting_is_replaced_by_this_process(cfg, tmp_path, monkeypatch):
    """The child formats its sections before its turn: a failure there leaves the output to this process."""
    parent = os.getpid()
    real = json_out.config_dump_section_chunks

    def fails_in_the_child(section):
        if os.getpid() != parent and "dynamicRouteConfigs" in section:
            raise RuntimeError("child failure")
        return real(section)

    monkeypatch.setattr(json_out, "config_dump_section_chunks", fails_in_the_child)
    assert _forked(cfg, tmp_path) == _one_process(cfg)


def test_a_reader_that_leaves_early_leaves_no_child(cfg, monkeypatch):
    forked: list[int] = []
    real_fork = os.fork

    def fork() -> int:
        pid = real_fork()
        if pid:
            forked.append(pid)
        return pid

    sink = open(os.devnull, "wb")

    class LeavesEarly(io.BytesIO):
        def fileno(self) -> int:
            return sink.fileno()

        def write(self, piece: bytes) -> int:
            raise BrokenPipeError

    monkeypatch.setattr(os, "fork", fork)
    with sink, pytest.raises(BrokenPipeError):
        parallel_dump.write_config_dump(cfg, LeavesEarly())
    assert len(forked) == 1
    with pytest.raises(ChildProcessError):   # killed and reaped
        os.waitpid(forked[0], os.WNOHANG)


def test_a_stream_without_a_file_descriptor_is_written_in_one_process(cfg):
    out = io.StringIO()
    parallel_dump.writer(cfg)(out)
    assert out.getvalue().encode() == _one_process(cfg)


def test_forking_only_in_a_one_shot_process_with_cpus_and_services(cfg, monkeypatch):
    monkeypatch.setattr(parallel_dump, "usable_cpus", lambda: 2)
    monkeypatch.delenv("MESH_COMPILE_JOBS", raising=False)
    assert not parallel_dump.worth_forking(cfg)          # in-process (tests): quick_exit is off
    monkeypatch.setattr(quick_exit, "_enabled", True)
    assert parallel_dump.worth_forking(cfg)
    monkeypatch.setenv("MESH_COMPILE_JOBS", "1")
    assert not parallel_dump.worth_forking(cfg)
    monkeypatch.delenv("MESH_COMPILE_JOBS")
    monkeypatch.setattr(parallel_dump, "usable_cpus", lambda: 1)
    assert not parallel_dump.worth_forking(cfg)
    monkeypatch.setattr(parallel_dump, "usable_cpus", lambda: 2)
    monkeypatch.setattr(parallel_dump, "MIN_SERVICES", N + 1000)
    assert not parallel_dump.worth_forking(cfg)


def test_the_console_script_prints_the_same_bytes_either_way(tmp_path, mesh_text):
    mesh = tmp_path / "mesh.yaml"
    mesh.write_text(mesh_text)
    argv = [sys.executable, "-m", "mesh_compile", "pc", "all", generate.SIDECAR_TARGET, "-f", str(mesh), "-o", "json"]
    forked = subprocess.run(argv, capture_output=True, timeout=120)
    alone = subprocess.run(argv, capture_output=True, timeout=120, env={**os.environ, "MESH_COMPILE_JOBS": "1"})
    assert forked.returncode == alone.returncode == 0
    assert forked.stdout == alone.stdout and forked.stderr == alone.stderr
