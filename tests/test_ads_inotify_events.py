"""inotify's own events for `serve --watch` (proto/ads/inotify_events.py): a complete write wakes the
watcher at once, a file still being written does not, new folders are watched, other files are not."""
from __future__ import annotations

import os
import sys
import time

import pytest

pytest.importorskip("inotify_simple", reason="inotify events are read on Linux only (inotify_simple)")

from mesh_compile_xds.ads import inotify_events  # noqa: E402
from mesh_compile_xds.ads.file_events import watch_events  # noqa: E402
from mesh_compile_xds.ads.inotify_events import InotifyEvents  # noqa: E402

EXTENSIONS = (".yaml", ".yml", ".json")


class Pokes:
    def __init__(self) -> None:
        self.times: list[float] = []

    def __call__(self) -> None:
        self.times.append(time.monotonic())

    def wait(self, count: int = 1, timeout: float = 5.0) -> bool:
        deadline = time.monotonic() + timeout
        while len(self.times) < count and time.monotonic() < deadline:
            time.sleep(0.005)
        return len(self.times) >= count


@pytest.fixture
def watching(tmp_path):
    started = []

    def start(paths):
        pokes, errors = Pokes(), []
        events = InotifyEvents([str(p) for p in paths], EXTENSIONS, pokes, errors.append)
        assert events.start()
        started.append(events)
        return pokes, errors
    yield start
    for events in started:
        events.stop()
        assert all(not t.is_alive() for t in events._threads) and events._inotify is None


def test_a_save_by_rename_wakes_at_once(tmp_path, watching):
    mesh = tmp_path / "mesh.yaml"
    mesh.write_text("a: 1\n")
    pokes, errors = watching([mesh])
    (tmp_path / "mesh.yaml.tmp").write_text("a: 2\n")
    saved = time.monotonic()
    os.replace(tmp_path / "mesh.yaml.tmp", mesh)
    assert pokes.wait()
    assert pokes.times[0] - saved < 0.5 and not errors
    time.sleep(0.1)
    assert len(pokes.times) == 1                     # one save, one wake


def test_a_file_still_being_written_waits_for_its_close(tmp_path, watching):
    pokes, _ = watching([tmp_path])
    with open(tmp_path / "new.yaml", "w") as fh:
        fh.write("a: 1\n")
        fh.flush()
        assert not pokes.wait(timeout=0.3)           # created, written, not closed: not whole yet
    assert pokes.wait()


def test_a_writer_that_keeps_the_file_open_is_looked_at_after_max_wait(tmp_path, watching, monkeypatch):
    monkeypatch.setattr(inotify_events, "MAX_WAIT_MS", 100)
    pokes, _ = watching([tmp_path])
    with open(tmp_path / "held.yaml", "w") as fh:
        fh.write("a: 1\n")
        fh.flush()
        assert pokes.wait(timeout=2)


def test_an_edit_in_place_wakes_when_closed(tmp_path, watching):
    mesh = tmp_path / "mesh.yaml"
    mesh.write_text("a: 1\n")
    pokes, _ = watching([mesh])
    mesh.write_text("a: 22\n")                       # truncate, write, close
    assert pokes.wait()


def test_other_files_do_not_wake(tmp_path, watching):
    mesh = tmp_path / "mesh.yaml"
    mesh.write_text("a: 1\n")
    pokes, _ = watching([mesh])
    (tmp_path / "notes.txt").write_text("x\n")
    (tmp_path / "other.yaml").write_text("b: 1\n")   # beside a file input, but not an input
    assert not pokes.wait(timeout=0.3)


def test_folders_made_later_are_watched(tmp_path, watching):
    (tmp_path / "old").mkdir()
    pokes, _ = watching([tmp_path])
    (tmp_path / "old" / "a.yml").write_text("a: 1\n")
    assert pokes.wait(1)
    (tmp_path / "new").mkdir()
    assert pokes.wait(2)                             # a folder moved in may hold inputs: look
    time.sleep(0.05)
    count = len(pokes.times)
    (tmp_path / "new" / "b.json").write_text("{}\n")
    assert pokes.wait(count + 1)


def test_without_inotify_simple_watchfiles_is_used(tmp_path, monkeypatch):
    pytest.importorskip("watchfiles", reason="the fallback is watchfiles")
    monkeypatch.setitem(sys.modules, "inotify_simple", None)
    events = watch_events([str(tmp_path)], EXTENSIONS, lambda: None, lambda message: None)
    try:
        assert events is not None and type(events).__name__ == "FileEvents"
    finally:
        events.stop()


def test_with_inotify_it_is_used(tmp_path):
    events = watch_events([str(tmp_path)], EXTENSIONS, lambda: None, lambda message: None)
    try:
        assert isinstance(events, InotifyEvents)
    finally:
        events.stop()
