"""Re-reading only what changed: the objects of each document of the last load, for `serve --watch`.

A document is known by (file, first line, text). When a reload finds the same key, its objects and
warnings are taken from the last load instead of being parsed again; a document whose text changed is
read anew. A document the edit only moved to other lines (reread.py says which) is taken too, its
objects given their new lines in place and its warnings remade with them. The cache also keeps each
file's last text and where its documents sit in it, so a reload can find the few documents an edit
touched without splitting the whole file (reread.py).
`commit()` ends a successful load and says which kinds of object changed since
the previous one (documents added, removed or edited, plus every object of a file libyaml had to
read, which is never cached), so later stages can tell what they may keep.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Iterable, NamedTuple

from ..diagnostics import Problem
from .locate import Span
from .raw import RawObject
from .source import Source

DocKey = tuple[str, int, str]
Entry = tuple[list[RawObject], list[Problem]]
DocumentRecord = tuple[int, int, DocKey]      # (first character, end, key) of a document in its file


class FileRecord(NamedTuple):
    text: str
    docs: list[DocumentRecord]                # in file order


class DocumentCache:
    def __init__(self) -> None:
        self._last: dict[DocKey, Entry] = {}
        self._now: dict[DocKey, Entry] = {}
        self._uncached: set[str] = set()
        self._added: set[str] = set()     # kinds of the documents not in the last load
        self._taken = 0                   # documents of the last load seen again at their place
        self._moved: set[DocKey] = set()  # ... and at other lines
        self._files: dict[str, FileRecord] = {}       # files of the last load read by yaml-rs
        self._files_now: dict[str, FileRecord] = {}

    def begin(self) -> None:
        """Start a load (what an unfinished earlier one left is dropped)."""
        self._now, self._uncached, self._added, self._taken, self._moved = {}, set(), set(), 0, set()
        self._files_now = {}

    def last_file(self, file: str) -> FileRecord | None:
        """The file's text and documents at the last load, if yaml-rs read it then."""
        return self._files.get(file)

    def record_file(self, file: str, text: str, docs: list[DocumentRecord]) -> None:
        self._files_now[file] = FileRecord(text, docs)

    def known(self, key: DocKey) -> bool:
        return key in self._last

    def take(self, key: DocKey) -> Entry:
        """The last load's objects and warnings for a known document, kept for the next load too."""
        if key not in self._now:
            self._taken += 1
        entry = self._now[key] = self._last[key]
        return entry

    def take_moved(self, key: DocKey, new_key: DocKey) -> Entry:
        """take(key) for a document that moved to the line of `new_key` (same file and text). Its objects
        get their new lines in place, set from `new_key` (so that a load that fails and is done again
        sets the same), and its warnings are remade; the last load's entry keeps its warnings."""
        objects, problems = self._last[key]
        for raw in objects:
            move_to_line(raw, new_key[1])
        entry = (objects, moved_problems(problems, new_key[1] - key[1]))
        if new_key in self._last:         # it landed on an old document's key: count that one changed
            self._added.update(raw.kind or "" for raw in self._last[new_key][0])
        self._moved.add(key)
        self._now[new_key] = entry
        return entry

    def put(self, key: DocKey, objects: list[RawObject], problems: list[Problem]) -> None:
        if key not in self._last:
            self._added.update(raw.kind or "" for raw in objects)
        elif key not in self._now:
            self._taken += 1
        self._now[key] = (objects, problems)

    def uncached(self, objects: Iterable[RawObject]) -> None:
        """Objects read without the cache: they count as changed on every load."""
        self._uncached.update(raw.kind or "" for raw in objects)

    def commit(self) -> set[str]:
        """End a successful load: the kinds of the objects that changed since the last commit."""
        changed = self._uncached | self._added
        if self._moved or self._taken != len(self._last):       # some documents of the last load may be gone
            for key, (objects, _problems) in self._last.items():
                if key not in self._now and key not in self._moved:
                    changed.update(raw.kind or "" for raw in objects)
        self._last, self._now = self._now, {}
        self._files, self._files_now = self._files_now, {}
        return changed


def moved_problems(problems: list[Problem], lines: int) -> list[Problem]:
    """The problems of a document that moved `lines` lines (all of them point into it)."""
    return [replace(p, line=p.line + lines) if p.line is not None else p for p in problems]


def move_to_line(raw: RawObject, line: int) -> None:
    """Give a cached object whose document now starts at 0-based `line` its new lines: the span's and
    the source's (which keeps its distance from the span's), and a fresh node tree when one is asked."""
    span = raw.span
    if span is None:
        return
    raw.source = Source(raw.source.file, raw.source.line - span.line + line)
    raw.span = Span(span.text, span.start, span.end, line, span.column)   # (dataclasses.replace: 3x slower)
    raw._tree, raw._composed = None, False
