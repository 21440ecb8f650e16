"""The YAML loader class used for every input file.

libyaml's C parser (`yaml.CSafeLoader`) is used when PyYAML was built with it, because parsing speed
is most of the load time; the pure-Python `yaml.SafeLoader` gives the same results, only slower.

The resolvers are adjusted so plain scalars come out the way Kubernetes (sigs.k8s.io/yaml) reads
them, since users expect `kubectl apply` semantics:
  * timestamps (`2024-01-01`) stay strings: go-yaml keeps them strings when decoding into
    interface{}, and a `datetime` would otherwise leak into the model;
  * `=` stays a string: SafeLoader resolves it to the `value` tag, which it cannot construct;
  * base-60 numbers (`1:20`, `10:30:00`) stay strings: go-yaml has no sexagesimal ints/floats.
Everything else (yes/no booleans, 0x ints, duplicate keys: last wins) is libyaml's YAML 1.1.
"""
from __future__ import annotations

import re

import yaml

_BASE: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
HAVE_LIBYAML: bool = _BASE is not yaml.SafeLoader

_DROP_TAGS = {"tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:value"}
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"

# PyYAML's YAML 1.1 int/float patterns with the base-60 alternatives removed.
_INT_RE = re.compile(
    r"""^(?:[-+]?0b[0-1_]+
    |[-+]?0[0-7_]+
    |[-+]?(?:0|[1-9][0-9_]*)
    |[-+]?0x[0-9a-fA-F_]+)$""",
    re.X,
)
_FLOAT_RE = re.compile(
    r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
    |\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""",
    re.X,
)


def _kubernetes_resolvers(base: dict) -> dict:
    """A copy of `base` (first char -> [(tag, regexp)]) with the changes described above."""
    replace = {_INT: _INT_RE, _FLOAT: _FLOAT_RE}
    out = {}
    for first, entries in base.items():
        kept = [(tag, replace.get(tag, rx)) for tag, rx in entries if tag not in _DROP_TAGS]
        if kept:
            out[first] = kept
    return out


def make_loader_class(base: type) -> type:
    """A subclass of `base` (CSafeLoader or SafeLoader) with Kubernetes-like scalar resolution."""
    resolvers = _kubernetes_resolvers(base.yaml_implicit_resolvers)
    return type(f"Mesh{base.__name__}", (base,),
                {"yaml_implicit_resolvers": resolvers, "resolve": _resolve, "plain_tags": {},
                 # Safe loaders register no path resolvers, so descending and ascending the node
                 # tree records nothing; the composer still calls both once per node. These C
                 # callables accept the same arguments and do nothing, without a Python frame.
                 "descend_resolver": staticmethod(slice), "ascend_resolver": staticmethod(tuple)})


_PLAIN_TAGS_MAX = 1 << 16   # distinct plain scalars remembered per loader class


def _resolve(self: yaml.resolver.BaseResolver, kind: type, value: object,
             implicit: tuple[bool, bool]) -> str:
    """BaseResolver.resolve without its path-resolver machinery (safe loaders register none):
    it runs once per node, so its list concatenation and lookups showed up in load profiles.
    Kubernetes YAML repeats the same plain scalars (keys, kinds, ports), so the tag of each
    plain scalar is remembered (`plain_tags`, per class, as the resolvers are)."""
    if kind is yaml.ScalarNode:
        if implicit[0]:
            memo = self.plain_tags  # type: ignore[attr-defined]
            tag = memo.get(value)
            if tag is None:
                tag = _implicit_tag(self, value)  # type: ignore[arg-type]
                if len(memo) < _PLAIN_TAGS_MAX:
                    memo[value] = tag
            return tag
        return self.DEFAULT_SCALAR_TAG
    if kind is yaml.SequenceNode:
        return self.DEFAULT_SEQUENCE_TAG
    return self.DEFAULT_MAPPING_TAG


def _implicit_tag(self: yaml.resolver.BaseResolver, value: str) -> str:
    for tag, regexp in self.yaml_implicit_resolvers.get(value[:1], ()):
        if regexp.match(value):
            return tag
    return self.DEFAULT_SCALAR_TAG


Loader: type = make_loader_class(_BASE)
PureLoader: type = make_loader_class(yaml.SafeLoader)
