"""`--watch`: notice input changes by comparing modification times and sizes, as soon as the operating
system reports a write (file_events.py) and at every poll interval in any case.

Directories are walked for the same files the loader reads (*.yaml, *.yml, *.json), so adding or
deleting a file counts as a change too.
"""
from __future__ import annotations

import os
import threading
from typing import Callable, Optional, Sequence

from .file_events import FileEvents, watch_events
from .log import Log

EXTENSIONS = (".yaml", ".yml", ".json")
SETTLE_S = 0.02
Fingerprint = dict[str, tuple[int, int]]


def fingerprint(paths: Sequence[str]) -> Fingerprint:
    """path -> (mtime_ns, size) of every input file; missing paths are simply absent."""
    out: Fingerprint = {}
    for path in paths:
        if os.path.isdir(path):
            for dirpath, _dirs, files in os.walk(path):
                for name in files:
                    if name.lower().endswith(EXTENSIONS):
                        _stat_into(os.path.join(dirpath, name), out)
        else:
            _stat_into(path, out)
    return out


def _stat_into(path: str, out: Fingerprint) -> None:
    try:
        st = os.stat(path)
    except OSError:
        return
    out[path] = (st.st_mtime_ns, st.st_size)


class FileWatcher:
    """Calls `on_change` (in its own thread) after the input files change and settle."""

    def __init__(self, paths: Sequence[str], on_change: Callable[[], None], log: Log,
                 interval: float = 0.5) -> None:
        self.paths = list(paths)
        self.on_change = on_change
        self.log = log
        self.interval = interval
        self._stop = threading.Event()
        self._wake = threading.Event()       # set by file events: look now, not at the next poll
        self._thread: Optional[threading.Thread] = None
        self._events: Optional[FileEvents] = None
        self._last = fingerprint(self.paths)

    def start(self) -> "FileWatcher":
        self._events = watch_events(self.paths, EXTENSIONS, self._wake.set, self.log.error)
        self._thread = threading.Thread(target=self._run, daemon=True, name="mesh-compile-watch")
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._events is not None:
            self._events.stop()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def check(self, settled: bool = False) -> bool:
        """One look: True (and on_change called) if the files changed since the last one. `settled`:
        the files were just reported quiet (file events), so there is no need to wait for them to settle."""
        now = fingerprint(self.paths)
        if now == self._last:
            return False
        # An editor may write in several steps (truncate, write, rename), all within milliseconds: wait
        # until two polls SETTLE_S apart agree. A longer wait only delays every push.
        while not settled and not self._stop.wait(min(self.interval, SETTLE_S)):
            again = fingerprint(self.paths)
            if again == now:
                break
            now = again
        changed = sorted(p for p in set(now) | set(self._last) if now.get(p) != self._last.get(p))
        self._last = now
        self.log.info("input changed: " + ", ".join(changed[:5]) + (" ..." if len(changed) > 5 else ""))
        try:
            self.on_change()
        except Exception as err:  # the server must keep serving whatever a reload does
            self.log.error(f"reload failed, still serving the last good config: {err!r}")
        return True

    def _run(self) -> None:
        while True:
            woken = self._wake.wait(self.interval)
            if self._stop.is_set():
                return
            self._wake.clear()
            self.check(settled=woken)
