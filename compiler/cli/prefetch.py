"""The input files read in a forked process while this one imports.

A one-shot command spends its first ~0.3 s importing (pydantic and the models, the builders) before it
reads the mesh, and reading the YAML is then the biggest part of the load. Neither depends on the
other, so on two cores a child forked at the start reads and parses the input files (fast_documents.py:
yaml-rs, and where each document sits) while this process imports. The load then takes each file's
documents from the child: taking them in (marshal) costs about a fifth of parsing them.

The child sends, for each file it read, a digest of the text and fast_documents' answer for it (each
document's data and span, or None for a file libyaml must read). A text is taken only when the one this
process read has the same digest, so a file that changed in between is parsed here, as is every file
when the child fails in any way. A file of parallel_load.MIN_ITEMS documents or more is left to
parallel_load, which shares its parse between the two processes (here this one would wait for it), and
no child is started for an input over MAX_BYTES (at ~430 bytes a document, 8 MB is ~20,000 documents).
stdin is never read by the child.
"""
from __future__ import annotations

import hashlib
import marshal
import os
import stat
from typing import TYPE_CHECKING, Any, Iterator, Sequence

from mesh_compile.cli import parallel_load

if TYPE_CHECKING:   # the reader itself is imported by the child and by the load, not before the fork
    from mesh_compile.load.fast_documents import DocumentsFn

MIN_BYTES = 64 * 1024          # smaller inputs parse in a few ms: less than the fork and the hand-over
MAX_BYTES = 8 * 1024 * 1024    # bigger inputs are mostly files parallel_load shares (see the module doc)


class Prefetch:
    """The child's answers, taken in once, at the first file the load reads."""

    def __init__(self, pid: int, read_fd: int):
        self._child: tuple[int, int] | None = (pid, read_fd)
        self._found: dict[bytes, Any] = {}

    def reader(self, fallback: DocumentsFn) -> DocumentsFn:
        """read(text): the child's documents for `text` when it read the same text, else fallback(text)."""
        def read(text: str) -> Any:
            self._take_in()
            found = self._found.pop(_digest(text), _MISSING)   # popped: the data is handed out once
            return fallback(text) if found is _MISSING else _documents(text, found)
        return read

    def close(self) -> None:
        """Stops the child if its answers were never taken in (the load ended before reading a file)."""
        if self._child is not None:
            parallel_load.stop_child(self._child)
            self._child = None

    def _take_in(self) -> None:
        if self._child is None:
            return
        pid, read_fd = self._child
        self._child = None
        found = parallel_load.collected(pid, read_fd, marshal.loads)
        if isinstance(found, dict):
            self._found = found


_MISSING = object()


def start(paths: Sequence[str]) -> Prefetch | None:
    """A child reading the files in `paths` (not stdin), or None where it would not pay or cannot fork."""
    files = [path for path in paths if path != "-"]
    if not files or not MIN_BYTES <= _size(files) <= MAX_BYTES or not parallel_load.worth_forking():
        return None
    child = parallel_load.fork_child(lambda: marshal.dumps(_read(files)))
    return Prefetch(*child) if child is not None else None


def _size(paths: list[str]) -> int:
    """Bytes in the named files and directories' top-level files (up to just over MAX_BYTES): enough to
    tell a small input from a big one."""
    total = 0
    for path in paths:
        try:
            if os.path.isdir(path):
                total += sum(entry.stat().st_size for entry in os.scandir(path) if entry.is_file())
            else:
                total += os.path.getsize(path)
        except OSError:
            continue
        if total > MAX_BYTES:
            break
    return total


def _read(paths: list[str]) -> dict[bytes, Any]:
    """{digest of the text: fast_documents' answer, as plain data} for each file read by yaml-rs."""
    from mesh_compile.load.fast_documents import fast_documents
    from mesh_compile.load.files import InputText, read_file
    found: dict[bytes, Any] = {}
    for path in _regular_files(paths):
        item = read_file(path)                 # a Problem when it cannot be read: the load says why
        # `---` lines bound the document count from above; fewer documents only make this child skip one
        if isinstance(item, InputText) and item.text.count("\n---") < parallel_load.MIN_ITEMS:
            docs = fast_documents(item.text)
            found[_digest(item.text)] = None if docs is None else [
                (doc.data, doc.span.start, doc.span.end, doc.span.line, doc.span.column) for doc in docs]
    return found


def _regular_files(paths: list[str]) -> Iterator[str]:
    """The files the load reads for `paths`, but only regular ones: a FIFO's data is for the load."""
    from mesh_compile.load.files import walk_directory
    for path in paths:
        for file in walk_directory(path)[0] if os.path.isdir(path) else [path]:
            try:
                if stat.S_ISREG(os.stat(file).st_mode):
                    yield file
            except OSError:
                continue


def _documents(text: str, found: Any) -> Any:
    """fast_documents' answer for `text` from the child's plain data."""
    from mesh_compile.load.fast_documents import FastDocument
    from mesh_compile.load.locate import Span
    if found is None:
        return None
    return [FastDocument(data, Span(text, start, end, line, column)) for data, start, end, line, column in found]


def _digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()
