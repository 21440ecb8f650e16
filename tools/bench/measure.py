"""Run one child process the way a user would and measure it: wall time and its own peak RSS.

os.wait4 gives the rusage of exactly that child (RUSAGE_CHILDREN would be the maximum over every child
the benchmark ever started, so a small run after a big one would report the big one's memory)."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence


@dataclass
class ChildRun:
    argv: list[str]
    wall_s: float
    peak_rss_mb: float
    returncode: int
    stderr_tail: str
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out


def mesh_compile_command() -> list[str]:
    """The installed console script, as a user runs it; `python -m mesh_compile` if it is not on PATH."""
    exe = shutil.which("mesh-compile")
    return [exe] if exe else [sys.executable, "-m", "mesh_compile"]


def run_child(argv: Sequence[str], *, stdout: Path | None = None, timeout: float = 600.0) -> ChildRun:
    """Run argv with stdout to a file (or discarded) and stderr to a temporary file (a pipe left unread
    could fill and stall the child); kill it after `timeout` seconds."""
    timed_out = threading.Event()
    with tempfile.TemporaryFile() as err, (open(stdout, "wb") if stdout else open(os.devnull, "wb")) as out:
        start = time.perf_counter()
        proc = subprocess.Popen(list(argv), stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                start_new_session=True)
        timer = threading.Timer(timeout, _kill, (proc, timed_out))
        timer.start()
        try:
            # Reap it ourselves to read its own rusage; then tell Popen it is gone.
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        tail = err.read().decode(errors="replace")[-2000:]
    # ru_maxrss is in KiB on Linux.
    return ChildRun(list(argv), wall, usage.ru_maxrss / 1024.0, proc.returncode, tail, timed_out.is_set())


def _kill(proc: subprocess.Popen, flag: threading.Event) -> None:
    flag.set()
    try:
        os.killpg(proc.pid, signal.SIGKILL)   # its own session: only its process group is ended
    except (ProcessLookupError, PermissionError):
        pass


def best_of(runs: list[ChildRun]) -> ChildRun:
    """The fastest successful run (the usual benchmark convention); the first failure if all failed."""
    good = [r for r in runs if r.ok]
    return min(good, key=lambda r: r.wall_s) if good else runs[0]
