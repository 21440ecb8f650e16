"""Differences as text a person reads (one block per changed resource) or as JSON for machines."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from mesh_compile.compare.normalize import KIND_TITLES
from mesh_compile.compare.structural import ABSENT, ADDED, REMOVED, Difference, by_resource

MAX_VALUE_LINES = 24   # a longer value (a whole added resource) is cut; --format json has all of it


@dataclass(frozen=True)
class Side:
    """One side of a comparison, as the output names it."""

    label: str        # the header line, e.g. "dump routes.json (routes list)"
    short: str = ""   # in "only in ...", e.g. "dump"

    @property
    def name(self) -> str:
        return self.short or self.label


class Palette:
    def __init__(self, colour: bool):
        self.on = colour

    def _wrap(self, code: str, text: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.on else text

    def old(self, text: str) -> str:
        return self._wrap("31", text)

    def new(self, text: str) -> str:
        return self._wrap("32", text)

    def head(self, text: str) -> str:
        return self._wrap("1", text)

    def path(self, text: str) -> str:
        return self._wrap("36", text)


def _value_lines(value: Any, full: bool) -> list[str]:
    compact = json.dumps(value, ensure_ascii=False)
    if len(compact) <= 100:
        return [compact]
    lines = json.dumps(value, indent=2, ensure_ascii=False).splitlines()
    if full or len(lines) <= MAX_VALUE_LINES:
        return lines
    return lines[:MAX_VALUE_LINES] + [f"... {len(lines) - MAX_VALUE_LINES} more lines (--full or --format json)"]


def _value_block(sign: str, value: Any, colour: Any, full: bool) -> list[str]:
    lines = _value_lines(value, full)
    return [colour(f"      {sign} {lines[0]}")] + [colour(f"        {line}") for line in lines[1:]]


def resource_block(kind: str, name: str, diffs: list[Difference], old: Side, new: Side, pal: Palette,
                   full: bool = False) -> list[str]:
    title = KIND_TITLES.get(kind, kind)
    if len(diffs) == 1 and not diffs[0].json_path and diffs[0].change != "changed":
        where = new.name if diffs[0].change == ADDED else old.name
        sign, colour = ("+", pal.new) if diffs[0].change == ADDED else ("-", pal.old)
        value = diffs[0].new if diffs[0].change == ADDED else diffs[0].old
        out = [pal.head(f"{title} {name!r}: only in {where}")]
        return out + _value_block(sign, value, colour, full)
    count = f"{len(diffs)} difference{'s' if len(diffs) != 1 else ''}"
    out = [pal.head(f"{title} {name!r}: {count}")]
    for d in diffs:
        note = {ADDED: f"  (only in {new.name})", REMOVED: f"  (only in {old.name})"}.get(d.change, "")
        out.append("  " + pal.path(d.json_path.lstrip(".") or "(whole resource)") + note)
        if d.old is not ABSENT:
            out.extend(_value_block("-", d.old, pal.old, full))
        if d.new is not ABSENT:
            out.extend(_value_block("+", d.new, pal.new, full))
    return out


def summary(diffs: list[Difference]) -> str:
    groups = by_resource(diffs)
    per_kind: dict[str, int] = {}
    for kind, _name in groups:
        per_kind[kind] = per_kind.get(kind, 0) + 1
    kinds = ", ".join(f"{n} {KIND_TITLES.get(k, k)}{'s' if n != 1 else ''}" for k, n in per_kind.items())
    return f"{len(diffs)} difference{'s' if len(diffs) != 1 else ''} in {kinds}"


def text_report(diffs: list[Difference], old: Side, new: Side, pal: Palette, *, title: str = "",
                full: bool = False) -> str:
    """Unified-diff-like header, then one block per changed resource, then a summary line."""
    lines = [pal.old(f"--- {old.label}"), pal.new(f"+++ {new.label}")]
    if title:
        lines.insert(0, pal.head(title))
    for (kind, name), group in by_resource(diffs).items():
        lines.append("")
        lines.extend(resource_block(kind, name, group, old, new, pal, full))
    lines.append("")
    lines.append(summary(diffs))
    return "\n".join(lines) + "\n"


def difference_json(d: Difference) -> dict:
    out: dict[str, Any] = {"kind": d.resource_kind, "name": d.resource_name, "path": d.json_path.lstrip("."),
                           "change": d.change}
    if d.old is not ABSENT:
        out["old"] = d.old
    if d.new is not ABSENT:
        out["new"] = d.new
    return out
