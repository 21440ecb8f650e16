"""Input polling for --watch (mesh_compile_xds.ads.watch)."""
from __future__ import annotations

import os

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
