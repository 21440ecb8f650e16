"""Turning the paths on the command line into named texts: files, directories, `-` for stdin.

Directories are walked recursively for *.yaml, *.yml and *.json, in the order `kubectl apply -R`
uses (lexical by path component), so output never depends on the file system's listing order.
Files named explicitly are read whatever their extension, as kubectl does.
"""
from __future__ import annotations

import codecs
import os
from dataclasses import dataclass
from typing import BinaryIO, Iterator, Sequence, TextIO

from ..diagnostics import ERROR, WARNING, Problem
from .source import STDIN_NAME

STDIN_ARG = "-"
EXTENSIONS = (".yaml", ".yml", ".json")


@dataclass(frozen=True)
class InputText:
    name: str  # the path as the user gave it (joined with the relative path for walked files)
    text: str


def read_inputs(paths: Sequence[str], stdin: TextIO | None) -> Iterator[InputText | Problem]:
    """One InputText per file to parse, in order; Problems for what cannot be read
    (Error: missing or unreadable; Warning: nothing to read)."""
    stdin_read = False
    for path in paths:
        if path == STDIN_ARG:
            if stdin_read:
                yield Problem(WARNING, "stdin (-) given more than once; it is read only once")
                continue
            stdin_read = True
            yield _read_stdin(stdin)
        elif os.path.isdir(path):
            yield from _read_directory(path)
        elif os.path.exists(path):
            yield read_file(path)
        else:
            yield Problem(ERROR, f"no such file or directory: {path}", file=path)


def walk_directory(root: str) -> tuple[list[str], list[Problem]]:
    """Input files under `root` in lexical path-component order, and errors from the walk."""
    errors: list[Problem] = []

    def on_error(err: OSError) -> None:
        errors.append(Problem(ERROR, f"cannot read directory: {err.strerror or err}",
                              file=err.filename or root))

    found: list[tuple[str, ...]] = []
    for dirpath, _dirs, files in os.walk(root, onerror=on_error):
        rel = os.path.relpath(dirpath, root)
        prefix = () if rel == os.curdir else tuple(rel.split(os.sep))
        found.extend(prefix + (name,) for name in files if name.lower().endswith(EXTENSIONS))
    found.sort()
    return [os.path.join(root, *parts) for parts in found], errors


def _read_directory(root: str) -> Iterator[InputText | Problem]:
    files, errors = walk_directory(root)
    yield from errors
    if not files and not errors:
        yield Problem(WARNING, f"no {', '.join('*' + e for e in EXTENSIONS)} files in directory",
                      file=root)
    for path in files:
        yield read_file(path)


def read_file(path: str) -> InputText | Problem:
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except OSError as err:
        return Problem(ERROR, f"cannot read file: {err.strerror or err}", file=path)
    return decode(raw, path)


def _read_stdin(stdin: TextIO | None) -> InputText | Problem:
    import sys  # looked up at call time so tests and the CLI can swap sys.stdin

    stream = stdin if stdin is not None else sys.stdin
    try:
        binary: BinaryIO | None = getattr(stream, "buffer", None)
        if binary is not None:  # decode ourselves, like files, instead of trusting the locale
            return decode(binary.read(), STDIN_NAME)
        text = stream.read()
    except (OSError, UnicodeDecodeError) as err:
        return Problem(ERROR, f"cannot read stdin: {err}", file=STDIN_NAME)
    return InputText(STDIN_NAME, text[1:] if text.startswith("\ufeff") else text)


def decode(raw: bytes, name: str) -> InputText | Problem:
    """UTF-8 (a BOM is dropped), or UTF-16 when it starts with a UTF-16 BOM: the encodings YAML
    allows. Undecodable bytes are an Error naming their line."""
    try:
        if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return InputText(name, raw.decode("utf-16"))
        return InputText(name, raw.decode("utf-8-sig"))
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        return Problem(ERROR, f"file is not valid UTF-8 ({err.reason} at byte {err.start})",
                       file=name, line=line)
