"""A small thread-safe logger for the server: one line per event, to a text stream."""
from __future__ import annotations

import threading
import time
from typing import Callable, Optional, TextIO

QUIET, INFO, DEBUG = 0, 1, 2


class Log:
    """`info` lines are what a user wants to see (connects, pushes, NACKs, reloads); `debug` is per request."""

    def __init__(self, out: Optional[TextIO], level: int = INFO,
                 sink: Optional[Callable[[str], None]] = None) -> None:
        self._out = out
        self.level = level
        self._sink = sink
        self._lock = threading.Lock()

    def _write(self, text: str) -> None:
        now = time.time()   # milliseconds: a push to Envoy takes a fraction of a second
        line = f"{time.strftime('%H:%M:%S', time.localtime(now))}.{int(now * 1000) % 1000:03d} {text}"
        with self._lock:
            if self._sink is not None:
                self._sink(line)
            if self._out is not None:
                try:
                    self._out.write(line + "\n")
                    self._out.flush()
                except (ValueError, OSError):  # the stream was closed under us (Ctrl-C, pipe gone)
                    pass

    def info(self, text: str) -> None:
        if self.level >= INFO:
            self._write(text)

    def debug(self, text: str) -> None:
        if self.level >= DEBUG:
            self._write(text)

    def error(self, text: str) -> None:
        self._write(text)
