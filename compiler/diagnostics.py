"""Problems found in the input or the output, reported the way istiod and istioctl analyze do.

One Problem names where it comes from (file:line, kind, namespace/name, field path) so a user can
fix it without reading a traceback. Levels follow `istioctl analyze`: Error, Warning, Info.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

ERROR = "Error"
WARNING = "Warning"
INFO = "Info"


@dataclass(frozen=True)
class Problem:
    """One finding. `field` is a dotted path into the object, e.g. `spec.http[0].route[1].weight`."""

    level: str
    message: str
    file: str | None = None
    line: int | None = None
    kind: str | None = None
    namespace: str | None = None
    name: str | None = None
    field: str | None = None
    code: str | None = None

    def where(self) -> str:
        parts = []
        if self.kind or self.name:
            obj = f"{self.kind or '?'} {self.namespace + '/' if self.namespace else ''}{self.name or '?'}"
            parts.append(obj)
        if self.file:
            parts.append(f"{self.file}:{self.line}" if self.line else self.file)
        return " ".join(parts)

    def render(self) -> str:
        """`Error [CODE] (Kind ns/name file:line) field: message`, like istioctl analyze."""
        code = f" [{self.code}]" if self.code else ""
        where = self.where()
        loc = f" ({where})" if where else ""
        fld = f" {self.field}:" if self.field else ""
        return f"{self.level}{code}{loc}{fld} {self.message}"


@dataclass
class Report:
    """Collects problems in the order they were found."""

    problems: list[Problem] = field(default_factory=list)

    def add(self, problem: Problem) -> None:
        self.problems.append(problem)

    def extend(self, problems: Iterable[Problem]) -> None:
        self.problems.extend(problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == ERROR]

    def has_errors(self) -> bool:
        return any(p.level == ERROR for p in self.problems)
