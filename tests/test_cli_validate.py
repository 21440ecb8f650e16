"""`mesh-compile validate`: findings name the Istio object behind them; --fail-on sets the exit status."""
from pathlib import Path

from mesh_compile.cli.main import run
from meshes import doc, service, virtual_service

MESH = doc(
    service("reviews", "[{name: http, port: 9080}]", cluster_ip="10.96.0.20", selector=False),
    virtual_service("to-missing-subset", "reviews") + """\
  http:
  - route: [{destination: {host: reviews, subset: v3}}]
""",
)


def test_missing_subset_is_a_warning_traced_to_the_virtual_service(tmp_path: Path):
    f = tmp_path / "mesh.yaml"
    f.write_text(MESH)
    code, out, _ = run(["validate", "deploy/sleep.default", "-f", str(f)])
    assert code == 0
    line = next(l for l in out.splitlines() if "IST0101" in l)
    assert line.startswith("Warning") and "outbound|9080|v3|reviews.default.svc.cluster.local" in line
    assert f"VirtualService default/to-missing-subset {f}:9" in line
    code, _, _ = run(["validate", "deploy/sleep.default", "-f", str(f), "--fail-on", "warning"])
    assert code == 1


def test_clean_mesh_has_no_findings():
    code, out, _ = run(["validate", "deploy/webapp.istioinaction", "--example"])
    assert code == 0 and out.strip().endswith("no findings")
