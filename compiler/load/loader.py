"""The load stage: paths (files, directories, `-` for stdin) in, RawObjects with file:line out.

Problems are split by what the CLI does with them: `fatal` (YAML syntax errors, missing or
unreadable paths) make it exit 2 after reporting all of them; `problems` (a document that is not
an object) are warnings and the object is skipped. Nothing here raises on bad input.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence, TextIO

from ..diagnostics import ERROR, Problem
from .fast_documents import FastDocument, fast_documents
from .files import InputText, read_inputs
from .flatten import ObjectCollector
from .raw import RawObject
from .reuse import DocumentCache


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
               cache: DocumentCache | None = None) -> LoadResult:
    """Load every path in order; `-` reads `stdin` (sys.stdin when None). Every file is parsed
    even after an error elsewhere, so all syntax errors are reported at once. With a `cache`,
    documents unchanged since the cache's last load are not parsed again (reuse.py)."""
    result = LoadResult()
    for item in read_inputs(paths, stdin):
        if isinstance(item, InputText):
            result.merge(load_text(item.text, item.name, cache=cache))
        else:
            result.add(item)
    return result


def load_text(text: str, file: str = "<string>", loader_cls: type | None = None,
              fast: bool = True, cache: DocumentCache | None = None) -> LoadResult:
    """Load one YAML or JSON text as if it were the file `file` (handy in later stages' tests).
    `loader_cls` is the PyYAML loader (default: yaml_loader.Loader). With the default loader and `fast`,
    yaml-rs reads the files it reads the same way (fast_documents)."""
    result = LoadResult()
    collector = ObjectCollector(file, text)
    known = (lambda line, doc: cache.known((file, line, doc))) if cache is not None else None
    fast = fast_documents(text, known) if fast and _is_default_loader(loader_cls) else None
    if fast is not None:
        for doc in fast:
            _fast_document(collector, doc, file, cache)
        result.objects, result.problems = collector.objects, collector.problems
        return result
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


def _fast_document(collector: ObjectCollector, doc: FastDocument, file: str, cache: DocumentCache | None) -> None:
    """One yaml-rs document into the collector: from the cache when it is known there."""
    if cache is None:
        collector.fast_document(doc.data, doc.span)
        return
    key = (file, doc.span.line, doc.chunk)
    if doc.data is None:
        objects, problems = cache.take(key)
        collector.objects.extend(objects)
        collector.problems.extend(problems)
        return
    n_objects, n_problems = len(collector.objects), len(collector.problems)
    collector.fast_document(doc.data, doc.span)
    cache.put(key, collector.objects[n_objects:], collector.problems[n_problems:])
