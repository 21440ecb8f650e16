"""A finding about one object before it is placed in a file: a field path, a message, a level."""
from dataclasses import dataclass

from ..diagnostics import ERROR, WARNING

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Finding:
    path: Path
    message: str
    level: str = ERROR
    code: str | None = None  # an `istioctl analyze` code when istiod reports the same thing (IST0130)


def error(path: Path, message: str) -> Finding:
    return Finding(path, message, ERROR)


def warning(path: Path, message: str) -> Finding:
    return Finding(path, message, WARNING)
