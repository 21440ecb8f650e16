"""`pc all -o json` on two cores: the listeners and routes (and the endpoints, when it has the time) are
built and written by a forked process while this one does the clusters.

Routes are the biggest share of a sidecar's build after the clusters, and they need nothing the
clusters or endpoints build, so the two halves share only the index, which the fork gives the child
for free (copy-on-write). The output keeps config_dump order by taking turns on the one stdout: this
process writes the opening and the clusters, flushes, and hands the turn over through a pipe; the
child, its sections built and formatted by then (it would otherwise wait idle while the clusters are
written; holding the text costs ~5% more memory at 10,000 services), writes them straight to the same
file descriptor and exits. (Spilling the child's text to a temporary file and copying it in cost more
than the fork saved at 10,000 services.)

The endpoints need only the names of the EDS clusters. Once its clusters are built, this process looks
whether the child has made its own sections already (a gateway's routes hold only the hosts it binds):
then the child is sent the names and makes the endpoints too, formatting them until its turn comes and
the rest as it writes (so a late child does not hold their text: +9 MB, not +160 MB, at 10,000
services). Otherwise this process makes them while the child writes, and writes them last. Should the
child fail before its turn, this process builds those sections itself, so an error surfaces as it would
without the fork.

Used only where forking is safe and pays: a one-shot console-script process (no threads, nothing to
clean up: cli/quick_exit.py), with two or more CPUs, and a mesh of at least MIN_SERVICES services.
MESH_COMPILE_JOBS=1 turns it off.
"""
from __future__ import annotations

import marshal
import os
import select
import signal
import threading
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
    descriptor), listeners and routes (and, when it is ahead, endpoints) made and written by a forked child."""
    stream.flush()
    pipes = _Pipes()
    pid = os.fork()
    if pid == 0:
        _child(cfg, pipes.child_side(), stream.fileno())
    pipes.parent_side()
    sender = None
    try:
        stream.write(json_out.CONFIG_DUMP_OPEN)
        clusters = cfg.clusters
        # the child makes the endpoints too when it is done with its own sections before the clusters
        child_endpoints = _child_is_ready(pipes.ready)
        sender = _send_names(pipes.take("names"), eds_names(clusters) if child_endpoints else None)
        _write(stream, json_out.config_dump_section_chunks(dump.clusters_section(cfg)))
        stream.write(json_out.CONFIG_DUMP_BETWEEN)
        stream.flush()
        _hand_over(pipes.take("turn"))
        endpoints = None if child_endpoints else dump.endpoints_section(cfg)   # while the child writes
        _, status = os.waitpid(pid, 0)
        pid = 0
        code = os.waitstatus_to_exitcode(status)
        if code == NOTHING_WRITTEN:
            _write(stream, _listeners_and_routes(cfg))
            endpoints = endpoints or dump.endpoints_section(cfg)
        elif code != 0:
            raise ChildFailed(f"the process writing listeners and routes failed (exit status {code})")
        if endpoints is not None:
            stream.write(json_out.CONFIG_DUMP_BETWEEN)
            _write(stream, json_out.config_dump_section_chunks(endpoints))
        stream.write(json_out.CONFIG_DUMP_CLOSE)
        stream.flush()
    finally:
        pipes.close()   # never handed over: the child reads end-of-file
        if pid:   # the reader left early (a closed pipe) or this process failed: stop the child
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        if sender is not None:
            sender.join()


class _Pipes:
    """turn and names (this process to the child), ready (the child to this process)."""

    def __init__(self) -> None:
        self._ends = {name: os.pipe() for name in ("turn", "names", "ready")}
        self._mine: dict[str, int] = {}
        self.ready = -1

    def child_side(self) -> tuple[int, int, int]:
        (turn_r, turn_w), (names_r, names_w), (ready_r, ready_w) = self._ends.values()
        for fd in (turn_w, names_w, ready_r):
            os.close(fd)
        return turn_r, names_r, ready_w

    def parent_side(self) -> None:
        (turn_r, turn_w), (names_r, names_w), (ready_r, ready_w) = self._ends.values()
        for fd in (turn_r, names_r, ready_w):
            os.close(fd)
        self._mine = {"turn": turn_w, "names": names_w, "ready": ready_r}
        self.ready = ready_r

    def take(self, name: str) -> int:
        """The pipe end, now the caller's to close."""
        return self._mine.pop(name)

    def close(self) -> None:
        for fd in self._mine.values():
            os.close(fd)
        self._mine.clear()


def _child_is_ready(ready_r: int) -> bool:
    """Whether the child has made its own sections (then it has time for the endpoints too)."""
    return bool(select.select([ready_r], [], [], 0)[0])


def eds_names(clusters: list[dict]) -> list[str]:
    """What ProxyConfig.endpoints_for reads of the clusters."""
    return [c["name"] for c in clusters if c.get("type") == "EDS"]


def _send_names(fd: int, names: list[str] | None) -> threading.Thread:
    """Writes the names (None: this process makes the endpoints) to the child from a thread: they
    outgrow a pipe's buffer, and the child reads them when it is ready, while this process goes on
    writing the clusters."""
    def send() -> None:
        try:
            with open(fd, "wb") as pipe:
                pipe.write(marshal.dumps(names))
        except OSError:   # the child is gone: its exit status says what it wrote
            pass
    thread = threading.Thread(target=send, name="mesh-compile-eds-names", daemon=True)
    thread.start()
    return thread


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


def _listeners_and_routes(cfg: Any) -> Iterator[bytes]:
    yield from json_out.config_dump_section_chunks(dump.listeners_section(cfg))
    yield json_out.CONFIG_DUMP_BETWEEN
    yield from json_out.config_dump_section_chunks(dump.routes_section(cfg))


def _child_endpoints(cfg: Any, names_r: int) -> dict | None:
    """The endpoints section, when the parent sends the EDS cluster names (None: it makes them itself)."""
    with open(names_r, "rb") as pipe:
        data = pipe.read()
    try:
        names = marshal.loads(data)
    except (EOFError, ValueError, TypeError):   # not sent whole: the clusters are built here instead
        names = False
    if names is None:
        return None
    return dump.endpoints_section(cfg, cfg.endpoints_for([{"name": name, "type": "EDS"} for name in names])
                                  if isinstance(names, list) else cfg.endpoints)


def _formatted_until_turn(text: list[bytes], endpoints: dict | None, turn_r: int) -> Iterator[bytes]:
    """Formats the endpoints section onto `text` until the turn comes (time otherwise spent waiting);
    what is left is formatted as it is written, so a late child never holds all of its text."""
    if endpoints is None:
        return iter(())
    text.append(json_out.CONFIG_DUMP_BETWEEN)
    chunks = iter(json_out.config_dump_section_chunks(endpoints))
    for chunk in chunks:
        text.append(chunk)
        if select.select([turn_r], [], [], 0)[0]:
            break
    return chunks


def _child(cfg: Any, fds: tuple[int, int, int], fd: int) -> None:
    """The forked process: build its sections, wait for its turn, write them to `fd`, and exit without
    cleaning up anything of the parent's (os._exit: no buffers flushed twice, no finalizers)."""
    turn_r, names_r, ready_w = fds
    code = NOTHING_WRITTEN
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)   # Ctrl-C ends both processes at once
        # made and formatted while this process waits for its turn (the parent's clusters take longer),
        # so that only the kernel's share of the writing is left for the turn
        text = list(_listeners_and_routes(cfg))
        os.write(ready_w, b"r")
        endpoints = _child_endpoints(cfg, names_r)
        rest = _formatted_until_turn(text, endpoints, turn_r)
        if os.read(turn_r, 2) != b"go":                 # the parent ended without handing over
            return
        code = 1
        with open(fd, "wb", buffering=1 << 20, closefd=False) as out:
            _write(out, text)
            _write(out, rest)
        code = 0
    finally:
        os._exit(code)
