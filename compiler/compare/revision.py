"""Input files as they were at a git revision, for `mesh-compile diff -f PATH --base-ref REV`.

Each PATH is exported with `git archive REV -- PATH` into a temporary folder (nothing in the checkout, the
index or HEAD changes), so the same loader reads the old and the new version.
"""
from __future__ import annotations

import io
import subprocess
import tarfile
from pathlib import Path

GIT_TIMEOUT = 60   # seconds; a local `git archive` of config files takes far less


class RevisionError(ValueError):
    pass


def _git(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, timeout=GIT_TIMEOUT)
    except FileNotFoundError:
        raise RevisionError("--base-ref needs git, which is not on PATH") from None
    except subprocess.TimeoutExpired:
        raise RevisionError(f"git {args[0]} took longer than {GIT_TIMEOUT}s") from None
    if check and proc.returncode != 0:
        raise RevisionError(proc.stderr.decode("utf-8", "replace").strip() or f"git {args[0]} failed")
    return proc


def repo_root(path: Path) -> Path:
    start = path if path.is_dir() else path.parent
    if not start.exists():
        raise RevisionError(f"{path} does not exist")
    proc = _git(start, "rev-parse", "--show-toplevel", check=False)
    if proc.returncode != 0:
        raise RevisionError(f"{path} is not inside a git repository")
    return Path(proc.stdout.decode().strip())


def export_at(paths: list[str], rev: str, tmp: Path) -> tuple[list[str], list[str]]:
    """Export each of `paths` as of `rev` under `tmp`. -> (paths to read, notes for the user).
    A path that did not exist at `rev` contributes nothing (its objects are all new)."""
    out, notes = [], []
    for i, raw in enumerate(paths):
        if raw == "-":
            raise RevisionError("--base-ref cannot read stdin (-f -); give files or folders")
        path = Path(raw).resolve()
        root = repo_root(path)
        if _git(root, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}", check=False).returncode != 0:
            raise RevisionError(f"unknown git revision {rev!r} in {root}")
        rel = path.relative_to(root).as_posix() if path != root else "."
        if rel != "." and _git(root, "cat-file", "-e", f"{rev}:{rel}", check=False).returncode != 0:
            notes.append(f"{raw} did not exist at {rev}: everything in it is new")
            continue
        data = _git(root, "archive", "--format=tar", rev, "--", rel).stdout
        dest = tmp / str(i)
        dest.mkdir(parents=True)
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            tar.extractall(dest, filter="data")
        out.append(str(dest / rel))
    return out, notes
