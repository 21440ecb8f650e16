"""File events straight from inotify (Linux, through inotify_simple) for `--watch`: the watcher is woken
as soon as a write is complete, not after a quiet period.

watchfiles (file_events.py) reports a change once the files were quiet for its step (20 ms), as it only
knows that files were modified; a push waited that long and up to a step more (24-36 ms of the 0.3 s an
edit may take to reach Envoy, issue 5). inotify also says when a writer closed a file (IN_CLOSE_WRITE)
or a save renamed one into place (IN_MOVED_TO): the file is whole then, so the wake comes at once.

* a file created and not closed yet is still being written: the wake waits for its close, or MAX_WAIT_MS
  for a writer that keeps it open (the watcher's poll sees that one as well);
* events less than QUIET_MS apart are one wake: an editor's rename-write-delete, a checkout of many files;
* an input folder is watched with every folder under it, and folders made or moved in later.

What changed is still decided by the watcher's fingerprint; the events only say when to look.
"""
from __future__ import annotations

import os
import threading
import time
from typing import Any

from .file_events import FileEvents

QUIET_MS = 3          # events closer than this are one change
MAX_WAIT_MS = 1000    # a file created but not closed: wake after this anyway
STOP_CHECK_MS = 200   # how often an idle watch looks whether it was stopped


class InotifyEvents(FileEvents):
    """FileEvents (same inputs, same `poke`) from inotify's own events."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._inotify: Any = None
        self._flags: Any = None
        self._dirs: dict[int, tuple[str, bool]] = {}     # watch descriptor -> (folder, recursive)

    def start(self) -> bool:
        """True when inotify events are being watched; False (nothing left open) where they cannot be."""
        try:
            import inotify_simple
        except ImportError:   # not Linux, or not installed: watchfiles or polling instead
            return False
        self._flags = inotify_simple.flags
        try:
            self._inotify = inotify_simple.INotify()
            for parent in sorted({os.path.dirname(f) for f in self.files}):
                self._watch(parent, recursive=False)
            for folder in self.folders:
                self._watch_tree(folder)
        except OSError:       # e.g. the watch limit: the caller tries watchfiles, then polls
            self._close()
            return False
        thread = threading.Thread(target=self._run, daemon=True, name="mesh-compile-inotify")
        thread.start()
        self._threads.append(thread)
        return True

    def stop(self) -> None:
        super().stop()
        self._close()

    def _close(self) -> None:
        if self._inotify is not None:
            self._inotify.close()
            self._inotify = None

    def _mask(self) -> int:
        f = self._flags
        return (f.CLOSE_WRITE | f.MOVED_TO | f.MOVED_FROM | f.CREATE | f.DELETE | f.ATTRIB
                | f.DELETE_SELF | f.MOVE_SELF)

    def _watch(self, folder: str, recursive: bool) -> None:
        self._dirs[self._inotify.add_watch(folder, self._mask())] = (folder, recursive)

    def _watch_tree(self, root: str) -> None:
        self._watch(root, recursive=True)
        for dirpath, dirs, _files in os.walk(root):
            for name in dirs:
                self._watch(os.path.join(dirpath, name), recursive=True)

    def _run(self) -> None:
        try:
            self._loop()
        except Exception as err:   # the poll still sees every change
            if not self._stop.is_set():
                self.on_error(f"file events unavailable ({err}); polling the input instead")

    def _loop(self) -> None:
        first: float | None = None          # when the change being gathered began
        writing: set[str] = set()           # files created and not closed yet
        while not self._stop.is_set():
            events = self._inotify.read(timeout=QUIET_MS if first is not None else STOP_CHECK_MS)
            if any([self._take(event, writing) for event in events]) and first is None:
                first = time.monotonic()
            if first is None:
                continue
            quiet = not events and not writing
            if quiet or time.monotonic() - first > MAX_WAIT_MS / 1000:
                first = None
                writing.clear()
                self.poke()

    def _take(self, event: Any, writing: set[str]) -> bool:
        """Whether `event` is part of an input change; folders made or moved in are watched too."""
        f = self._flags
        if event.mask & f.Q_OVERFLOW:
            return True                     # events were lost: look
        if event.mask & f.IGNORED:
            self._dirs.pop(event.wd, None)
            return False
        folder, recursive = self._dirs.get(event.wd, ("", False))
        if event.mask & (f.DELETE_SELF | f.MOVE_SELF):
            return True
        path = os.path.join(folder, event.name)
        if event.mask & f.ISDIR:
            if recursive and event.mask & (f.CREATE | f.MOVED_TO):
                self._watch_tree(path)
            return recursive
        if not self.relevant(None, path):
            return False
        if event.mask & f.CREATE:
            writing.add(path)
        elif event.mask & (f.CLOSE_WRITE | f.DELETE | f.MOVED_FROM):
            writing.discard(path)
        return True
