"""`pc all -o json` on two cores: the listeners and routes are built and written by a forked process
while this one does the clusters and endpoints.

Routes are the biggest share of a sidecar's build after the clusters, and they need nothing the
clusters or endpoints build, so the two halves share only the index, which the fork gives the child
for free (copy-on-write). The output keeps config_dump order by taking turns on the one stdout: this
process writes the opening and the clusters, flushes, and hands the turn over through a pipe; the
child, its sections built and formatted by then (it would otherwise wait idle while the clusters are
written; holding the text costs ~5% more memory at 10,000 services), writes them straight to the same
file descriptor and exits, while this process builds the endpoints, which it writes once the child is
done. (Spilling the child's text to a temporary file and copying it in cost more than the fork saved at
10,000 services.) Should the child fail before its turn, this process builds those sections itself, so
an error surfaces as it would without the fork.

Used only where forking is safe and pays: a one-shot console-script process (no threads, nothing to
clean up: cli/quick_exit.py), with two or more CPUs, and a mesh of at least MIN_SERVICES services.
MESH_COMPILE_JOBS=1 turns it off.
"""
from __future__ import annotations

import os
import signal
from typing import IO, Any, Callable, Iterator, TextIO

from mesh_compile.cli import quick_exit
from mesh_compile.emit import config_dump as dump
from mesh_compile.emit import json_out

MIN_SERVICES = 50      # below this a fork costs more than it saves
NOTHING_WRITTEN = 3    # the child's exit status when it failed before writing a byte


class ChildFailed(RuntimeError):
    """The forked process failed after it began to write: the output is incomplete."""


def usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:   # not on Linux
        return os.cpu_count() or 1


def worth_forking(cfg: Any) -> bool:
    if not hasattr(os, "fork") or not quick_exit.enabled() or os.environ.get("MESH_COMPILE_JOBS") == "1":
        return False
    return usable_cpus() >= 2 and len(getattr(cfg.index, "services", ())) >= MIN_SERVICES


def writer(cfg: Any) -> Callable[[TextIO], None]:
    """Writes the config_dump to a text stream: forked through its binary stream when it has one with
    a file descriptor (sys.stdout), in one process otherwise."""
    def write(out: TextIO) -> None:
        stream = getattr(out, "buffer", None)
        try:
            stream.fileno()
        except (AttributeError, OSError, ValueError):
            chunks = json_out.istioctl_json_chunks(dump.config_dump(cfg))
            out.write(b"".join(chunks).decode("utf-8"))
            return
        out.flush()
        write_config_dump(cfg, stream)
    return write


def write_config_dump(cfg: Any, stream: IO[bytes]) -> None:
    """The bytes of istioctl_json_chunks(config_dump(cfg)) to `stream` (a binary file with a file
    descriptor), listeners and routes made and written by a forked child."""
    stream.flush()
    turn_r, turn_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(turn_w)
        _child(cfg, turn_r, stream.fileno())
    os.close(turn_r)
    try:
        stream.write(json_out.CONFIG_DUMP_OPEN)
        _write(stream, json_out.config_dump_section_chunks(dump.clusters_section(cfg)))
        stream.write(json_out.CONFIG_DUMP_BETWEEN)
        stream.flush()
        _hand_over(turn_w)
        turn_w = -1
        endpoints = dump.endpoints_section(cfg)
        _, status = os.waitpid(pid, 0)
        pid = 0
        code = os.waitstatus_to_exitcode(status)
        if code == NOTHING_WRITTEN:
            _write(stream, _middle_sections(cfg))
        elif code != 0:
            raise ChildFailed(f"the process writing listeners and routes failed (exit status {code})")
        stream.write(json_out.CONFIG_DUMP_BETWEEN)
        _write(stream, json_out.config_dump_section_chunks(endpoints))
        stream.write(json_out.CONFIG_DUMP_CLOSE)
        stream.flush()
    finally:
        if turn_w >= 0:   # never handed over: the child reads end-of-file
            os.close(turn_w)
        if pid:   # the reader left early (a closed pipe) or this process failed: stop the child
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)


def _write(stream: IO[bytes], pieces: Any) -> None:
    for piece in pieces:
        stream.write(piece)


def _hand_over(turn_w: int) -> None:
    try:
        os.write(turn_w, b"go")
    except BrokenPipeError:   # the child is gone already; its exit status says what it wrote
        pass
    finally:
        os.close(turn_w)


def _middle_sections(cfg: Any) -> Iterator[bytes]:
    yield from json_out.config_dump_section_chunks(dump.listeners_section(cfg))
    yield json_out.CONFIG_DUMP_BETWEEN
    yield from json_out.config_dump_section_chunks(dump.routes_section(cfg))


def _child(cfg: Any, turn_r: int, fd: int) -> None:
    """The forked process: build its sections, wait for its turn, write them to `fd`, and exit without
    cleaning up anything of the parent's (os._exit: no buffers flushed twice, no finalizers)."""
    code = NOTHING_WRITTEN
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)   # Ctrl-C ends both processes at once
        # formatted while this process waits for its turn (the parent's clusters take longer), so that
        # only the kernel's share of the writing is left for the turn
        text = list(_middle_sections(cfg))
        if os.read(turn_r, 2) != b"go":                 # the parent ended without handing over
            return
        code = 1
        with open(fd, "wb", buffering=1 << 20, closefd=False) as out:
            _write(out, text)
        code = 0
    finally:
        os._exit(code)
