"""One input object as loaded: its parsed dict, where it came from, and lines of its fields."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Sequence

from ..diagnostics import Problem
from .locate import PathKey, Span, compose_span, find_line
from .source import Source

if TYPE_CHECKING:  # PyYAML is imported only where a node tree is composed (locate.py)
    import yaml


def format_path(path: Sequence[PathKey]) -> str:
    """`("spec", "http", 0, "route")` -> `spec.http[0].route`, the form Problem.field uses."""
    out = ""
    for key in path:
        if isinstance(key, int) and not isinstance(key, bool):
            out += f"[{key}]"
        else:
            out += f".{key}" if out else str(key)
    return out


@dataclass
class RawObject:
    """`data` is the parsed object (apiVersion, kind, metadata, spec, ...).

    `span` locates the object's text for `line_of`; it is None for objects built in code, in which
    case every line is `source.line`.
    """

    data: dict
    source: Source
    span: Span | None = field(default=None, repr=False, compare=False)
    _tree: yaml.Node | None = field(default=None, init=False, repr=False, compare=False)
    _composed: bool = field(default=False, init=False, repr=False, compare=False)

    def line_of(self, path: tuple[str | int, ...]) -> int:
        """1-based line of the value at `path` inside this object (e.g.
        ("spec","http",0,"route",1,"weight")), falling back to the deepest existing ancestor, then
        to source.line. Computed lazily (re-compose only this object's YAML text when asked),
        because it is only needed when reporting an error."""
        if not path or self.span is None:
            return self.source.line
        if not self._composed:  # compose once, even if it fails, however many fields are asked
            self._tree, self._composed = compose_span(self.span), True
        if self._tree is None:
            return self.source.line
        return find_line(self._tree, path)

    @property
    def kind(self) -> str | None:
        return _str_or_none(self.data.get("kind"))

    @property
    def api_version(self) -> str | None:
        return _str_or_none(self.data.get("apiVersion"))

    @property
    def name(self) -> str | None:
        return _str_or_none(self._metadata().get("name"))

    @property
    def namespace(self) -> str | None:
        return _str_or_none(self._metadata().get("namespace"))

    def problem(self, level: str, message: str, path: tuple[str | int, ...] = (),
                code: str | None = None) -> Problem:
        """A Problem about this object, pointing at the line of `path` (the object if empty)."""
        return Problem(level=level, message=message, file=self.source.file,
                       line=self.line_of(path), kind=self.kind, namespace=self.namespace,
                       name=self.name, field=format_path(path) or None, code=code)

    def _metadata(self) -> dict:
        meta = self.data.get("metadata")
        return meta if isinstance(meta, dict) else {}


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None
