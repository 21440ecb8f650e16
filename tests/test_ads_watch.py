"""Input polling for --watch (mesh_compile_xds.ads.watch)."""
from __future__ import annotations

import os
import time

import pytest

from mesh_compile_xds.ads.log import Log
from mesh_compile_xds.ads.watch import FileWatcher, fingerprint


def test_fingerprint_sees_edits_new_and_removed_files(tmp_path):
    (tmp_path / "a.yaml").write_text("a: 1\n")
    (tmp_path / "notes.txt").write_text("ignored\n")
    first = fingerprint([str(tmp_path)])
    assert list(first) == [str(tmp_path / "a.yaml")]
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.yml").write_text("b: 1\n")
    assert len(fingerprint([str(tmp_path)])) == 2
    os.remove(tmp_path / "a.yaml")
    assert list(fingerprint([str(tmp_path)])) == [str(tmp_path / "sub" / "b.yml")]


def test_check_calls_back_once_per_change(tmp_path):
    f = tmp_path / "mesh.yaml"
    f.write_text("a: 1\n")
    calls = []
    watcher = FileWatcher([str(f)], lambda: calls.append(1), Log(None), interval=0.01)
    assert watcher.check() is False
    f.write_text("a: 22\n")
    assert watcher.check() is True and calls == [1]
    assert watcher.check() is False


def test_failing_reload_does_not_kill_the_watcher(tmp_path):
    f = tmp_path / "mesh.yaml"
    f.write_text("a: 1\n")
    lines = []

    def boom():
        raise RuntimeError("bug")
    watcher = FileWatcher([str(f)], boom, Log(None, sink=lines.append), interval=0.01)
    f.write_text("a: 333\n")
    assert watcher.check() is True
    assert any("still serving the last good config" in line for line in lines)


def _wait_for(calls: list, timeout: float = 5.0) -> bool:
    import time
    deadline = time.monotonic() + timeout
    while not calls and time.monotonic() < deadline:
        time.sleep(0.01)
    return bool(calls)


def test_a_write_is_seen_at_once_not_at_the_next_poll(tmp_path):
    """With file events, a save replacing the file (as editors and os.replace do) wakes the watcher
    long before its 60 s poll; a file beside it that the loader would not read does not."""
    pytest.importorskip("watchfiles", reason="file events need watchfiles (a dependency of mesh-compile)")
    f = tmp_path / "mesh.yaml"
    f.write_text("a: 1\n")
    calls: list = []
    watcher = FileWatcher([str(f)], lambda: calls.append(1), Log(None), interval=60).start()
    try:
        time.sleep(0.2)                           # the watch is being set up
        (tmp_path / "notes.txt").write_text("x\n")
        assert not _wait_for(calls, timeout=0.5)
        tmp = tmp_path / "mesh.yaml.tmp"
        tmp.write_text("a: 2\n")
        os.replace(tmp, f)
        assert _wait_for(calls), "the change was not seen within 5 s"
        calls.clear()
        tmp.write_text("a: 33\n")                 # the replaced file is still watched
        os.replace(tmp, f)
        assert _wait_for(calls)
    finally:
        watcher.stop()


def test_a_new_file_in_a_watched_folder_is_seen_at_once(tmp_path):
    pytest.importorskip("watchfiles", reason="file events need watchfiles (a dependency of mesh-compile)")
    (tmp_path / "sub").mkdir()
    calls: list = []
    watcher = FileWatcher([str(tmp_path)], lambda: calls.append(1), Log(None), interval=60).start()
    try:
        time.sleep(0.2)
        (tmp_path / "sub" / "b.yml").write_text("b: 1\n")
        assert _wait_for(calls)
    finally:
        watcher.stop()
