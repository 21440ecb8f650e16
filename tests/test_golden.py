"""Golden cases: hand-derived claims about what real istioctl prints, checked against mesh-compile.

Each golden/<case>/case.yaml lists checks: the mesh-compile arguments, the expected file, and the source
(seed lines and istio-facts sections) the expected output was derived from. The runner adds
`-f golden/<case>/input --istio-version <istio_version>` and replaces `{case}` in arguments with the
case folder. JSON outputs are compared as parsed JSON with key order; everything else as exact text.

The helpers at the top are also used by tools/refresh_golden.py, so they import nothing heavy.
"""
from __future__ import annotations

import difflib
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "golden"
SHARED = ROOT.parent / "shared"
VERSIONS = ("1.17", "1.30")
CASE_KEYS = {"title", "istio_version", "seed", "assumptions", "checks"}
CHECK_KEYS = {"args", "expected", "source"}

RunFn = Callable[[list[str]], "tuple[int, str, str]"]


# --------------------------------------------------------------------------- case loading
@dataclass
class Check:
    case: "Case"
    args: list[str]
    expected: str
    source: str

    @property
    def expected_path(self) -> Path:
        return self.case.path / self.expected

    @property
    def id(self) -> str:
        return f"{self.case.name}:{self.expected}"

    def argv(self) -> list[str]:
        """The full mesh-compile argument list: the case's args, then the input folder and version."""
        args = [a.replace("{case}", str(self.case.path)) for a in self.args]
        return args + ["-f", str(self.case.path / "input"), "--istio-version", self.case.istio_version]


@dataclass
class Case:
    path: Path
    data: dict[str, Any]
    checks: list[Check] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def istio_version(self) -> str:
        return str(self.data.get("istio_version"))


def load_case(case_yaml: Path) -> Case:
    data = yaml.safe_load(case_yaml.read_text()) or {}
    case = Case(case_yaml.parent, data)
    for raw in data.get("checks") or []:
        raw = raw or {}
        case.checks.append(Check(case, [str(a) for a in raw.get("args") or []],
                                 str(raw.get("expected", "")), str(raw.get("source") or "")))
    return case


def load_cases(names: list[str] | None = None, golden: Path = GOLDEN) -> list[Case]:
    cases = [load_case(p) for p in sorted(golden.glob("*/case.yaml"))]
    if names:
        unknown = set(names) - {c.name for c in cases}
        if unknown:
            raise KeyError(f"no such golden case: {', '.join(sorted(unknown))}")
        cases = [c for c in cases if c.name in names]
    return cases


def all_checks() -> Iterator[Check]:
    for case in load_cases():
        yield from case.checks


# --------------------------------------------------------------------------- comparing outputs
class Obj(list):
    """A JSON object kept as its (key, value) pairs, so that key order takes part in equality."""


def parse_json(text: str) -> Any:
    return json.loads(text, object_pairs_hook=Obj)


def render_json(value: Any, indent: str = "") -> str:
    """Pretty-print parsed JSON again, keeping key order and duplicate keys, for readable diffs."""
    step = indent + "    "
    if isinstance(value, Obj):
        if not value:
            return "{}"
        items = [f"{step}{json.dumps(k)}: {render_json(v, step)}" for k, v in value]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(value, list):
        if not value:
            return "[]"
        return "[\n" + ",\n".join(step + render_json(v, step) for v in value) + "\n" + indent + "]"
    return json.dumps(value, ensure_ascii=False)


def first_difference(want: Any, got: Any, path: str = "$") -> str | None:
    """Where two parsed JSON values first differ, e.g. `$[0].virtualHosts[1].domains[2]`."""
    if isinstance(want, Obj) and isinstance(got, Obj):
        for i, ((wk, wv), (gk, gv)) in enumerate(zip(want, got)):
            if wk != gk:
                return f"{path}: key #{i} is {gk!r}, expected {wk!r}"
            found = first_difference(wv, gv, f"{path}.{wk}")
            if found:
                return found
        if len(want) != len(got):
            extra = [k for k, _ in (got[len(want):] if len(got) > len(want) else want[len(got):])]
            side = "unexpected" if len(got) > len(want) else "missing"
            return f"{path}: {side} keys {extra}"
        return None
    if isinstance(want, list) and isinstance(got, list) and not isinstance(want, Obj) and not isinstance(got, Obj):
        for i, (w, g) in enumerate(zip(want, got)):
            found = first_difference(w, g, f"{path}[{i}]")
            if found:
                return found
        if len(want) != len(got):
            return f"{path}: {len(got)} items, expected {len(want)}"
        return None
    if type(want) is not type(got) or want != got:
        return f"{path}: got {json.dumps(got)[:120]}, expected {json.dumps(want)[:120]}"
    return None


def unified_diff(want: str, got: str, name: str, mark_eol: bool = False) -> str:
    """A unified diff; with mark_eol each line ends in `$` so trailing spaces are visible."""
    def lines(text: str) -> list[str]:
        return [(line + "$" if mark_eol else line) for line in text.split("\n")]
    return "\n".join(difflib.unified_diff(lines(want), lines(got), name, "mesh-compile output",
                                          lineterm=""))


def compare_output(expected_name: str, want: str, got: str) -> str | None:
    """None when `got` matches the expected file, else a readable explanation with a diff."""
    if expected_name.endswith(".json"):
        try:
            got_value = parse_json(got)
        except json.JSONDecodeError as exc:
            return f"output is not JSON ({exc}):\n{got[:2000]}"
        want_value = parse_json(want)
        where = first_difference(want_value, got_value)
        if where is None:
            return None
        diff = unified_diff(render_json(want_value), render_json(got_value), expected_name)
        return f"JSON differs (key order counts) at {where}\n{diff}"
    if want == got:
        return None
    return "text differs (each line ends in '$' below)\n" + unified_diff(want, got, expected_name, mark_eol=True)


# --------------------------------------------------------------------------- running mesh-compile
def compiler_run(argv: list[str]) -> tuple[int, str, str]:
    """The real compiler, imported late so that a broken compiler fails the checks, not collection."""
    from mesh_compile.cli.main import run
    return run(argv)


@dataclass
class Outcome:
    check: Check
    status: int
    stdout: str
    stderr: str
    problem: str | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def run_check(check: Check, run_fn: RunFn | None = None) -> Outcome:
    run_fn = run_fn or compiler_run
    status, out, err = run_fn(check.argv())
    if status != 0:
        problem = f"mesh-compile exited {status}\nargv: {check.argv()}\nstderr:\n{err}"
        return Outcome(check, status, out, err, problem)
    want = check.expected_path.read_text()
    return Outcome(check, status, out, err, compare_output(check.expected, want, out))


# --------------------------------------------------------------------------- the tests
CHECKS = list(all_checks())


@pytest.mark.parametrize("check", CHECKS, ids=[c.id for c in CHECKS])
def test_golden(check: Check) -> None:
    outcome = run_check(check)
    assert outcome.ok, f"{check.id}\nsource: {check.source}\n{outcome.problem}"


def case_file_problems(case: Case) -> list[str]:
    """Everything wrong with one case folder's bookkeeping (not with its claims)."""
    problems = []
    data = case.data
    missing = CASE_KEYS - set(data)
    if missing:
        problems.append(f"case.yaml lacks {sorted(missing)}")
    if case.istio_version not in VERSIONS:
        problems.append(f"istio_version {case.istio_version!r} is not one of {VERSIONS}")
    if not str(data.get("title") or "").strip():
        problems.append("empty title")
    if not isinstance(data.get("assumptions"), list):
        problems.append("assumptions must be a list (of every value not taken from the seed)")
    seed = data.get("seed")
    if seed is not None and not str(seed).startswith("shared/seeds/"):
        problems.append(f"seed {seed!r} must be a path like shared/seeds/<file>.txt, or null")
    if not case.checks:
        problems.append("no checks")
    if not (case.path / "input").is_dir() or not list((case.path / "input").glob("*.yaml")):
        problems.append("input/ has no YAML files")
    for i, raw in enumerate(data.get("checks") or []):
        problems += [f"check #{i} {p}" for p in check_problems(raw or {}, case.checks[i])]
    referenced = {check.expected_path.resolve() for check in case.checks}
    orphans = [p.name for p in sorted((case.path / "expected").glob("*")) if p.resolve() not in referenced]
    if orphans:
        problems.append(f"expected files no check uses: {orphans}")
    return problems


def check_problems(raw: dict[str, Any], check: Check) -> list[str]:
    problems = []
    if set(raw) != CHECK_KEYS:
        problems.append(f"keys are {sorted(raw)}, expected {sorted(CHECK_KEYS)}")
    if not check.args or check.args[0] not in ("proxy-config", "pc"):
        problems.append("args must start with proxy-config")
    if "-f" in check.args or "--istio-version" in check.args:
        problems.append("must not pass -f/--istio-version: the runner adds them")
    if not check.source.strip():
        problems.append(f"({check.expected}) has no source")
    if not check.expected.startswith("expected/") or not check.expected_path.is_file():
        problems.append(f"expected file {check.expected!r} does not exist under expected/")
    return problems


@pytest.mark.parametrize("case", load_cases(), ids=lambda c: c.name)
def test_case_files_complete(case: Case) -> None:
    problems = case_file_problems(case)
    assert not problems, f"{case.name}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("case", [c for c in load_cases() if c.data.get("seed")], ids=lambda c: c.name)
def test_seed_file_exists(case: Case) -> None:
    if not SHARED.is_dir():
        pytest.skip(f"shared reference data is absent ({SHARED}); cannot check the seed path")
    assert (SHARED.parent / case.data["seed"]).is_file(), f"{case.name}: seed {case.data['seed']} not found"


def test_there_are_golden_cases() -> None:
    assert len(load_cases()) >= 8, "the golden/ folder lost its cases"


# --------------------------------------------------------------------------- golden JSON is proto JSON
def proto_problems(value: Any, message: Any, path: str, pool: Any) -> list[str]:
    """Check parsed JSON against an Envoy message descriptor the way jsonpb prints it: known field
    names, .proto declaration order (a oneof member sits at its oneof's first field), defaults omitted,
    64-bit integers as strings, map and Struct keys sorted. Any is checked when its type is known."""
    if message.full_name in ("google.protobuf.Value", "google.protobuf.ListValue"):
        return []
    if not isinstance(value, Obj):
        return [f"{path}: expected an object for {message.full_name}"]
    if message.full_name == "google.protobuf.Struct":
        keys = [k for k, _ in value]
        return [] if keys == sorted(keys) else [f"{path}: Struct keys not sorted"]
    if message.full_name == "google.protobuf.Any":
        if not value or value[0][0] != "@type":
            return [f"{path}: Any must start with @type"]
        try:
            inner = pool.FindMessageTypeByName(value[0][1].split("/", 1)[1])
        except KeyError:
            return []   # an Istio-only type such as MetadataExchange
        return proto_problems(Obj(value[1:]), inner, path, pool)
    fields = {f.json_name: f for f in message.fields}
    rank: dict[str, int] = {}
    first_of_oneof: dict[str, int] = {}
    for i, f in enumerate(message.fields):
        oneof = f.containing_oneof
        real = oneof is not None and not oneof.name.startswith("_")
        rank[f.json_name] = first_of_oneof.setdefault(oneof.full_name, i) if real else i
    problems, last = [], -1
    for key, item in value:
        f = fields.get(key)
        if f is None:
            problems.append(f"{path}.{key}: no such field in {message.full_name}")
            continue
        if rank[key] < last:
            problems.append(f"{path}.{key}: out of .proto declaration order")
        last = rank[key]
        problems += field_problems(f, item, f"{path}.{key}", pool)
    return problems


def field_problems(f: Any, value: Any, path: str, pool: Any) -> list[str]:
    if f.message_type is not None and f.message_type.GetOptions().map_entry:
        keys = [k for k, _ in value]
        problems = [] if keys == sorted(keys) else [f"{path}: map keys not sorted"]
        value_field = f.message_type.fields_by_name["value"]
        for k, v in value:
            problems += scalar_or_message_problems(value_field, v, f"{path}[{k}]", pool)
        return problems
    if f.is_repeated:
        if not isinstance(value, list) or isinstance(value, Obj) or not value:
            return [f"{path}: a repeated field prints as a non-empty list"]
        problems = []
        for i, v in enumerate(value):
            problems += scalar_or_message_problems(f, v, f"{path}[{i}]", pool)
        return problems
    return scalar_or_message_problems(f, value, path, pool)


def scalar_or_message_problems(f: Any, value: Any, path: str, pool: Any) -> list[str]:
    from google.protobuf.descriptor import FieldDescriptor as FD
    if f.type == FD.TYPE_MESSAGE:
        name = f.message_type.full_name
        if name.endswith(("Int64Value", "UInt64Value")) and not isinstance(value, str):
            return [f"{path}: a 64-bit wrapper prints as a string"]
        if name.startswith("google.protobuf.") and name.endswith(("Value", "Duration")) \
                and name not in ("google.protobuf.Value",):
            return []
        return proto_problems(value, f.message_type, path, pool)
    in_oneof = f.containing_oneof is not None and not f.containing_oneof.name.startswith("_")
    if f.type in (FD.TYPE_INT64, FD.TYPE_UINT64, FD.TYPE_SINT64, FD.TYPE_FIXED64, FD.TYPE_SFIXED64):
        return [] if isinstance(value, str) else [f"{path}: an int64 prints as a string"]
    if f.type == FD.TYPE_ENUM:
        values = f.enum_type.values_by_name
        if value not in values:
            return [f"{path}: {value!r} is not a {f.enum_type.full_name} name"]
        return [f"{path}: the default enum value is omitted"] if values[value].number == 0 and not in_oneof else []
    if value in (False, 0, "") and not in_oneof and not isinstance(value, Obj):
        return [f"{path}: a default scalar ({value!r}) is omitted"]
    return []


PROTO_TYPES = {"routes": "envoy.config.route.v3.RouteConfiguration", "route": "envoy.config.route.v3.RouteConfiguration",
               "cluster": "envoy.config.cluster.v3.Cluster", "clusters": "envoy.config.cluster.v3.Cluster",
               "listener": "envoy.config.listener.v3.Listener", "listeners": "envoy.config.listener.v3.Listener"}


def envoy_pool() -> Any:
    pytest.importorskip("envoy.config.route.v3.route_pb2", reason="xds-protos is not installed")
    import importlib
    for module in ("envoy.config.route.v3.route_pb2", "envoy.config.cluster.v3.cluster_pb2",
                   "envoy.config.listener.v3.listener_pb2",
                   "envoy.extensions.transport_sockets.tls.v3.tls_pb2",
                   "envoy.extensions.transport_sockets.raw_buffer.v3.raw_buffer_pb2",
                   "envoy.extensions.retry.host.previous_hosts.v3.previous_hosts_pb2",
                   "envoy.extensions.filters.http.fault.v3.fault_pb2",
                   "envoy.extensions.filters.http.cors.v3.cors_pb2",
                   "envoy.extensions.upstreams.http.v3.http_protocol_options_pb2",
                   "udpa.type.v1.typed_struct_pb2"):
        importlib.import_module(module)
    from google.protobuf import descriptor_pool
    return descriptor_pool.Default()


JSON_CHECKS = [c for c in CHECKS if c.expected.endswith(".json") and len(c.args) > 1 and c.args[1] in PROTO_TYPES]


@pytest.mark.parametrize("check", JSON_CHECKS, ids=[c.id for c in JSON_CHECKS])
def test_expected_json_is_jsonpb_shaped(check: Check) -> None:
    """The golden files themselves must be valid istioctl JSON: catches a typo'd field, a key out of
    order or a printed default before anyone compares a compiler against them."""
    pool = envoy_pool()
    message = pool.FindMessageTypeByName(PROTO_TYPES[check.args[1]])
    text = check.expected_path.read_text()
    assert text.endswith("]\n"), "istioctl prints the JSON array followed by one newline"
    value = parse_json(text)
    assert isinstance(value, list) and not isinstance(value, Obj), "istioctl -o json prints an array"
    problems = []
    for i, item in enumerate(value):
        problems += proto_problems(item, message, f"$[{i}]", pool)
    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------------- self-tests of the runner
def _fake_case(tmp_path: Path, expected_name: str, expected_text: str) -> Check:
    case_dir = tmp_path / "fake-case"
    (case_dir / "input").mkdir(parents=True)
    (case_dir / "input" / "mesh.yaml").write_text("kind: Service\n")
    (case_dir / "expected").mkdir()
    (case_dir / "expected" / expected_name).write_text(expected_text)
    (case_dir / "case.yaml").write_text(yaml.safe_dump({
        "title": "fake", "istio_version": "1.17", "seed": None, "assumptions": [],
        "checks": [{"args": ["proxy-config", "routes", "deploy/a.b", "--mesh-config", "{case}/m.yaml"],
                    "expected": f"expected/{expected_name}", "source": "self-test"}],
    }))
    [case] = load_cases(golden=tmp_path)
    return case.checks[0]


def test_runner_builds_argv_and_accepts_identical_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    want = '[\n    {\n        "name": "80",\n        "validateClusters": false\n    }\n]\n'
    check = _fake_case(tmp_path, "r.json", want)
    seen = []

    def fake_run(argv: list[str]) -> tuple[int, str, str]:
        seen.append(argv)
        return 0, '[{"name": "80", "validateClusters": false}]\n', ""

    monkeypatch.setattr(sys.modules[__name__], "compiler_run", fake_run)
    outcome = run_check(check)
    assert outcome.ok, outcome.problem
    case_dir = str(tmp_path / "fake-case")
    assert seen == [["proxy-config", "routes", "deploy/a.b", "--mesh-config", f"{case_dir}/m.yaml",
                     "-f", f"{case_dir}/input", "--istio-version", "1.17"]]
    assert case_file_problems(check.case) == []


@pytest.mark.parametrize("got, needle", [
    ('[{"validateClusters": false, "name": "80"}]', "key #0 is 'validateClusters'"),
    ('[{"name": "81", "validateClusters": false}]', '$[0].name: got "81"'),
    ('[{"name": "80"}]', "missing keys ['validateClusters']"),
    ('[{"name": "80", "validateClusters": false}, {}]', "2 items, expected 1"),
    ('not json', "output is not JSON"),
])
def test_runner_rejects_different_json(tmp_path: Path, got: str, needle: str) -> None:
    check = _fake_case(tmp_path, "r.json", '[{"name": "80", "validateClusters": false}]\n')
    outcome = run_check(check, lambda argv: (0, got, ""))
    assert not outcome.ok
    assert needle in outcome.problem


def test_runner_compares_text_exactly_and_reports_failures(tmp_path: Path) -> None:
    want = "NAME     DOMAINS\n80       a, b     \n"
    check = _fake_case(tmp_path, "t.txt", want)
    assert run_check(check, lambda argv: (0, want, "")).ok
    trimmed = run_check(check, lambda argv: (0, want.replace("b     \n", "b\n"), ""))
    assert not trimmed.ok and "-80       a, b     $" in trimmed.problem and "+80       a, b$" in trimmed.problem
    crashed = run_check(check, lambda argv: (2, "", "Error: no such proxy\n"))
    assert not crashed.ok and "exited 2" in crashed.problem and "no such proxy" in crashed.problem


def test_case_bookkeeping_problems_are_found(tmp_path: Path) -> None:
    check = _fake_case(tmp_path, "r.json", "[]\n")
    (check.case.path / "expected" / "orphan.txt").write_text("x")
    check.case.data["istio_version"] = "1.2"
    check.case.data["checks"][0]["source"] = ""
    check.source = ""
    problems = " | ".join(case_file_problems(check.case))
    assert "orphan.txt" in problems and "istio_version '1.2'" in problems and "has no source" in problems


def test_proto_shape_checker_can_fail() -> None:
    pool = envoy_pool()
    message = pool.FindMessageTypeByName("envoy.config.route.v3.RouteConfiguration")
    good = parse_json('{"name": "80", "virtualHosts": [{"name": "a", "domains": ["a"]}], "validateClusters": false}')
    assert proto_problems(good, message, "$", pool) == []
    out_of_order = parse_json('{"validateClusters": false, "name": "80"}')
    assert "out of .proto declaration order" in " ".join(proto_problems(out_of_order, message, "$", pool))
    typo = parse_json('{"name": "80", "virtualHost": []}')
    assert "no such field" in " ".join(proto_problems(typo, message, "$", pool))
    default = parse_json('{"name": "80", "virtualHosts": [{"name": "a", "includeRequestAttemptCount": false}]}')
    assert "is omitted" in " ".join(proto_problems(default, message, "$", pool))


def test_refresh_tool_rewrites_only_differing_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util
    spec = importlib.util.spec_from_file_location("refresh_golden", ROOT / "tools" / "refresh_golden.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    check = _fake_case(tmp_path, "t.txt", "old\n")
    printed: list[str] = []

    class Out:
        def write(self, text: str) -> None:
            printed.append(text)

    runner = sys.modules[__name__]
    monkeypatch.setattr(runner, "compiler_run", lambda argv: (0, "new\n", ""))
    assert tool.refresh_check(runner, check, True, Out()) == "changed"
    assert check.expected_path.read_text() == "old\n", "--dry-run must not write"
    assert tool.refresh_check(runner, check, False, Out()) == "changed"
    assert check.expected_path.read_text() == "new\n"
    assert "-old$" in "".join(printed) and "+new$" in "".join(printed)
    assert tool.refresh_check(runner, check, False, Out()) == "same"
    monkeypatch.setattr(runner, "compiler_run", lambda argv: (1, "", "boom"))
    assert tool.refresh_check(runner, check, False, Out()) == "failed"
    assert check.expected_path.read_text() == "new\n", "a failed run must not touch the file"
