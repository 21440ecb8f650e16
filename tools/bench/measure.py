"""Run one child process the way a user would and measure it: wall time and its peak memory.

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
        tree = TreeMemory(proc.pid)
        try:
            # Reap it ourselves to read its own rusage; then tell Popen it is gone.
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
            tree.stop()
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        tail = err.read().decode(errors="replace")[-2000:]
    # ru_maxrss is in KiB on Linux.
    peak = max(usage.ru_maxrss / 1024.0, tree.peak_mb)
    return ChildRun(list(argv), wall, peak, proc.returncode, tail, timed_out.is_set())


class TreeMemory:
    """The peak of a process's memory together with the processes it forks, sampled every `interval`:
    its RSS plus each descendant's private pages (Private_Clean + Private_Dirty of smaps_rollup: what
    a fork shares copy-on-write with its parent is counted once). ru_maxrss alone misses a forked
    child (mesh-compile builds routes in one: cli/parallel_dump.py). Linux only; 0 elsewhere."""

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        self.pid, self.interval, self.peak_mb = pid, interval, 0.0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        if Path(f"/proc/{pid}").exists():
            self._thread.start()

    def stop(self) -> None:
        self._done.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        page_kb = os.sysconf("SC_PAGE_SIZE") / 1024.0
        while not self._done.wait(self.interval):
            try:
                rss_kb = int(Path(f"/proc/{self.pid}/statm").read_text().split()[1]) * page_kb
                kb = rss_kb + sum(_private_kb(child) for child in _descendants(self.pid))
            except (OSError, ValueError, IndexError):   # it ended between two reads
                continue
            self.peak_mb = max(self.peak_mb, kb / 1024.0)


def _descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        for task in Path(f"/proc/{todo.pop()}/task").glob("*/children"):
            kids = [int(k) for k in task.read_text().split()]
            out += kids
            todo += kids
    return out


def _private_kb(pid: int) -> float:
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0.0
    return float(sum(int(line.split()[1]) for line in text.splitlines()
                     if line.startswith(("Private_Clean:", "Private_Dirty:"))))


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
