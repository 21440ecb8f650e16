"""The load stage: paths (files, directories, `-` for stdin) in, RawObjects with file:line out.

Problems are split by what the CLI does with them: `fatal` (YAML syntax errors, missing or
unreadable paths) make it exit 2 after reporting all of them; `problems` (a document that is not
an object) are warnings and the object is skipped. Nothing here raises on bad input.
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from typing import Sequence, TextIO

from ..diagnostics import ERROR, Problem
from .fast_documents import DocumentsFn, FastDocument, fast_documents
from .files import InputText, read_inputs
from .flatten import ObjectCollector
from .locate import Span
from .raw import RawObject
from .reread import Window, changed_window
from .reuse import DocKey, DocumentCache, DocumentRecord


@dataclass
class LoadResult:
    objects: list[RawObject] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # non-fatal: object skipped
    fatal: list[Problem] = field(default_factory=list)  # syntax errors, missing paths: exit 2

    def add(self, problem: Problem) -> None:
        (self.fatal if problem.level == ERROR else self.problems).append(problem)

    def merge(self, other: "LoadResult") -> None:
        self.objects.extend(other.objects)
        self.problems.extend(other.problems)
        self.fatal.extend(other.fatal)


def load_paths(paths: Sequence[str], stdin: TextIO | None = None,
               cache: DocumentCache | None = None, read_documents: DocumentsFn | None = None) -> LoadResult:
    """Load every path in order; `-` reads `stdin` (sys.stdin when None). Every file is parsed
    even after an error elsewhere, so all syntax errors are reported at once. With a `cache`,
    documents unchanged since the cache's last load are not parsed again (reuse.py).
    `read_documents`: how yaml-rs reads a file (fast_documents.py)."""
    result = LoadResult()
    for item in read_inputs(paths, stdin):
        if isinstance(item, InputText):
            result.merge(load_text(item.text, item.name, cache=cache, read_documents=read_documents))
        else:
            result.add(item)
    return result


def load_text(text: str, file: str = "<string>", loader_cls: type | None = None,
              fast: bool = True, cache: DocumentCache | None = None,
              read_documents: DocumentsFn | None = None) -> LoadResult:
    """Load one YAML or JSON text as if it were the file `file` (handy in later stages' tests).
    `loader_cls` is the PyYAML loader (default: yaml_loader.Loader). With the default loader and `fast`,
    yaml-rs reads the files it reads the same way (fast_documents)."""
    result = LoadResult()
    if fast and _is_default_loader(loader_cls):
        if cache is not None:
            cached = _load_cached(text, file, cache)
            if cached is not None:
                return cached
        else:
            docs = (read_documents or fast_documents)(text)
            if docs is not None:
                collector = ObjectCollector(file, text)
                for doc in docs:
                    collector.fast_document(doc.data, doc.span)
                result.objects, result.problems = collector.objects, collector.problems
                return result
    collector = ObjectCollector(file, text)
    from .documents import Document, parse_documents
    from .yaml_loader import Loader
    for item in parse_documents(text, file, loader_cls or Loader):
        if isinstance(item, Document):
            collector.document(item)
        else:
            result.add(item)
    result.objects = collector.objects
    result.problems = collector.problems
    if cache is not None:
        cache.uncached(result.objects)
    return result


def _is_default_loader(loader_cls: type | None) -> bool:
    """None or yaml_loader.Loader. PyYAML (documents.py, yaml_loader.py) is imported only when libyaml
    reads a file: its import takes ~20 ms, which a mesh read by yaml-rs does not need to pay."""
    if loader_cls is None:
        return True
    from .yaml_loader import Loader
    return loader_cls is Loader


def _load_cached(text: str, file: str, cache: DocumentCache) -> LoadResult | None:
    """The file read by yaml-rs with the cache, or None when libyaml must read it. Against the text of
    the file's last load, only the documents in the changed window (reread.py) are split and looked up;
    the others are the last load's records, taken from the cache as they are."""
    last = cache.last_file(file)
    if last is not None:
        window = changed_window(last.text, text)
        docs = _window_documents(text, window, file, cache)
        if docs is not None:
            head = last.docs[: bisect_right(last.docs, window.start, key=_end)]
            tail = last.docs[bisect_left(last.docs, window.old_end, key=_first):]
            return _collect(text, file, cache, head, docs, tail, window)
    docs = _window_documents(text, Window(0, len(text), len(text)), file, cache)
    return _collect(text, file, cache, [], docs, [], None) if docs is not None else None


def _end(record: DocumentRecord) -> int:
    return record[1]


def _first(record: DocumentRecord) -> int:
    return record[0]


def _window_documents(text: str, window: Window, file: str,
                      cache: DocumentCache) -> list[tuple[DocumentRecord, FastDocument]] | None:
    """The documents of text[window.start:window.end] as (record, document): documents the cache knows
    are not parsed (their `data` is None); lines are the file's. None: libyaml must read it."""
    part = text if window.start == 0 and window.end == len(text) else text[window.start : window.end]
    base = text.count("\n", 0, window.start)
    docs = fast_documents(part, lambda line, chunk: cache.known((file, line + base, chunk)))
    if docs is None:
        return None
    out = []
    for doc in docs:
        at, line, chunk = window.start, doc.span.line + base, doc.chunk or ""
        # The object's span holds its own text (the cache key holds it anyway), not the file's: an object
        # kept across reloads then keeps no old text of the whole file alive.
        span = Span(chunk, 0, len(chunk), line, doc.span.column)
        out.append(((doc.span.start + at, doc.span.end + at, (file, line, chunk)), FastDocument(doc.data, span, chunk)))
    return out


def _collect(text: str, file: str, cache: DocumentCache, head: list[DocumentRecord],
             window: list[tuple[DocumentRecord, FastDocument]], tail: list[DocumentRecord],
             change: Window | None) -> LoadResult:
    """The file's objects in order: the kept documents before the window, the window's, the kept ones
    after it (moved by the window's change of characters and lines); the file's new records go to the
    cache."""
    collector = ObjectCollector(file, text)
    objects, problems = collector.objects, collector.problems
    shift, lines = (change.shift, change.lines) if change is not None else (0, 0)

    def take(key: DocKey) -> DocKey:
        kept_objects, kept_problems = cache.take(key)
        objects.extend(kept_objects)
        problems.extend(kept_problems)
        return key

    def take_moved(key: DocKey) -> DocKey:
        new_key = (key[0], key[1] + lines, key[2])
        kept_objects, kept_problems = cache.take_moved(key, new_key)
        objects.extend(kept_objects)
        problems.extend(kept_problems)
        return new_key

    for _first_at, _end_at, key in head:
        take(key)
    for (_first_at, _end_at, key), doc in window:
        if doc.data is None:
            take(key)
            continue
        n_objects, n_problems = len(objects), len(problems)
        collector.fast_document(doc.data, doc.span)
        cache.put(key, objects[n_objects:], problems[n_problems:])
    moved = [(first + shift, end + shift, take_moved(key) if lines else take(key)) for first, end, key in tail]
    cache.record_file(file, text, head + [record for record, _doc in window] + moved)
    result = LoadResult()
    result.objects, result.problems = objects, problems
    return result
