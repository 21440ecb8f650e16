"""The proxy-config command as a user runs it: exit codes, messages, strictness, filters."""
import json
from pathlib import Path

from mesh_compile.cli.main import run

DATA = Path(__file__).parent / "data" / "cli"


def test_bad_objects_are_reported_and_the_rest_compiles():
    code, out, err = run(["pc", "routes", "deploy/sleep.default", "-f", str(DATA / "bad"), "-o", "json", "--name", "9080"])
    assert code == 1
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.startswith(("Error", "Warning"))]
    assert len(lines) == 4, err
    for name, field, level in (("unknown-field", "spec.htp", "Error"),
                               ("bad-regex", "spec.http[0].match[0].uri.regex", "Error"),
                               # istiod 1.17+ rejects only a zero total (validation.go); 90 is a warning
                               ("weights-90", "spec.http[0].route", "Warning"),
                               ("no-host", "spec.http[0].route[0].destination.host", "Error")):
        line = next(l for l in lines if f"default/{name}" in l)
        assert line.startswith(level) and "mesh.yaml:" in line and field in line, line
    routes = json.loads(out)
    vh = routes[0]["virtualHosts"][0]
    # the invalid ones are left out; of the valid two the oldest (weights-90) wins the host (facts 3)
    clusters = vh["routes"][0]["route"]["weightedClusters"]["clusters"]
    assert [(c["name"].split("|")[2], c["weight"]) for c in clusters] == [("v1", 80), ("v2", 10)]


def test_strict_prints_nothing():
    code, out, err = run(["pc", "routes", "deploy/sleep.default", "-f", str(DATA / "bad"), "-o", "json", "--strict"])
    assert code == 1 and out == "" and "--strict" in err


def test_yaml_syntax_error_exits_2_with_file_and_line():
    code, out, err = run(["pc", "routes", "deploy/sleep.default", "-f", str(DATA / "syntax")])
    assert code == 2 and out == ""
    assert "broken.yaml:" in err and "Traceback" not in err


def test_unsupported_version_and_bad_target_are_clear():
    code, _, err = run(["pc", "routes", "deploy/sleep.default", "--example", "--istio-version", "1.12"])
    assert code == 2 and "supported" in err
    code, _, err = run(["pc", "routes", "deploy/", "--example"])
    assert code == 2 and "deploy/NAME.NAMESPACE" in err


def test_missing_input_is_an_error():
    code, _, err = run(["pc", "routes", "deploy/sleep.default"])
    assert code == 2 and "-f" in err
    code, _, err = run(["pc", "routes", "deploy/sleep.default", "-f", str(DATA / "nope.yaml")])
    assert code == 2 and "nope.yaml" in err


def test_cluster_filters_and_json_order():
    code, out, _ = run(["pc", "cluster", "deploy/istio-ingressgateway.istio-system", "--example", "-o", "json",
                        "--fqdn", "catalog.istioinaction.svc.cluster.local"])
    assert code == 0
    names = [c["name"] for c in json.loads(out)]
    assert names == ["outbound|80||catalog.istioinaction.svc.cluster.local",
                     "outbound|80|version-v1|catalog.istioinaction.svc.cluster.local",
                     "outbound|80|version-v2|catalog.istioinaction.svc.cluster.local"]


def test_stdin_input():
    import io
    text = (DATA / "bad" / "mesh.yaml").read_text().split("---")[0]
    code, out, _ = run(["pc", "routes", "deploy/sleep.default", "-f", "-", "-o", "json"], stdin=io.StringIO(text))
    assert code == 0 and json.loads(out)[0]["name"] == "9080"


def test_output_is_deterministic():
    args = ["pc", "all", "deploy/webapp.istioinaction", "--example", "-o", "json"]
    assert run(args)[1] == run(args)[1]


def test_help_imports_no_heavy_module():
    """--help must not import pydantic, protobuf, grpc or yaml (its speed is a figure of tools/bench)."""
    import subprocess
    import sys
    proc = subprocess.run([sys.executable, "-c", "import sys; from mesh_compile.cli.main import main; main(['--help']);"
                           "print(sorted(m for m in ('pydantic','google.protobuf','grpc','yaml') if m in sys.modules))"],
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0
    assert proc.stdout.strip().endswith("[]"), proc.stdout[-200:]
