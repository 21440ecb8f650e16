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


@pytest.mark.parametrize("value", [*CASES, CONFIG_DUMP, [], {}, "x", [[], {}, [1, [2, [3]]]]])
@pytest.mark.parametrize("split_depth", [0, 1, 2, 3, 5])
def test_chunks_join_to_the_same_bytes(value, split_depth):
    from mesh_compile.emit.json_out import istioctl_json_chunks
    assert b"".join(istioctl_json_chunks(value, split_depth)) == go_indent(value).encode()
