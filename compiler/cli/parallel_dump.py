"""`pc all -o json` on two cores: the listeners and routes are built and encoded in a forked process
while this one does the clusters and endpoints, and the pieces are written in config_dump order.

Routes are the biggest share of a sidecar's build after the clusters, and they need nothing the
clusters or endpoints build, so the two halves share only the index, which the fork gives the child
for free (copy-on-write). The child writes its text to an unlinked temporary file and ends with
os._exit; this process copies that text in after its own clusters. Should the child fail for any
reason, this process builds those sections itself, so an error surfaces as it would without the fork.

Used only where forking is safe and pays: a one-shot console-script process (no threads, nothing to
clean up: cli/quick_exit.py), with two or more CPUs, and a mesh of at least MIN_SERVICES services.
MESH_COMPILE_JOBS=1 turns it off.
"""
from __future__ import annotations

import os
import signal
import tempfile
from typing import IO, Any, Iterator

from mesh_compile.cli import quick_exit
from mesh_compile.emit import config_dump as dump
from mesh_compile.emit import json_out

MIN_SERVICES = 50      # below this a fork costs more than it saves
_BLOCK = 1 << 20


def usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:   # not on Linux
        return os.cpu_count() or 1


def worth_forking(cfg: Any) -> bool:
    if not hasattr(os, "fork") or not quick_exit.enabled() or os.environ.get("MESH_COMPILE_JOBS") == "1":
        return False
    return usable_cpus() >= 2 and len(getattr(cfg.index, "services", ())) >= MIN_SERVICES


def config_dump_chunks(cfg: Any) -> Iterator[bytes]:
    """The bytes of istioctl_json_chunks(config_dump(cfg)), with listeners and routes made in a child."""
    with tempfile.TemporaryFile() as spill:
        pid = os.fork()
        if pid == 0:
            _child(cfg, spill)
        try:
            yield json_out.CONFIG_DUMP_OPEN
            yield from json_out.config_dump_section_chunks(dump.clusters_section(cfg))
            endpoints = dump.endpoints_section(cfg)
            _, status = os.waitpid(pid, 0)
            pid = 0
            yield json_out.CONFIG_DUMP_BETWEEN
            if os.waitstatus_to_exitcode(status) == 0:
                spill.seek(0)
                yield from iter(lambda: spill.read(_BLOCK), b"")
            else:
                yield from _middle_sections(cfg)
            yield json_out.CONFIG_DUMP_BETWEEN
            yield from json_out.config_dump_section_chunks(endpoints)
            yield json_out.CONFIG_DUMP_CLOSE
        finally:
            if pid:   # the reader left early (a closed pipe) or this process failed: stop the child
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)


def _middle_sections(cfg: Any) -> Iterator[bytes]:
    yield from json_out.config_dump_section_chunks(dump.listeners_section(cfg))
    yield json_out.CONFIG_DUMP_BETWEEN
    yield from json_out.config_dump_section_chunks(dump.routes_section(cfg))


def _child(cfg: Any, spill: IO[bytes]) -> None:
    """The forked process: its sections' text into `spill`, then exit without cleaning up anything of
    the parent's (os._exit: no buffers flushed twice, no finalizers)."""
    code = 1
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)   # Ctrl-C ends both processes at once
        for piece in _middle_sections(cfg):
            spill.write(piece)
        spill.flush()
        code = 0
    finally:
        os._exit(code)
