"""Exporting input paths as of a git revision (for `diff --base-ref`), without touching the checkout."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from mesh_compile.compare.revision import RevisionError, export_at

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args], cwd=repo,
                          check=True, capture_output=True, text=True, timeout=30).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "mesh" / "sub").mkdir(parents=True)
    (root / "mesh" / "a.yaml").write_text("old a\n")
    (root / "mesh" / "sub" / "b.yaml").write_text("old b\n")
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-qm", "base")
    (root / "mesh" / "a.yaml").write_text("new a\n")
    (root / "mesh" / "c.yaml").write_text("new c\n")
    return root


def test_folder_and_file_as_of_the_revision(repo, tmp_path):
    head_before = git(repo, "rev-parse", "HEAD")
    status_before = git(repo, "status", "--porcelain")
    out = tmp_path / "export"
    paths, notes = export_at([str(repo / "mesh"), str(repo / "mesh" / "a.yaml")], "HEAD", out)
    assert notes == []
    folder, file = Path(paths[0]), Path(paths[1])
    assert (folder / "a.yaml").read_text() == "old a\n" and (folder / "sub" / "b.yaml").read_text() == "old b\n"
    assert not (folder / "c.yaml").exists()
    assert file.read_text() == "old a\n"
    assert git(repo, "rev-parse", "HEAD") == head_before and git(repo, "status", "--porcelain") == status_before


def test_a_path_new_since_the_revision_is_noted(repo, tmp_path):
    paths, notes = export_at([str(repo / "mesh" / "c.yaml")], "HEAD", tmp_path / "x")
    assert paths == [] and "did not exist at HEAD" in notes[0]


def test_relative_path_from_inside_the_repo(repo, tmp_path, monkeypatch):
    monkeypatch.chdir(repo / "mesh")
    paths, _ = export_at(["sub"], "HEAD", tmp_path / "x")
    assert (Path(paths[0]) / "b.yaml").read_text() == "old b\n"


@pytest.mark.parametrize("paths,rev,message", [
    (["mesh"], "no-such-rev", "unknown git revision"),
    (["-"], "HEAD", "cannot read stdin"),
    (["missing/dir/x.yaml"], "HEAD", "does not exist"),
])
def test_errors(repo, tmp_path, paths, rev, message):
    with pytest.raises(RevisionError, match=message):
        export_at([str(repo / p) if p != "-" else p for p in paths], rev, tmp_path / "x")


def test_outside_a_repository(tmp_path):
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(RevisionError, match="not inside a git repository"):
        export_at([str(plain)], "HEAD", tmp_path / "x")
