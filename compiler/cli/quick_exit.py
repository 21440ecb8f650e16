"""One-shot commands end without freeing what they built.

Freeing a compiled mesh (hundreds of thousands of small dicts, lists and models) one object at a time,
then tearing the interpreter down, took 0.4-0.5 s of a 2.5 s compile of 1000 services; the operating
system takes the whole process back at once. The console script (`entry`) turns this on; in-process
callers (tests, `run`) and the long-running commands (serve, demo) free as usual.
"""
from __future__ import annotations

import os
import sys
from typing import Any, Callable, NoReturn

_kept: list[Any] = []
_enabled = False


def enable() -> None:
    global _enabled
    _enabled = True


def enabled() -> bool:
    """True in a one-shot console-script process: it may fork and leave its memory to the OS."""
    return _enabled


def disable() -> None:
    """For a long-running command: what it builds is replaced and must be freed."""
    global _enabled
    _enabled = False
    _kept.clear()


def keep(*objects: Any) -> None:
    """Hold `objects` until the process ends (when enabled), so they are never freed one by one."""
    if _enabled:
        _kept.extend(objects)


def run_and_exit(main: Callable[[], int]) -> NoReturn:
    """main(), then the exit: at once when enabled (output flushed first: os._exit skips that)."""
    enable()
    code = main()
    if not _enabled:
        raise SystemExit(code)
    try:
        sys.stdout.flush()
    except (BrokenPipeError, ValueError):   # the reader left, or the stream is closed
        pass
    except OSError as exc:                  # a full disk: say so, as a normal exit would
        sys.stderr.write(f"Error: {exc}\n")
        code = code or 1
    try:
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    os._exit(code)
