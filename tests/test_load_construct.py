"""FastConstructor must build exactly what PyYAML's SafeConstructor builds, only faster."""
from __future__ import annotations


import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from mesh_compile.load.construct import FastConstructor
from mesh_compile.load.yaml_loader import Loader, PureLoader


def both(text: str) -> tuple[list, list]:
    """(fast, reference) values of every document in `text`."""
    fast, ref = [], []
    loader = Loader(text)
    build = FastConstructor(loader).build
    while loader.check_node():
        fast.append(build(loader.get_node()))
    loader.dispose()
    ref_loader = PureLoader(text)
    while ref_loader.check_node():
        ref.append(ref_loader.construct_document(ref_loader.get_node()))
    ref_loader.dispose()
    return fast, ref


scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False), st.text(max_size=12),
    st.sampled_from(["yes", "No", "0x1F", "017", "1:20", "2024-01-01", "=", "~", "1e3", ".inf", "<<x"]),
)
values = st.recursive(
    scalars,
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=8), kids, max_size=4),
    max_leaves=25,
)


@settings(max_examples=150, deadline=None)
@given(values, st.sampled_from([False, True, None]))
def test_same_values_as_safe_constructor(value, flow):
    text = yaml.safe_dump_all([value, {"kind": value}], default_flow_style=flow, allow_unicode=True)
    fast, ref = both(text)
    assert fast == ref
    assert repr(fast) == repr(ref)  # also the same types (True vs 1, 1.0 vs 1) and key order


def test_unusual_nodes_fall_back_to_safe_constructor():
    text = """
base: &b {port: 80, name: base}
merged: {<<: *b, name: own}
set: !!set {a, b}
bin: !!binary aGk=
intkeys: {80: http, 443: https}
forced: !!str 123
ts: !!timestamp 2024-01-02
empty:
seqmerge:
  <<: [{a: 1}, {a: 2, b: 3}]
"""
    fast, ref = both(text)
    assert fast == ref
    assert fast[0]["merged"] == {"port": 80, "name": "own"}
    assert fast[0]["intkeys"] == {80: "http", 443: "https"} and fast[0]["forced"] == "123"


def test_aliases_share_one_object_like_pyyaml():
    [doc], _ = both("a: &x {k: [1, 2]}\nb: *x\nc: &y [1]\nd: *y\n")
    assert doc["a"] is doc["b"] and doc["c"] is doc["d"]


def test_recursive_alias_builds_a_cycle_without_crashing():
    [doc], _ = both("&a [1, *a]\n")
    assert doc[1] is doc


def test_alias_bomb_costs_only_its_node_count():
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 10):  # 10**9 leaves if expanded
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    loader = Loader("\n".join(lines) + "\n")
    doc = FastConstructor(loader).build(loader.get_single_node())
    # every alias is the one shared object, so nothing was expanded
    assert doc["a9"][0] is doc["a8"] and doc["a1"][0] is doc["a0"]
