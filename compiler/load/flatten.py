"""Turning one parsed document into RawObjects: flattening lists and skipping non-objects.

A document may hold one object, a `kind: List` / `ServiceList` (what `kubectl get -o yaml`
prints) whose `items` are the objects, or a top-level array of objects (a JSON array). Every object
keeps the line where its own mapping starts, so items of a List each get their own line.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..diagnostics import WARNING, Problem
from .locate import Span
from .raw import RawObject
from .source import Source

if TYPE_CHECKING:  # PyYAML is imported only for documents libyaml read (loader.py)
    import yaml

    from .documents import Document


class ObjectCollector:
    """Accumulates one file's objects and warnings; `text` is the file text spans point into."""

    def __init__(self, file: str, text: str) -> None:
        self.file, self.text = file, text
        self.objects: list[RawObject] = []
        self.problems: list[Problem] = []

    def document(self, doc: Document) -> None:
        import yaml  # loaded already: libyaml read this document
        node, data = doc.node, doc.data
        if isinstance(data, list) and isinstance(node, yaml.SequenceNode):
            for item_node, item in zip(node.value, data):
                self.item(item_node, item, node)
        elif data is not None:  # an empty document (`---` alone, comments only) is not an object
            self.item(node, data, node)

    def fast_document(self, data: dict, span: Span) -> None:
        """One object read by yaml-rs (fast_documents gives only single, non-List objects)."""
        self.item(None, data, None, span)

    def item(self, node: yaml.Node | None, data: Any, parent: yaml.Node | None,
             span: Span | None = None) -> None:
        """One candidate object; `parent` gives the line when `node` is unknown, `span` when neither
        node is known (a document read by yaml-rs)."""
        if data is None:
            return
        at = node if node is not None else parent
        line = at.start_mark.line + 1 if at is not None else span.line + 1
        if not isinstance(data, dict):
            self.warn(line, f"expected an object (a mapping), found a {_type_name(data)}; skipped")
            return
        if _is_list(data):
            self.list_items(node, data, at)
            return
        api_version, kind = data.get("apiVersion"), data.get("kind")
        if not (api_version and kind and type(api_version) is str and type(kind) is str):  # the usual case, fast
            missing = [k for k in ("apiVersion", "kind") if not _nonempty_str(data.get(k))]
            if missing:
                self.warn(line, f"object has no {' or '.join(missing)}; skipped", data)
                return
        if node is not None:
            span = Span.of(node, self.text)
        self.objects.append(RawObject(data, Source(self.file, line), span))

    def list_items(self, node: yaml.Node | None, data: dict, at: yaml.Node) -> None:
        items = data.get("items") or []
        nodes = _items_nodes(node, len(items))
        for item_node, item in zip(nodes, items):
            self.item(item_node, _with_list_type(item, data), at)

    def warn(self, line: int, message: str, data: dict | None = None) -> None:
        meta = data.get("metadata") if data else None
        meta = meta if isinstance(meta, dict) else {}
        kind = data.get("kind") if data else None
        self.problems.append(Problem(
            WARNING, message, file=self.file, line=line,
            kind=kind if isinstance(kind, str) else None,
            namespace=_str_or_none(meta.get("namespace")), name=_str_or_none(meta.get("name"))))


def _is_list(data: dict) -> bool:
    """`List` and typed lists (`ServiceList`): a kind ending in List with an `items` array."""
    kind = data.get("kind")
    return (isinstance(kind, str) and kind.endswith("List") and "items" in data
            and isinstance(data["items"], (list, type(None))))


def _items_nodes(node: yaml.Node | None, count: int) -> list[yaml.Node | None]:
    """The nodes of the list's `items`, matched one to one with the parsed items; Nones when they
    cannot be matched (items pulled in by a `<<` merge), so items get the List's line."""
    import yaml  # loaded already: Lists are read by libyaml
    if isinstance(node, yaml.MappingNode):
        for knode, vnode in reversed(node.value):  # last `items` wins, as in the parsed dict
            if isinstance(knode, yaml.ScalarNode) and knode.value == "items":
                if isinstance(vnode, yaml.SequenceNode) and len(vnode.value) == count:
                    return list(vnode.value)
                break
    return [None] * count


def _with_list_type(item: Any, lst: dict) -> Any:
    """Items of a typed list fetched from the API server (`ServiceList`) carry no kind or
    apiVersion; they are the list's kind without `List`, and the list's apiVersion."""
    kind = lst.get("kind")
    if not isinstance(item, dict) or kind == "List" or "kind" in item and "apiVersion" in item:
        return item
    filled = {}
    if "apiVersion" not in item and _nonempty_str(lst.get("apiVersion")):
        filled["apiVersion"] = lst["apiVersion"]
    if "kind" not in item:
        filled["kind"] = kind[: -len("List")]
    return {**filled, **item} if filled else item


def _nonempty_str(value: Any) -> bool:
    return isinstance(value, str) and value != ""


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _type_name(data: Any) -> str:
    names = {str: "string", list: "list", bool: "boolean", int: "number", float: "number"}
    return names.get(type(data), type(data).__name__)
