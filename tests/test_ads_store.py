"""Compiled views, reloads and NACK parking (mesh_compile_xds.ads.store)."""
from __future__ import annotations

import re
from typing import Any, Optional

import pytest

from mesh_compile_xds.ads import typeurls as T
from mesh_compile_xds.ads.local import LocalOptions
from mesh_compile_xds.ads.log import DEBUG, Log
from mesh_compile_xds.ads.node import NodeRef
from mesh_compile_xds.ads.store import CompileError, ConfigStore, Loaded


class FakeCompiler:
    """Clusters named after the proxy; `timeout` stands for the input, `fail`/`invalid` for bad input."""

    def __init__(self) -> None:
        self.timeout = "1s"
        self.fail: Optional[str] = None
        self.invalid = False
        self.compiles = 0

    def load(self) -> Loaded:
        if self.fail:
            raise CompileError(self.fail)
        return Loaded(self.timeout, ["Error (VirtualService x) bad"] if self.invalid else [], self.invalid)

    def compile(self, mesh: Any, target: str, proxy_type: Optional[str]):
        self.compiles += 1
        if target == "missing.ns":
            raise CompileError("no such proxy")
        return {"clusters": [{"name": f"c-{target}", "type": "STATIC", "connectTimeout": mesh}],
                "listeners": [{"name": "0.0.0.0_80", "address": {"socketAddress": {"address": "0.0.0.0",
                                                                                     "portValue": 80}},
                               "bindToPort": False}]}, [f"compiled {target}"]


def make_store():
    lines: list[str] = []
    compiler = FakeCompiler()
    store = ConfigStore(compiler, LocalOptions(port_offset=100), Log(None, sink=lines.append), default_target="a.b")
    store.load()
    return store, compiler, lines


def test_views_compile_once_per_proxy_and_apply_node_overrides():
    store, compiler, lines = make_store()
    one = store.view(store.key_for(NodeRef("a.b")))
    assert store.view(store.key_for(NodeRef("a.b"))) is one
    assert "c-a.b" in one.snapshot.of(T.CLUSTER)
    other = store.view(store.key_for(NodeRef("a.b", bind_address="127.0.0.9")))
    assert other is not one and compiler.compiles == 1
    assert one.bound == [("0.0.0.0_80", "127.0.0.1:180")] and other.bound == [("0.0.0.0_80", "127.0.0.9:180")]
    assert any("compiled a.b" in line for line in lines)
    with pytest.raises(CompileError, match="no such proxy"):
        store.view(store.key_for(NodeRef("missing.ns")))


def test_reload_notifies_only_on_change():
    store, compiler, _ = make_store()
    view = store.view(store.key_for(NodeRef("a.b")))
    seen = []
    view.subscribe(seen.append)
    assert store.reload() is False and seen == []
    compiler.timeout = "2s"
    assert store.reload() is True and seen == [view] and view.generation == 2


@pytest.mark.parametrize("breakage", ["fail", "invalid"])
def test_broken_input_keeps_last_good_config(breakage):
    store, compiler, lines = make_store()
    view = store.view(store.key_for(NodeRef("a.b")))
    before = view.snapshot.versions()
    compiler.timeout = "9s"
    setattr(compiler, breakage, "YAML syntax error" if breakage == "fail" else True)
    assert store.reload() is False
    assert view.snapshot.versions() == before
    assert any("last good config" in line for line in lines)


def test_parked_version_is_replaced_by_last_good():
    store, compiler, _ = make_store()
    view = store.view(store.key_for(NodeRef("a.b")))
    good = view.snapshot.of(T.CLUSTER)["c-a.b"]
    view.record_ack([good])
    compiler.timeout = "0s"
    store.reload()
    bad = view.snapshot.of(T.CLUSTER)["c-a.b"]
    assert view.servable(T.CLUSTER)["c-a.b"] is bad
    assert view.park([bad]) == [bad] and view.park([bad]) == []
    assert view.servable(T.CLUSTER)["c-a.b"] is good
    compiler.timeout = "3s"
    store.reload()
    assert view.servable(T.CLUSTER)["c-a.b"].version not in (good.version, bad.version)


def test_a_reload_says_where_its_time_went_at_debug_level():
    store, compiler, lines = make_store()
    store.view(store.key_for(NodeRef("a.b")))
    compiler.timeout = "2s"
    store.reload()
    assert not any("reload took" in line for line in lines)        # not at the default level
    store.log.level = DEBUG
    compiler.timeout = "3s"
    store.reload()
    timed = [line for line in lines if "reload took" in line]
    assert len(timed) == 1 and re.search(r"reload took \d+ ms: load \d+ ms, compile \d+ ms, rewrite, encode "
                                         r"and hand over \d+ ms", timed[0])
