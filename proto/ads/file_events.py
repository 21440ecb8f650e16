"""The operating system's file events for `--watch`, through watchfiles (on Linux inotify is read
directly instead: inotify_events.py): they wake the watcher as soon as an input file is written, instead
of at its next poll.

Polling alone cost a push half the poll interval on average (issue 5: an edit must reach Envoy within
0.3 s). The events only say *when* to look: what changed is still decided by the watcher's
fingerprint, and the poll stays as the fallback for what events can miss (network file systems, a
symlinked input, no watchfiles, an inotify limit reached).

A file input is watched through its folder, not itself: an editor or `os.replace` saves a new file
over the old one, and a watch on the old file would see nothing after the first save.
"""
from __future__ import annotations

import os
import threading
from typing import Any, Callable, Optional, Sequence

QUIET_MS = 20   # events are reported once the files were quiet this long (an editor's save is several writes)


class FileEvents:
    """Calls `poke` from its own threads whenever an input file (or a file the loader would read
    in an input folder) is created, written, moved or deleted."""

    def __init__(self, paths: Sequence[str], extensions: tuple[str, ...], poke: Callable[[], None],
                 on_error: Callable[[str], None]) -> None:
        self.files = {os.path.abspath(p) for p in paths if not os.path.isdir(p)}
        self.folders = [os.path.abspath(p) for p in paths if os.path.isdir(p)]
        self.extensions = extensions
        self.poke = poke
        self.on_error = on_error
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> bool:
        """True when events are being watched; False (nothing started) without watchfiles."""
        try:
            import watchfiles
        except ImportError:
            return False
        parents = sorted({os.path.dirname(f) for f in self.files})
        for roots, recursive in ((parents, False), (self.folders, True)):
            if roots:
                thread = threading.Thread(target=self._run, args=(watchfiles, roots, recursive), daemon=True,
                                          name="mesh-compile-file-events")
                thread.start()
                self._threads.append(thread)
        return True

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)

    def relevant(self, _change: Any, path: str) -> bool:
        if path in self.files:
            return True
        return path.lower().endswith(self.extensions) and any(
            path.startswith(folder + os.sep) for folder in self.folders)

    def _run(self, watchfiles: Any, roots: list[str], recursive: bool) -> None:
        try:
            for _changes in watchfiles.watch(*roots, watch_filter=self.relevant, debounce=1000, step=QUIET_MS,
                                             stop_event=self._stop, recursive=recursive, raise_interrupt=False,
                                             ignore_permission_denied=True):
                self.poke()
        except Exception as err:   # e.g. the inotify watch limit: polling still sees every change
            if not self._stop.is_set():
                self.on_error(f"file events unavailable ({err}); polling the input instead")


def watch_events(paths: Sequence[str], extensions: tuple[str, ...], poke: Callable[[], None],
                 on_error: Callable[[str], None]) -> Optional[FileEvents]:
    """Started events for the inputs: inotify's own where there is inotify (they say when a write is
    complete: inotify_events.py), else watchfiles'; None when the platform gives none."""
    from .inotify_events import InotifyEvents
    for kind in (InotifyEvents, FileEvents):
        events = kind(paths, extensions, poke, on_error)
        if events.start():
            return events
    return None
