"""Splitting one file's text into YAML documents: each as (node, data), or a Problem.

Each document is composed once (libyaml builds the node tree) and constructed once, which is what
`yaml.load_all` does internally; keeping the node in hand is what gives line numbers at no extra
cost, and construction uses FastConstructor. The caller drops the node once it has taken the
object spans from it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

import yaml

from ..diagnostics import ERROR, Problem
from .construct import FastConstructor
from .yaml_loader import Loader

# Constructing a well-formed node can still fail: an unknown tag (`!foo`), an unhashable key,
# an int like `0x_` that matches the resolver but not int(); deep nesting exhausts the stack.
_CONSTRUCT_ERRORS = (yaml.YAMLError, ValueError, TypeError, RecursionError)


@dataclass
class Document:
    node: yaml.Node
    data: Any


def parse_documents(text: str, file: str,
                    loader_cls: type = Loader) -> Iterator[Document | Problem]:
    """Documents of `text` in order. A syntax error ends the file (the parser cannot resume) and is
    yielded as an Error Problem; a construction error skips only its document."""
    try:
        loader = loader_cls(text)  # the pure-Python reader checks characters here
    except yaml.YAMLError as err:
        yield _syntax_problem(err, file, text, loader_cls)
        return
    construct = FastConstructor(loader)
    try:
        while True:
            try:
                if not loader.check_node():
                    return
                node = loader.get_node()
            except (yaml.YAMLError, RecursionError) as err:
                yield _syntax_problem(err, file, text, loader_cls)
                return
            try:
                data = construct.build(node)
            except _CONSTRUCT_ERRORS as err:
                yield _construct_problem(err, file, node)
                continue
            yield Document(node, data)
    finally:
        loader.dispose()


def _syntax_problem(err: BaseException, file: str, text: str, loader_cls: type) -> Problem:
    if isinstance(err, yaml.MarkedYAMLError) and err.problem_mark is not None:
        return Problem(ERROR, "YAML syntax error: " + _describe(err), file=file,
                       line=err.problem_mark.line + 1)
    if isinstance(err, yaml.reader.ReaderError):
        line = _reader_error_line(err, text, loader_cls)
        what = f"#x{err.character:04x}" if isinstance(err.character, int) else repr(err.character)
        return Problem(ERROR, f"YAML syntax error: character {what} not allowed: {err.reason}",
                       file=file, line=line)
    if isinstance(err, RecursionError):
        return Problem(ERROR, "YAML nesting too deep to load", file=file)
    return Problem(ERROR, f"YAML syntax error: {err}", file=file)


def _construct_problem(err: BaseException, file: str, node: yaml.Node) -> Problem:
    if isinstance(err, yaml.MarkedYAMLError) and err.problem_mark is not None:
        return Problem(ERROR, "invalid YAML value: " + _describe(err), file=file,
                       line=err.problem_mark.line + 1)
    if isinstance(err, RecursionError):
        reason = "nesting too deep to load"
    else:
        reason = str(err)
    return Problem(ERROR, f"invalid YAML value: {reason}", file=file, line=node.start_mark.line + 1)


def _describe(err: yaml.MarkedYAMLError) -> str:
    """libyaml's message with its column (the Problem carries the line), plus the context it gives
    (`while parsing a flow sequence` started at line N), which often points at the real mistake."""
    out = f"{err.problem} (column {err.problem_mark.column + 1})"
    if err.context:
        ctx = err.context_mark
        out += f"; {err.context}" + (f" started at line {ctx.line + 1}" if ctx is not None else "")
    return out


def _reader_error_line(err: yaml.reader.ReaderError, text: str, loader_cls: type) -> int:
    """libyaml reports a byte offset into the UTF-8 text, the pure reader a character offset."""
    pos = err.position
    if issubclass(loader_cls, yaml.reader.Reader):
        prefix = text[:pos]
    else:
        prefix = text.encode("utf-8")[:pos].decode("utf-8", "ignore")
    return count_line_breaks(prefix) + 1


def count_line_breaks(text: str) -> int:
    """Line breaks as YAML counts them: CRLF, CR, LF, NEL, LS, PS."""
    return (text.count("\n") + text.count("\r") - text.count("\r\n")
            + text.count("\x85") + text.count("\u2028") + text.count("\u2029"))
