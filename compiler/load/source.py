"""Where an input object came from, so every later Problem can point at file:line."""
from __future__ import annotations

from dataclasses import dataclass

STDIN_NAME = "<stdin>"


@dataclass(frozen=True)
class Source:
    """`file` is the path as the user gave it (or `<stdin>`); `line` is 1-based and is the line
    where the object's mapping starts (its first key, or `{` for flow/JSON objects)."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"
