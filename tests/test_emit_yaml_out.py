"""`-o yaml` output: sigs.k8s.io/yaml JSONToYAML (go-yaml v2) byte for byte, plus Println's newline."""
from __future__ import annotations

import json

import pytest
import yaml
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from mesh_compile.emit import tables as T
from mesh_compile.emit.yaml_out import json_to_yaml, to_yaml
from test_emit_tables import CONFIGDUMP_DATA, V130, dump_endpoints, load_dump, need_shared


@pytest.mark.parametrize("stem", ["ecds/output", "endpoint/emptyfilter_output", "endpoint/portfilter_output"])
def test_istioctl_json_to_yaml_pairs(stem: str) -> None:
    """istioctl's own -o json and -o yaml outputs for the same dump."""
    need_shared()
    value = json.loads((CONFIGDUMP_DATA / f"{stem}.json").read_text())
    assert to_yaml(value) == (CONFIGDUMP_DATA / f"{stem}.yaml").read_text()


@pytest.mark.parametrize("case,port", [("emptyfilter", 0), ("portfilter", 8080)])
def test_eds_dump_to_yaml(case: str, port: int) -> None:
    need_shared()
    entries = T.eds_entries(dump_endpoints(load_dump(CONFIGDUMP_DATA / "endpoint/configdump.json")), V130, port=port)
    assert to_yaml(entries) == (CONFIGDUMP_DATA / f"endpoint/{case}_output.yaml").read_text()


def test_block_layout() -> None:
    value = [{"name": "a", "list": [{"x": 1}, [2, 3]], "empty": [], "map": {}, "nested": {"deep": {"k": True}}}]
    assert json_to_yaml(value) == ("- empty: []\n"
                                   "  list:\n"
                                   "  - x: 1\n"
                                   "  - - 2\n"
                                   "    - 3\n"
                                   "  map: {}\n"
                                   "  name: a\n"
                                   "  nested:\n"
                                   "    deep:\n"
                                   "      k: true\n")
    assert json_to_yaml([]) == "[]\n" and json_to_yaml({}) == "{}\n"
    assert to_yaml({"a": None}) == "a: null\n\n"


@pytest.mark.parametrize("text,shown", [
    ("plain", "plain"), ("", '""'), ("1024", '"1024"'), ("0x1F", '"0x1F"'), ("1_000", '"1_000"'),
    ("1e3", '"1e3"'), (".5", '".5"'), ("08", '"08"'), ("0s", "0s"), ("1.500s", "1.500s"),
    ("true", '"true"'), ("y", '"y"'), ("Off", '"Off"'), ("null", '"null"'), ("~", '"~"'),
    ("2022-12-08T11:03:53.361Z", '"2022-12-08T11:03:53.361Z"'), ("2023-05-16", '"2023-05-16"'),
    ("2022-12-08T09:07:09Z/10", "2022-12-08T09:07:09Z/10"), ("2023-02-30", "2023-02-30"),
    ("1:20", '"1:20"'), ("*", "'*'"), ("@type", "'@type'"), ("- a", "'- a'"), ("a: b", "'a: b'"),
    ("a:b", "a:b"), ("x #y", "'x #y'"), ("x#y", "x#y"), ("it's", "it's"), ("'q'", "'''q'''"),
    ("tab\there", '"tab\\there"'), (" lead", "' lead'"), ("trail ", "'trail '"), ("é ü", "é ü"),
    ("\U0001F600", '"\\U0001F600"'), ("a\"b\\c", 'a"b\\c'), ("{x}", "'{x}'"), ("a,b[c]", "a,b[c]"),
    ("outbound|9080||reviews.default.svc.cluster.local", "outbound|9080||reviews.default.svc.cluster.local"),
    ("|pipe", "'|pipe'"), ("---x", "'---x'"), ("<<", "<<"), ("+.inf", '"+.inf"'), ("1e400", "1e400"),
])
def test_scalar_quoting(text: str, shown: str) -> None:
    assert json_to_yaml({"k": text}) == f"k: {shown}\n"


def test_numbers() -> None:
    value = {"a": 4294967295, "b": 0.5, "c": 1e6, "d": 1e-5, "e": 100.0, "f": -0.0001, "g": 18446744073709551615,
             "h": 123456.75, "i": 1e21}
    assert json_to_yaml(value) == ("a: 4294967295\nb: 0.5\nc: 1e+06\nd: 1e-05\ne: 100\nf: -0.0001\n"
                                   "g: 18446744073709551615\nh: 123456.75\ni: 1e+21\n")


def test_key_order_is_natural() -> None:
    keys = ["b", "a10", "a9", "a", "B", "_x", "1", "10", "2", "a01", "a1"]
    got = [line.split(":")[0].strip("'\"") for line in json_to_yaml({k: 0 for k in keys}).splitlines()]
    # digit runs compare as numbers and anything that is neither letter nor digit counts as 0;
    # letters compare by code point, so upper case comes first
    assert got == ["_x", "1", "2", "10", "B", "a", "a1", "a01", "a9", "a10", "b"]


def test_literal_block_for_newlines() -> None:
    assert json_to_yaml({"k": "line1\nline2\n"}) == "k: |\n  line1\n  line2\n"
    assert json_to_yaml({"k": "a\nb"}) == "k: |-\n  a\n  b\n"
    assert json_to_yaml({"k": "a\n\n"}) == "k: |+\n  a\n\n"
    assert json_to_yaml([" x\ny"]) == "- |2-\n   x\n  y\n"
    assert json_to_yaml({"k": "trailing \nspace"}) == 'k: "trailing \\nspace"\n'


def test_long_strings_fold_past_column_80() -> None:
    words = " ".join(f"word{i}" for i in range(30))
    out = json_to_yaml({"description": words})
    lines = out.splitlines()
    assert len(lines) > 1 and all(line.startswith("  ") for line in lines[1:])
    assert lines[0].startswith("description: word0") and len(lines[0]) > 80
    assert yaml.safe_load(out) == {"description": words}
    quoted = json_to_yaml({"k": "- " + words})
    assert quoted.startswith("k: '- word0") and yaml.safe_load(quoted) == {"k": "- " + words}
    long_key = "k" * 129
    assert json_to_yaml({long_key: 1}) == f"? {long_key}\n: 1\n"


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2 ** 63), 2 ** 64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(blacklist_categories=("Cs",)), max_size=120),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=20), children, max_size=4),
    max_leaves=25)


def _pyyaml_safe(value) -> bool:
    """Strings where PyYAML (YAML 1.1 with `=`, `<<` and looser timestamps) reads go-yaml's plain text
    differently from go-yaml itself; they are go-yaml-correct but not PyYAML-round-trippable."""
    if isinstance(value, str):
        return value not in ("=", "<<") and not value[:4].isdigit() and "\x85" not in value
    if isinstance(value, list):
        return all(_pyyaml_safe(v) for v in value)
    if isinstance(value, dict):
        return all(_pyyaml_safe(k) and _pyyaml_safe(v) for k, v in value.items())
    return True


def _same(loaded, original) -> bool:
    """Equal as JSON values: integral floats print as integers (100.0 -> 100), and PyYAML reads
    go-yaml's exponent floats without a dot (5e+06) as strings."""
    if isinstance(original, float):
        if isinstance(loaded, str):
            return float(loaded) == original
        return isinstance(loaded, (int, float)) and not isinstance(loaded, bool) and loaded == original
    if isinstance(original, list):
        return isinstance(loaded, list) and len(loaded) == len(original) and all(map(_same, loaded, original))
    if isinstance(original, dict):
        return isinstance(loaded, dict) and loaded.keys() == original.keys() and \
            all(_same(loaded[k], original[k]) for k in original)
    return loaded == original and type(loaded) is type(original)


@settings(max_examples=300, deadline=None)
@given(_JSON)
def test_round_trip_through_a_yaml_parser(value) -> None:
    assume(_pyyaml_safe(value))
    assert _same(yaml.safe_load(json_to_yaml(value)), value)


def test_decimal_numbers_with_zeros_are_not_read_as_octal():
    """strconv base 0 reads a leading 0 as octal; `1080` is plain decimal (and once crashed -o yaml)."""
    from mesh_compile.emit.yaml_out import _go_int
    assert _go_int("1080", signed=True) == 1080
    assert _go_int("0777", signed=True) == 511
    assert _go_int("080", signed=True) is None
    assert to_yaml({"port": "1080"}) == 'port: "1080"\n\n'
