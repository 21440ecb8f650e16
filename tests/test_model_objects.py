"""parse_object: kinds, typed models, and Problems that point at the offending field and line.

tests/data/model/invalid/*.yaml each hold one object with one mistake. Their header comments say
which Problem is expected (`# field:`, `# message:`, optional `# level:`, default Error), and the
line the Problem must point at carries the marker `# <--`.
"""
from pathlib import Path

import pytest

from mesh_compile.diagnostics import ERROR, INFO
from mesh_compile.load import load_text
from mesh_compile.model.objects import ConfigObject, parse_object

INVALID = Path(__file__).parent / "data" / "model" / "invalid"


def parse_text(text: str, file: str = "test.yaml", namespace: str = "default"):
    loaded = load_text(text, file)
    assert not loaded.fatal and len(loaded.objects) == 1, loaded.fatal
    return parse_object(loaded.objects[0], namespace)


def _expectations(text: str) -> dict[str, str]:
    out = {}
    for line in text.splitlines():
        if line.startswith("# ") and ":" in line:
            key, _, value = line[2:].partition(":")
            out[key.strip()] = value.strip()
    return out


@pytest.mark.parametrize("path", sorted(INVALID.glob("*.yaml")), ids=lambda p: p.stem)
def test_invalid_input_gives_one_clear_problem(path):
    text = path.read_text()
    expect = _expectations(text)
    marked = [n for n, line in enumerate(text.splitlines(), 1) if "# <--" in line]
    obj, problems = parse_text(text, file=path.name)
    found = [p for p in problems if p.level != INFO]
    assert len(found) == 1, [p.render() for p in found]
    problem = found[0]
    assert problem.field == expect["field"]
    assert expect["message"] in problem.message
    assert problem.level == expect.get("level", ERROR)
    assert problem.file == path.name and problem.line == marked[0]
    kind = next(line.split(": ", 1)[1] for line in text.splitlines() if line.startswith("kind: "))
    assert problem.kind == kind and problem.namespace
    assert (obj is None) == (problem.level == ERROR)  # a rejected object is not returned
    assert "Traceback" not in problem.render() and "pydantic" not in problem.message.lower()


BOOKINFO_VS = """
apiVersion: networking.istio.io/v1alpha3
kind: VirtualService
metadata:
  name: reviews
spec:
  hosts: [reviews]
  http:
  - match:
    - headers:
        end-user: {exact: jason}
    route:
    - destination: {host: reviews, subset: v2}
  - route:
    - destination: {host: reviews, subset: v3, port: {number: 9080}}
"""


def test_virtual_service_attributes_and_default_namespace():
    obj, problems = parse_text(BOOKINFO_VS, namespace="bookinfo")
    assert problems == []
    assert isinstance(obj, ConfigObject)
    assert (obj.kind, obj.apiVersion, obj.meta.name, obj.meta.namespace) == (
        "VirtualService", "networking.istio.io/v1alpha3", "reviews", "bookinfo")
    assert obj.obj.metadata.namespace == "bookinfo"
    http = obj.spec.http
    assert http[0].match[0].headers["end-user"].exact == "jason"
    assert http[0].route[0].destination.subset == "v2" and http[0].route[0].weight is None
    assert http[1].route[0].destination.port.number == 9080
    assert http[1].match == [] and obj.spec.gateways == [] and obj.spec.tls == []
    assert obj.source.file == "test.yaml" and obj.source.line == 2


def test_kubernetes_objects_ignore_unused_fields():
    text = """
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: ns1, labels: {app: a}, uid: "123"}
spec:
  containers: [{name: c, image: img, ports: [{containerPort: 9080}], resources: {}}]
  tolerations: []
status: {podIP: 10.0.0.5, phase: Running, qosClass: BestEffort}
"""
    obj, problems = parse_text(text)
    assert problems == []
    assert obj.obj.status.podIP == "10.0.0.5" and obj.spec.containers[0].ports[0].containerPort == 9080
    assert obj.meta.labels == {"app": "a"} and obj.meta.namespace == "ns1"


def test_service_target_port_int_or_string():
    text = """
apiVersion: v1
kind: Service
metadata: {name: s}
spec:
  ports: [{name: http, port: 80, targetPort: http-web}, {name: grpc, port: 90, targetPort: 9090}, {port: 1}]
"""
    obj, _ = parse_text(text)
    assert [p.targetPort for p in obj.spec.ports] == ["http-web", 9090, None]


def test_endpoint_slice_and_config_map_expose_whole_object_as_spec():
    text = """
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: s-abc, labels: {kubernetes.io/service-name: s}}
addressType: IPv4
endpoints: [{addresses: [10.1.1.1], conditions: {ready: true}}]
ports: [{name: http, port: 8080, protocol: TCP}]
"""
    obj, problems = parse_text(text)
    assert problems == [] and obj.spec is obj.obj
    assert obj.spec.endpoints[0].addresses == ["10.1.1.1"] and obj.spec.ports[0].port == 8080


@pytest.mark.parametrize("api_version, kind", [
    ("gateway.networking.k8s.io/v1", "Gateway"),
    ("security.istio.io/v1", "PeerAuthentication"),
    ("v1", "Namespace"),
])
def test_unused_kinds_are_skipped_with_info(api_version, kind):
    obj, problems = parse_text(f"apiVersion: {api_version}\nkind: {kind}\nmetadata: {{name: x}}\n")
    assert obj is None
    assert [(p.level, p.message) for p in problems] == [(INFO, f"kind {kind} ({api_version}) is not used; skipped")]


def test_unserved_istio_version_is_an_error():
    obj, problems = parse_text("apiVersion: networking.istio.io/v2\nkind: Gateway\nmetadata: {name: x}\n")
    assert obj is None and problems[0].level == ERROR and problems[0].field == "apiVersion"
    assert "networking.istio.io/v1" in problems[0].message


def test_missing_kind_is_an_error():
    from mesh_compile.load.raw import RawObject
    from mesh_compile.load.source import Source

    raw = RawObject(data={"apiVersion": "v1", "metadata": {"name": "x"}}, source=Source("x.yaml", 1))
    obj, problems = parse_object(raw)
    assert obj is None and problems[0].level == ERROR and problems[0].field == "kind"


def test_null_fields_are_pruned_like_the_api_server():
    text = BOOKINFO_VS.replace("hosts: [reviews]", "hosts: [reviews]\n  gateways:\n  exportTo: ~")
    obj, problems = parse_text(text)
    assert problems == [] and obj.spec.gateways == [] and obj.spec.exportTo == []


def test_empty_istio_spec_is_checked_by_webhook_rules():
    obj, problems = parse_text("apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: x}\n")
    assert obj is None
    assert [p.message for p in problems] == ["http, tcp or tls must be provided in virtual service"]


def test_several_errors_are_all_reported():
    text = """
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: d}
spec:
  host: reviews
  bogus: 1
  trafficPolicy:
    connectionPool: {tcp: {maxConnections: "many"}}
  subsets: [{labels: {version: v1}}]
"""
    _, problems = parse_text(text)
    assert sorted(p.field for p in problems) == [
        "spec.bogus", "spec.subsets[0].name", "spec.trafficPolicy.connectionPool.tcp.maxConnections"]
    assert {p.line for p in problems} == {7, 9, 10}


def test_a_non_mapping_document_is_a_problem_not_a_crash():
    from mesh_compile.load.raw import RawObject
    from mesh_compile.load.source import Source

    obj, problems = parse_object(RawObject(data=["a"], source=Source("x.yaml", 3)))  # type: ignore[arg-type]
    assert obj is None and problems[0].level == ERROR and problems[0].line == 3


def test_unreachable_rule_warning_carries_the_istioctl_code():
    text = BOOKINFO_VS.replace("  - match:\n    - headers:\n        end-user: {exact: jason}\n    route:",
                               "  - route:")
    obj, problems = parse_text(text)
    assert obj is not None
    assert [(p.level, p.code, p.field) for p in problems] == [("Warning", "IST0130", "spec.http[1]")]


def test_input_without_nulls_is_not_copied_nor_changed():
    """parse_data skips the null walk for objects without a null, so it must never write into them."""
    from mesh_compile.model.kinds import KINDS
    from mesh_compile.model.objects import parse_data

    data = {"apiVersion": "networking.istio.io/v1", "kind": "VirtualService", "metadata": {"name": "x"}}
    before = repr(data)
    obj, findings = parse_data(KINDS["VirtualService"], data)
    assert obj is None or findings
    assert repr(data) == before          # no `spec: {}` added to the loaded data


@pytest.mark.parametrize("value", [{1: "a"}, b"\x00", 2**70, {"x"}])
def test_nulls_are_pruned_beside_values_json_cannot_hold(value):
    """Data orjson refuses (non-string keys, !!binary, big ints, !!set) still loses its nulls."""
    from mesh_compile.model.objects import _without_nulls

    data = {"a": None, "b": [{"c": None, "d": value}], "e": value}
    assert _without_nulls(data) == {"b": [{"d": value}], "e": value}


def test_defaults_are_fresh_per_object():
    obj_a, _ = parse_text(BOOKINFO_VS)
    obj_b, _ = parse_text(BOOKINFO_VS)
    obj_a.meta.labels["x"] = "y"
    obj_a.spec.exportTo.append(".")
    assert obj_b.meta.labels == {} and obj_b.spec.exportTo == []
