"""Building Python values from a composed YAML node, faster than PyYAML's SafeConstructor.

SafeConstructor spends most of a load in generic bookkeeping (a generator per mapping, a cache
lookup per scalar). Kubernetes YAML is almost all plain maps, lists, strings, numbers and booleans,
so those are built here directly; anything else (merge keys `<<`, explicit tags such as `!!binary`
or `!!set`, non-string keys) is handed to the SafeConstructor for that subtree, so results and
error messages stay PyYAML's. Collections are memoised by node: an alias yields the same object,
as in PyYAML, and alias bombs cost no more than their node count.
"""
from __future__ import annotations

from typing import Any, Callable

import yaml

STR = "tag:yaml.org,2002:str"
MAP = "tag:yaml.org,2002:map"
SEQ = "tag:yaml.org,2002:seq"
MERGE = "tag:yaml.org,2002:merge"


class FastConstructor:
    """One per loader; `build(node)` replaces `loader.construct_document(node)`."""

    def __init__(self, loader: Any) -> None:
        self.loader = loader
        self.scalars: dict[str, Callable[[yaml.Node], Any]] = {
            "tag:yaml.org,2002:null": loader.construct_yaml_null,
            "tag:yaml.org,2002:bool": loader.construct_yaml_bool,
            "tag:yaml.org,2002:int": loader.construct_yaml_int,
            "tag:yaml.org,2002:float": loader.construct_yaml_float,
        }

    def build(self, node: yaml.Node) -> Any:
        memo: dict[int, Any] = {}
        try:
            return self._value(node, memo)
        finally:  # what construct_document clears after each document, for the fallback's use
            self.loader.constructed_objects = {}
            self.loader.recursive_objects = {}
            self.loader.state_generators = []

    def _value(self, node: yaml.Node, memo: dict[int, Any]) -> Any:
        tag = node.tag
        if tag == STR and type(node) is yaml.ScalarNode:
            return node.value
        if id(node) in memo:
            return memo[id(node)]
        if tag == MAP and type(node) is yaml.MappingNode:
            return self._mapping(node, memo)
        if tag == SEQ and type(node) is yaml.SequenceNode:
            out: list = []
            memo[id(node)] = out  # before the items, so a recursive alias finds it
            out.extend(self._value(item, memo) for item in node.value)
            return out
        scalar = self.scalars.get(tag)
        if scalar is not None and type(node) is yaml.ScalarNode:
            return scalar(node)
        return self._fallback(node, memo)

    def _mapping(self, node: yaml.MappingNode, memo: dict[int, Any]) -> Any:
        for key in node.value:  # only plain string keys on the fast path
            if key[0].tag != STR or type(key[0]) is not yaml.ScalarNode:
                return self._fallback(node, memo)
        out: dict = {}
        memo[id(node)] = out
        for key, value in node.value:  # duplicate keys: last wins, as in SafeConstructor
            out[key.value] = self._value(value, memo)
        return out

    def _fallback(self, node: yaml.Node, memo: dict[int, Any]) -> Any:
        value = self.loader.construct_object(node, deep=True)
        memo[id(node)] = value
        return value
