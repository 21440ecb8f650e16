"""Finding the line of a field inside one object, lazily.

Loading keeps only each object's character span in the file text (the text itself is shared, not
copied). When a later stage reports a problem at `spec.http[0].route[1].weight`, that span alone is
composed again into a YAML node tree and walked. Recomposing costs time, but only for objects that
have problems, so the normal path never keeps node trees around.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Sequence

if TYPE_CHECKING:
    import yaml

PathKey = str | int
MERGE_TAG = "tag:yaml.org,2002:merge"


@dataclass(frozen=True)
class Span:
    """Where one object's YAML text sits in its file: character offsets plus the 0-based line and
    column of its first character (libyaml counts characters, as Python string indexes do)."""

    text: str = field(repr=False)
    start: int
    end: int
    line: int
    column: int

    @classmethod
    def of(cls, node: yaml.Node, text: str) -> "Span":
        start, end = node.start_mark, node.end_mark
        return cls(text, start.index, end.index, start.line, start.column)

    def snippet(self) -> str:
        """The object's text, padded with blank lines and spaces so it sits at the same line and
        column as in the file: the recomposed marks are then file positions, and a block mapping
        that began mid-line (a `- ` list item) keeps its indentation consistent."""
        return "\n" * self.line + " " * self.column + self.text[self.start : self.end]


def compose_span(span: Span) -> yaml.Node | None:
    """The node tree of the span's text, or None if it does not compose on its own (for example
    an alias to an anchor defined outside the object)."""
    # PyYAML is imported here, not at the top: a mesh read by yaml-rs without problems never needs
    # it, and its import takes ~20 ms. The functions below walk the tree this returns.
    import yaml

    from .yaml_loader import Loader
    try:
        return yaml.compose(span.snippet(), Loader=Loader)
    except (yaml.YAMLError, RecursionError):
        return None


def find_line(root: yaml.Node, path: Sequence[PathKey]) -> int:
    """1-based line of the deepest node along `path` that exists, starting at `root`.

    For a mapping member the key's line is reported (it is the value's line for scalars and flow
    values, and the line a reader looks at for a nested block); for a list item, the item's line.
    """
    node, line = root, root.start_mark.line + 1
    for key in path:
        step = _child(node, key)
        if step is None:
            break
        marker, node = step
        line = marker.start_mark.line + 1
    return line


def _child(node: yaml.Node, key: PathKey) -> tuple[yaml.Node, yaml.Node] | None:
    """(node whose line to report, node to continue from) for one path step, or None."""
    import yaml  # loaded already: compose_span made the tree
    if isinstance(node, yaml.SequenceNode):
        if isinstance(key, int) and not isinstance(key, bool) and 0 <= key < len(node.value):
            item = node.value[key]
            return item, item
        return None
    if isinstance(node, yaml.MappingNode):
        return _member(node, str(key), depth=0)
    return None


def _member(node: yaml.MappingNode, key: str, depth: int) -> tuple[yaml.Node, yaml.Node] | None:
    """The last `key: value` pair in the mapping (duplicate keys: last wins, as when loading),
    else the first match among `<<` merge sources (explicit keys take precedence over merged)."""
    import yaml  # loaded already: compose_span made the tree
    for knode, vnode in reversed(node.value):
        if isinstance(knode, yaml.ScalarNode) and knode.tag != MERGE_TAG and knode.value == key:
            return knode, vnode
    if depth > 16:  # merge chains are short; this only guards against a self-referencing anchor
        return None
    for knode, vnode in node.value:
        if knode.tag != MERGE_TAG:
            continue
        sources = vnode.value if isinstance(vnode, yaml.SequenceNode) else [vnode]
        for src in sources:
            if isinstance(src, yaml.MappingNode):
                found = _member(src, key, depth + 1)
                if found is not None:
                    return found
    return None
