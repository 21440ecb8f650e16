"""snake_case -> camelCase of Envoy JSON, checked against protobuf's own JSON printer (the oracle: it knows
from the descriptors which fields are maps and Structs, which casing.py has to list by hand)."""
from __future__ import annotations

import importlib
import json
import pkgutil
from pathlib import Path
from typing import Any

import pytest

from helpers import SHARED, compile_yaml
from meshes import destination_rule, doc, pod, service, virtual_service
from mesh_compile.compare.casing import camel, to_camel
from mesh_compile.compare.normalize import normalize
from mesh_compile.compare.structural import compare
from mesh_compile.compare.volatile import strip

CONFIGDUMP = SHARED / "reference/istio/istio-istio/istioctl/pkg/writer/envoy/configdump/testdata"


# ---- the oracle --------------------------------------------------------------------------------------
def _import_type(type_url: str) -> None:
    """Import the xds-protos modules of the package a type URL names (tests only)."""
    package = type_url.rpartition("/")[2].rpartition(".")[0]
    try:
        mod = importlib.import_module(package)
    except ImportError:
        return
    for info in pkgutil.iter_modules(getattr(mod, "__path__", [])):
        if info.name.endswith("_pb2"):
            importlib.import_module(f"{package}.{info.name}")


def _type_urls(value: Any, out: set) -> set:
    if isinstance(value, dict):
        if isinstance(value.get("@type"), str):
            out.add(value["@type"])
        for v in value.values():
            _type_urls(v, out)
    elif isinstance(value, list):
        for v in value:
            _type_urls(v, out)
    return out


def _known(type_url: str) -> bool:
    from google.protobuf import descriptor_pool
    try:
        descriptor_pool.Default().FindMessageTypeByName(type_url.rpartition("/")[2])
        return True
    except KeyError:
        return False


def scrub_unknown(value: Any) -> Any:
    """Replace Any values of types xds-protos lacks (Istio's own filters) by an Empty, on both sides alike."""
    if isinstance(value, dict):
        if isinstance(value.get("@type"), str) and not _known(value["@type"]):
            return {"@type": "type.googleapis.com/google.protobuf.Empty"}
        return {k: scrub_unknown(v) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub_unknown(v) for v in value]
    return value


def protobuf_json(config_dump: dict, snake: bool) -> dict:
    """Parse a ConfigDump with protobuf and print it again, in camelCase or (snake=True) snake_case."""
    pytest.importorskip("envoy.admin.v3.config_dump_pb2")
    from google.protobuf import empty_pb2  # noqa: F401  (registers Empty)
    from google.protobuf import json_format
    from envoy.admin.v3 import config_dump_pb2
    for url in _type_urls(config_dump, set()):
        _import_type(url)
    msg = config_dump_pb2.ConfigDump()
    json_format.ParseDict(scrub_unknown(config_dump), msg)
    return json_format.MessageToDict(msg, preserving_proto_field_name=snake)


def snake_config_dump(cfg: Any) -> dict:
    """A compiled proxy as Envoy's own /config_dump prints it: snake_case, via protobuf."""
    from mesh_compile.emit.config_dump import config_dump
    return protobuf_json(config_dump(cfg), snake=True)


# ---- camel() and the map fields ------------------------------------------------------------------------
@pytest.mark.parametrize("snake,expected", [
    ("virtual_hosts", "virtualHosts"), ("http2_protocol_options", "http2ProtocolOptions"),
    ("name", "name"), ("max_grpc_timeout", "maxGrpcTimeout"), ("ipv4_compat", "ipv4Compat"),
])
def test_camel_follows_protobuf_json_names(snake, expected):
    assert camel(snake) == expected


def test_map_keys_and_struct_contents_are_kept():
    route = {"typed_per_filter_config": {"envoy.filters.http.cors": {"@type": "x.CorsPolicy", "allow_credentials": True}},
             "metadata": {"filter_metadata": {"istio": {"some_key": "a_b"}}},
             "match": {"safe_regex": {"regex": "a_b"}}}
    out = to_camel(route)
    assert out == {"typedPerFilterConfig": {"envoy.filters.http.cors": {"@type": "x.CorsPolicy", "allowCredentials": True}},
                   "metadata": {"filterMetadata": {"istio": {"some_key": "a_b"}}},
                   "match": {"safeRegex": {"regex": "a_b"}}}


def test_context_structs_typed_struct_and_transport_socket_match():
    cluster = {"transport_socket_matches": [{"name": "tlsMode-istio", "match": {"tls_mode": "istio"},
                                             "transport_socket": {"typed_config": {}}}],
               "filters": [{"typed_config": {"@type": "type.googleapis.com/xds.type.v3.TypedStruct",
                                             "type_url": "u", "value": {"enable_discovery": True}}}]}
    out = to_camel(cluster)
    assert out["transportSocketMatches"][0]["match"] == {"tls_mode": "istio"}
    assert out["transportSocketMatches"][0]["transportSocket"] == {"typedConfig": {}}
    assert out["filters"][0]["typedConfig"] == {"@type": "type.googleapis.com/xds.type.v3.TypedStruct",
                                                "typeUrl": "u", "value": {"enable_discovery": True}}


def test_camel_input_is_unchanged_and_casing_is_told_by_resource_fields():
    value = {"virtualHosts": [{"name": "a", "routes": [{"match": {"prefix": "/"}}]}]}
    assert to_camel(value) == value
    camel_list = normalize([{"name": "80", "virtualHosts": [], "metadata": {"filterMetadata": {"x": {"a_b": 1}}}}])
    snake_list = normalize([{"name": "80", "virtual_hosts": [], "metadata": {"filter_metadata": {"x": {"a_b": 1}}}}])
    assert not camel_list.snake_case and snake_list.snake_case
    assert camel_list.resources == snake_list.resources


# ---- against protobuf, on real dumps --------------------------------------------------------------------
def _reference_dumps() -> list[Path]:
    root = SHARED / "reference"
    if not root.is_dir():
        return []
    found = []
    for path in sorted(root.rglob("*")):
        if path.suffix in (".json", ".yaml") and path.is_file():
            try:
                data = json.loads(path.read_text())
            except ValueError:
                continue
            if isinstance(data, dict) and isinstance(data.get("configs"), list):
                found.append(path)
    return found


@pytest.mark.parametrize("path", _reference_dumps() or [None], ids=lambda p: p.name if p else "none")
def test_real_dumps_convert_like_protobuf(path):
    if path is None:
        pytest.skip("../shared/reference is not present")
    raw = scrub_unknown(json.loads(path.read_text()))
    ours = to_camel(raw)
    theirs = protobuf_json(raw, snake=False)
    # protobuf drops empty lists; the conversion of names is what is checked here
    diffs = [(p, o, n) for p, o, n in _walk(theirs, ours) if n != []]
    assert not diffs, diffs[:5]


def _walk(a: Any, b: Any):
    from mesh_compile.compare.structural import walk
    return walk(a, b, ())


def test_routes_dumps_equal_their_camel_case_conversion():
    folders = sorted((CONFIGDUMP / "routes").glob("*/configdump.json")) if CONFIGDUMP.is_dir() else []
    if not folders:
        pytest.skip("../shared/reference/istio is not present")
    for path in folders:
        raw = json.loads(path.read_text())
        snake, camel_case = normalize(raw), normalize(protobuf_json(raw, snake=False))
        assert snake.snake_case and not camel_case.snake_case
        assert snake.resources == camel_case.resources, path
        assert compare(strip(snake), strip(camel_case)) == []


# ---- compiled output through Envoy's casing ------------------------------------------------------------
MESH = doc(
    service("reviews", "[{name: http, port: 9080}]", cluster_ip="10.0.0.9"),
    pod("reviews-1", "app: reviews, version: v1", "10.1.0.5",
        spec="containers: [{name: app, ports: [{containerPort: 9080}]}]", ready=True),
    destination_rule("reviews", "reviews") + """\
  trafficPolicy: {connectionPool: {http: {http1MaxPendingRequests: 7}}}
  subsets: [{name: v1, labels: {version: v1}}]
""",
    virtual_service("reviews", "reviews") + """\
  http:
  - match: [{headers: {end-user: {exact: jason}}}]
    route: [{destination: {host: reviews, subset: v1}}]
    timeout: 3s
  - route: [{destination: {host: reviews}}]
""",
)


@pytest.mark.parametrize("version", ["1.17", "1.30"])
def test_snake_case_config_dump_of_compiled_output_equals_the_camel_case_lists(version):
    cfg = compile_yaml(MESH, "deploy/productpage.default", version)
    snake = normalize(snake_config_dump(cfg))
    assert snake.form == "config_dump" and snake.snake_case
    assert "outbound|9080|v1|reviews.default.svc.cluster.local" in snake.resources["endpoints"]
    assert "9080" in snake.resources["routes"]
    # Istio's own filter types are not in xds-protos; the oracle replaced them, so do the same here
    lists = {kind: normalize(scrub_unknown(getattr(cfg, kind))) for kind in ("routes", "clusters", "listeners", "endpoints")}
    for kind, snap in lists.items():
        assert snap.kinds == (kind,) and not snap.snake_case
        assert compare(strip(snake), strip(snap), (kind,)) == [], kind
    # and the check can fail: a changed field in the snake dump is found at its camelCase path
    dump = snake_config_dump(cfg)
    section = next(s for s in dump["configs"] if s["@type"].endswith("RoutesConfigDump"))
    section["dynamic_route_configs"][0]["route_config"]["validate_clusters"] = True
    diffs = compare(strip(normalize(dump)), strip(lists["routes"]), ("routes",))
    name = section["dynamic_route_configs"][0]["route_config"]["name"]
    assert [(d.resource_name, d.json_path, d.old, d.new) for d in diffs] == [(name, ".validateClusters", True, False)]
