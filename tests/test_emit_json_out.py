"""istioctl-style JSON (mesh_compile.emit.json_out): Go's json.MarshalIndent(v, "", "    ") output.

Expected text is built with the standard library's json (indent=4, no ASCII escaping, ": " and ","
separators as Go prints them) plus the escapes Go's encoding/json applies to every string
(encodeState.string: `<`, `>`, `&`, U+2028, U+2029 as \\u003c, \\u003e, \\u0026, \\u2028, \\u2029)."""
from __future__ import annotations

import json

import pytest

from mesh_compile.emit.json_out import istioctl_json, istioctl_json_bytes

GO_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def go_indent(value) -> str:
    text = json.dumps(value, indent=4, ensure_ascii=False, separators=(",", ": "))
    for raw, esc in GO_ESCAPES.items():
        text = text.replace(raw, esc)
    return text + "\n"


NESTED = {"a": {"b": [{"c": [1, 2, {"d": "x y"}]}, []], "e": {}}, "f": "é"}

CASES = [
    NESTED,
    {"two  spaces": "in  a string", "deep": {"x": {"y": {"z": ["  lead", "trail  "]}}}},
    {"html": "<a href='x'>&amp;</a>", "sep": "line\u2028para\u2029end"},
    {"mixed": ["  ", "    ", {"k": "    four"}], "n": None, "t": True, "f": 1.5},
]


@pytest.mark.parametrize("value", CASES)
def test_matches_go_marshal_indent(value):
    assert istioctl_json(value) == go_indent(value)
    assert istioctl_json_bytes(value) == go_indent(value).encode()


CONFIG_DUMP = {"configs": [
    {"@type": "type.googleapis.com/envoy.admin.v3.ClustersConfigDump", "versionInfo": "v",
     "staticClusters": [], "dynamicActiveClusters": [{"cluster": {"name": "a<b>", "x": [1, {"y": "  z"}]}},
                                                     {"cluster": {}}]},
    {"@type": "t", "dynamicRouteConfigs": [{"routeConfig": {"name": "80", "virtualHosts": [{"d": ["a&b"]}]}}]},
]}


BIG_ROUTES = {"configs": [{"@type": "t", "dynamicRouteConfigs": [
    {"routeConfig": {"name": "80", "virtualHosts": [{"name": f"h{i}", "d": ["a&b"]} for i in range(7)]}},
    {"routeConfig": {"name": "90", "virtualHosts": []}}, {"routeConfig": {"name": "x"}}]}]}


@pytest.mark.parametrize("value", [*CASES, CONFIG_DUMP, BIG_ROUTES, [], {}, "x", [[], {}, [1, [2, [3]]]],
                                   [list(range(5)), {"a": list(range(4))}, 3]])
@pytest.mark.parametrize("per_chunk", [1, 2, 3, 256])
@pytest.mark.parametrize("chunk_bytes", [1, 30, 4 << 20])
def test_chunks_join_to_the_same_bytes(value, per_chunk, chunk_bytes, monkeypatch):
    from mesh_compile.emit import json_out
    monkeypatch.setattr(json_out, "RESOURCES_PER_CHUNK", per_chunk)
    monkeypatch.setattr(json_out, "CHUNK_BYTES", chunk_bytes)
    assert b"".join(json_out.istioctl_json_chunks(value)) == go_indent(value).encode()


def test_a_config_dump_comes_in_pieces_of_a_few_resources(monkeypatch):
    """Peak memory: no piece holds more than RESOURCES_PER_CHUNK resources."""
    from mesh_compile.emit import json_out
    monkeypatch.setattr(json_out, "RESOURCES_PER_CHUNK", 2)
    pieces = list(json_out.istioctl_json_chunks(BIG_ROUTES))
    assert max(piece.count(b'"routeConfig"') for piece in pieces) <= 2


def test_a_big_resource_is_taken_apart(monkeypatch):
    """Peak memory: a route configuration bigger than CHUNK_BYTES (compact) is written a few virtual
    hosts at a time, even when its list of resources fits one slice."""
    from mesh_compile.emit import json_out
    monkeypatch.setattr(json_out, "CHUNK_BYTES", 40)    # one virtual host of BIG_ROUTES is ~30 bytes
    pieces = list(json_out.istioctl_json_chunks(BIG_ROUTES))
    assert max(piece.count(b'"name"') for piece in pieces) == 1


@pytest.mark.parametrize("value", [CONFIG_DUMP, BIG_ROUTES])
def test_config_dump_sections_join_to_the_whole(value):
    from mesh_compile.emit import json_out
    sections = [b"".join(json_out.config_dump_section_chunks(s)) for s in value["configs"]]
    joined = json_out.CONFIG_DUMP_OPEN + json_out.CONFIG_DUMP_BETWEEN.join(sections) + json_out.CONFIG_DUMP_CLOSE
    assert joined == go_indent(value).encode()
