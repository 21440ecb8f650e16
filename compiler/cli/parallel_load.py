"""The load of a big mesh on two cores: a forked process parses and checks part of the documents
while this one does the rest.

Reading YAML and checking each object (the typed model, then istiod's webhook checks) are most of a big
mesh's load, and each document's share depends on that document alone, so they split with no
coordination. The child takes every other document (a mesh file is often grouped by kind, and kinds
differ tenfold in cost). What comes back must cost much less to take in than to make:

  * documents: yaml-rs's plain dicts and lists, sent with `marshal` (C; ~0.3 of the cost of parsing);
  * checked objects: whether each was accepted and its problems, not the typed model (unpickling
    pydantic models costs as much as making them). This process makes the typed models of the child's
    objects itself while the child runs the webhook checks, so the child takes more of the objects.

The result is what the one-process map gives, in the same order: if the child fails in any way (an
exception, a signal, data that does not decode, a count that does not match), this process does the
child's part itself. Used only where forking is safe and pays, as parallel_dump.py decides it.
"""
from __future__ import annotations

import marshal
import os
import pickle
import signal
from functools import partial
from typing import Any, Callable

from mesh_compile.cli import parallel_dump

MIN_ITEMS = 10_000     # documents or objects in one map: no gain measured at 5,000 (1,000 services)
CHECK_SHARE = 0.65     # the child's share of the objects to check (measured at 10,000 services)


def worth_forking() -> bool:
    """Whether this process may fork for its load (sizes are checked per map)."""
    if not hasattr(os, "fork") or os.environ.get("MESH_COMPILE_JOBS") == "1":
        return False
    from mesh_compile.cli import quick_exit
    return quick_exit.enabled() and parallel_dump.usable_cpus() >= 2


def map_documents(parse: Callable[[str], Any], texts: list[str]) -> list[Any]:
    """[parse(t) for t in texts], every other text parsed by a forked process."""
    if len(texts) < MIN_ITEMS:
        return [parse(text) for text in texts]
    mine, theirs = texts[0::2], texts[1::2]
    child = _start(parse, theirs, marshal.dumps)
    with _stopped_on_error(child):
        done = [parse(text) for text in mine]
    got = _collect(child, marshal.loads, len(theirs))
    out = [None] * len(texts)
    out[0::2], out[1::2] = done, got if got is not None else [parse(text) for text in theirs]
    return out


def check_objects(raws: list[Any], default_namespace: str) -> list[tuple[Any, list]]:
    """[parse_object(raw, default_namespace) for raw in raws], CHECK_SHARE of them checked by a forked
    process while this one makes their typed models (model/objects.py typed_object)."""
    from mesh_compile.model.objects import parse_object, typed_object
    check = partial(parse_object, default_namespace=default_namespace)
    if len(raws) < MIN_ITEMS:
        return [check(raw) for raw in raws]
    theirs_at = _spread(len(raws), CHECK_SHARE)
    theirs = [raw for raw, taken in zip(raws, theirs_at) if taken]
    child = _start(partial(_verdict, check), theirs, _pickled)
    with _stopped_on_error(child):
        done = iter([check(raw) for raw, taken in zip(raws, theirs_at) if not taken])
        typed = [typed_object(raw, default_namespace) for raw in theirs]
    verdicts = _collect(child, pickle.loads, len(theirs))
    if verdicts is None:
        got = iter([check(raw) for raw in theirs])
    else:
        got = iter([_accepted(check, raw, obj, verdict) for raw, obj, verdict in zip(theirs, typed, verdicts)])
    return [next(got) if taken else next(done) for taken in theirs_at]


def _spread(n: int, share: float) -> list[bool]:
    """For each of n items, whether the child takes it: `share` of them, evenly spread."""
    return [int((i + 1) * share) > int(i * share) for i in range(n)]


def _verdict(check: Callable[[Any], tuple[Any, list]], raw: Any) -> tuple[bool, list]:
    obj, problems = check(raw)
    return obj is not None, problems


def _pickled(results: list) -> bytes:
    return pickle.dumps(results, protocol=pickle.HIGHEST_PROTOCOL)


def _accepted(check: Callable[[Any], tuple[Any, list]], raw: Any, typed: Any,
              verdict: tuple[bool, list]) -> tuple[Any, list]:
    """parse_object's answer from the child's verdict and the typed model made here; the model cannot
    be missing when the child accepted the object (same data), but then the check runs here."""
    accepted, problems = verdict
    if not accepted:
        return None, problems
    return (typed, problems) if typed is not None else check(raw)


class _stopped_on_error:
    """On an exception (Ctrl-C included) in this process's share, the child is stopped."""

    def __init__(self, child: tuple[int, int] | None):
        self.child = child

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, *_: Any) -> None:
        if kind is not None and self.child is not None:
            stop_child(self.child)


def _start(fn: Callable[[Any], Any], items: list, encode: Callable[[list], bytes]) -> tuple[int, int] | None:
    """(pid, read end of its pipe) of a child that maps `items` and writes the encoded results."""
    return fork_child(lambda: encode([fn(item) for item in items]))


def fork_child(work: Callable[[], bytes]) -> tuple[int, int] | None:
    """(pid, read end of its pipe) of a forked child that writes what work() returns to the pipe and
    exits (status 0, or 1 when work fails) without running anything of the parent's at exit; None
    when no process can be forked."""
    try:
        read_fd, write_fd = os.pipe()
        pid = os.fork()
    except OSError:
        return None
    if pid == 0:
        os.close(read_fd)
        _child(work, write_fd)
    os.close(write_fd)
    return pid, read_fd


def _child(work: Callable[[], bytes], fd: int) -> None:
    code = 1
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)   # Ctrl-C ends both processes at once
        data = work()
        with open(fd, "wb", closefd=False) as out:
            out.write(data)
        code = 0
    finally:
        os._exit(code)


def stop_child(child: tuple[int, int]) -> None:
    """Kills a child of fork_child and reaps it."""
    pid, read_fd = child
    os.close(read_fd)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)


def _collect(child: tuple[int, int] | None, decode: Callable[[bytes], list], count: int) -> list | None:
    """The child's `count` results, or None when there is no child or it failed (this process then
    maps its items itself)."""
    if child is None:
        return None
    results = collected(*child, decode)
    return results if isinstance(results, list) and len(results) == count else None


def collected(pid: int, read_fd: int, decode: Callable[[bytes], Any]) -> Any:
    """What the child `pid` wrote to its pipe, decoded, once it has exited; None when it failed."""
    try:
        with open(read_fd, "rb") as pipe:
            data = pipe.read()
    finally:
        _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        return None
    try:
        return decode(data)
    except Exception:   # noqa: BLE001 - any bad data means: do that part here, as one process would
        return None
