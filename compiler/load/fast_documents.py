"""A faster reader for the common file: yaml-rs (a Rust YAML parser) where its results are known to
equal the libyaml loader's, and None (use the libyaml loader) everywhere else.

libyaml's parser is most of a large mesh's load time (issue 5). yaml-rs reads the same text about four
times faster, but it speaks YAML 1.2 and keeps no positions, so it is used only when both cannot matter:

  * every plain scalar resolves the same way. YAML 1.1 (what Kubernetes' go-yaml and our libyaml loader
    use) reads `yes`/`on` as booleans, `017` as octal, `1_000` with digit groups, `1e3` as a string, and
    `<<` as a merge key; YAML 1.2 does not. `_RISKY` finds every such token (and explicit tags, complex
    keys, directives), conservatively: one in a quoted string is enough to use libyaml;
  * duplicate keys, tabs and every other error make yaml-rs raise, and then libyaml reads the file and
    reports what it reports;
  * positions come from the text itself: documents are split at `---` lines, which YAML allows only as
    document markers, and an object's line is its document's first line of content;
  * a document that is not one object (a `kind: List`, a JSON array) needs its items' positions, which
    only libyaml's nodes give.

The decision is per file: one risky token anywhere and the whole file goes to libyaml, so every object of
a file is read by the same parser. tests/test_load_fast_documents.py checks equality on every input we have
and on generated scalars.
"""
from __future__ import annotations

import re

import re2
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from .locate import Span

try:
    import yaml_rs
except ImportError:  # pragma: no cover - yaml-rs is a dependency; without it libyaml reads everything
    yaml_rs = None

def _bytes_re(pattern: str) -> Any:
    """RE2 over the UTF-8 bytes: with str input the binding maps every match offset back to
    characters, which costs a pass over the text per match."""
    return re2.compile(pattern.encode())


# The scans below run over every input file, so they use RE2 (linear time, about 50x faster here than
# `re` on a 2 MB mesh); RE2 has no lookbehind, so a token start is matched as a consumed prefix `_AT`.
_AT = r"(?:^|[\s\[{,])"
_WORD_END = r"(?:$|[\s,\]}#]|:(?:\s|$))"
# Tokens whose reading differs between YAML 1.1 (libyaml) and 1.2 (yaml-rs), and syntax where the two
# parsers disagree on what is valid (found by fuzzing both, tests/test_load_fast_documents.py).
_RISKY = _bytes_re(
    r"(?m)" + _AT + r"(?:"                  # at the start of a token:
    r"(?:yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF)" + _WORD_END
    + r"|[-+]?0[0-9bBoOxX_]"               # 1.1 octal 017 (1.2: 17), 0b/0o/0x forms, 0_
    r"|\+|-\."                             # signs 1.1 reads otherwise: `+1`, `-.5` (a string)
    r"|[-+]?\.?[0-9][0-9.]*[_eE:]"         # digit groups, exponents (1.1 needs a dot), base 60
    r"|[-+]?[._]*_"                        # yaml-rs reads `_9` and `._2` as numbers
    r"|<<|[!%@`&*?:]"                      # merge keys, tags, directives, reserved indicators,
    r")"                                   # anchors and aliases, complex keys, a leading colon
    r"|[\]}]:|:[,\]}]|\t")                  # flow collections as keys, `a:` in flow, tabs
# A block scalar header (`|`, `>-`, ...) must end its line and be followed by a more indented line:
# yaml-rs reads an empty block scalar as "\n", libyaml as "", and accepts `|` inside plain scalars.
_BLOCK = _bytes_re(r"(?m)" + _AT + r"[|>]")
_BLOCK_HEADER = _bytes_re(r"[|>][-+1-9]{0,2}[ \t]*(?:#[^\n]*)?\r?\n(?:[ \t]*\r?\n)*( *)")
# In a flow collection libyaml refuses a plain scalar with `:` inside (`[a:b]`), yaml-rs does not; where
# a file has flow collections, any such colon outside quotes sends it to libyaml (see _flow_is_risky).
_FLOW_OPEN = _bytes_re(r"(?m)(?:^|[\s\[{,:])[\[{]")
_QUOTED = _bytes_re(r"""(?ms)(^|[\s\[{,:])(?:"(?:[^"\\]|\\.)*"|'(?:[^']|'')*')""")
_PLAIN_COLON = _bytes_re(r"[^\s\x00]:\S")        # \x00: where a quoted scalar was (never in input)
_BRACKET = _bytes_re(r"[\[\]{}]")
# `|` and `>` at a token start, or right after a `:` (`"k":|` in a flow mapping): libyaml refuses both there
_FLOW_INDICATOR = _bytes_re(r"(?m)(?:^|[\s\[{,:])[|>]")
# `---` opens a document; anything after it on the same line but a comment is left to libyaml, as are
# `...` document ends and line breaks other than LF/CRLF (YAML also counts CR, NEL, LS and PS).
# `re`: it gives str offsets. No `^`: a pattern that starts with the literal `---` lets `re` jump
# between `---` occurrences (4x faster than trying `^` at every line); _document_bounds keeps the
# ones at a line start.
_MARKER = re.compile(r"---[ \t]*(?:#[^\n]*)?\r?(?:\n|\Z)")
# Characters YAML does not allow in a stream (libyaml refuses them, yaml-rs reads them).
# plus the line breaks YAML counts besides LF and CR (NEL, LS, PS) and a BOM inside the text.
_ODD_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]")
_ODD_ASCII = _bytes_re("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")   # the same, in an ASCII text
_BLANK_LINES = re.compile(r"(?:[ \t]*(?:#[^\n]*)?\r?\n)*[ \t]*")
# A comment, unless it holds a quote: then the `#` may sit inside a quoted scalar that goes on after it.
# What a comment holds is never resolved, so its tokens need not send the file to libyaml.
_COMMENT = _bytes_re(r"(?m)(^|[ \t])#[^\n'\"]*$")


@dataclass
class FastDocument:
    """One document read by yaml-rs: the object, and where its text sits in the file; `data` is None
    for a document the caller said it knows already (not parsed again)."""
    data: dict | None
    span: Span
    chunk: str | None = None     # the document's text, when a `known` callback was asked about it


# How a list of items is mapped through a function: in order, in this process, unless the caller
# gives another way (the CLI maps a big file's documents on two cores: cli/parallel_load.py).
MapFn = Callable[[Callable[[Any], Any], list], list]
# How a whole file's text is read with yaml-rs: fast_documents by default; the CLI shares that work
# with a forked process (cli/parallel_load.py, cli/prefetch.py).
DocumentsFn = Callable[[str], "list[FastDocument] | None"]


def fast_documents(text: str, known: Callable[[int, str], bool] | None = None,
                   map_documents: MapFn | None = None) -> list[FastDocument] | None:
    """The file's objects in order, or None when libyaml must read this file (see the module doc).
    `known(line, document text)`: documents for which it says True are not parsed (see reuse.py).
    `map_documents(parse, texts)`: how the documents' texts are parsed when there is no `known`."""
    if yaml_rs is None or _has_odd_characters(text):
        return None
    if known is None and _is_risky(text):      # one scan of the file; with `known`, per new document
        return None
    bounds = _document_bounds(text)
    if not _only_split_markers(text, bounds):
        return None
    if known is None:
        return _all_documents(text, bounds, map_documents)
    out: list[FastDocument] = []
    for bol, span in _spans(text, bounds):
        chunk = text[span.start : span.end]
        if known(span.line, chunk):
            out.append(FastDocument(None, span, chunk))
            continue
        whole = text[bol : span.end]           # from the start of its first line, for the column
        if _is_risky(whole):
            return None
        data = _parse(whole)
        if not isinstance(data, dict) or _is_list(data):
            return None
        out.append(FastDocument(data, span, chunk))
    return out


def _all_documents(text: str, bounds: list[tuple[int, int]], map_documents: MapFn | None) -> list[FastDocument] | None:
    """Every document of a file that holds nothing risky, parsed in one batch (`map_documents` may
    share the batch among processes); None when yaml-rs refuses one or one is not a single object."""
    spans = list(_spans(text, bounds))
    chunks = [text[bol : span.end] for bol, span in spans]
    datas = map_documents(_parse, chunks) if map_documents is not None else [_parse(c) for c in chunks]
    out = []
    for (_bol, span), data in zip(spans, datas):
        if not isinstance(data, dict) or _is_list(data):
            return None
        out.append(FastDocument(data, span))
    return out


def _spans(text: str, bounds: list[tuple[int, int]]) -> Iterator[tuple[int, Span]]:
    """(start of its first line, span) of each document with content, as fast_documents finds them."""
    line, counted = 0, 0                       # line number of offset `counted`
    for start, end in bounds:
        first = _BLANK_LINES.match(text, start).end()   # the first line with content
        if first >= end:
            continue                           # empty, or comments only: not an object
        line += text.count("\n", counted, first)
        counted = first
        bol = text.rfind("\n", 0, first) + 1
        yield bol, Span(text, first, end, line, first - bol)


def _is_risky(text: str) -> bool:
    """Whether the text holds anything yaml-rs and libyaml read differently (the module doc)."""
    raw = text.encode("utf-8")
    bare = _COMMENT.sub(rb"\1", raw) if b"#" in raw else raw
    return bool(_RISKY.search(bare)) or not _block_scalars_are_plain(bare) or _flow_is_risky(bare)


def _flow_is_risky(text: bytes) -> bool:
    """Flow collections beside what the two parsers read differently there: plain scalars with a
    colon, block scalar indicators, collections as mapping keys (`{[a]: 1}`), or brackets this
    simple scan cannot pair (one inside a plain scalar, say)."""
    if _FLOW_OPEN.search(text) is None:
        return False
    unquoted = _QUOTED.sub(b"\\1\x00", text)
    if _PLAIN_COLON.search(unquoted) or _FLOW_INDICATOR.search(unquoted):
        return True
    stack: list[bytes] = []
    for found in _BRACKET.finditer(unquoted):
        char, before = found.group(), _previous_char(unquoted, found.start())
        if char in b"[{":
            if before not in b"\n\t [{,:":
                return True                    # inside a plain scalar: `a[1]`
            if stack and stack[-1] == b"{" and before in b"{,":
                return True                    # a collection as a mapping key
            stack.append(char)
        elif not stack or stack.pop() != (b"[" if char == b"]" else b"{"):
            return True
    return bool(stack)


def _previous_char(text: bytes, pos: int) -> bytes:
    """What comes before the bracket at `pos`: the character right before it when that is not
    whitespace, else the last non-whitespace character when it is one of `[{,:`, else " " (the
    bracket starts a token after whitespace; "\n" at the start of the text)."""
    i = pos - 1
    while i >= 0 and text[i : i + 1] in b" \t\r\n":
        i -= 1
    if i < 0:
        return b"\n"
    if text[i : i + 1] not in b"[{,:" and i < pos - 1:
        return b" "                            # whitespace-separated: a token start
    return text[i : i + 1]


def _block_scalars_are_plain(text: bytes) -> bool:
    """Every `|` or `>` at a token start is a block scalar header with content indented past its line."""
    for found in _BLOCK.finditer(text):
        at = found.end() - 1                   # the indicator (the match starts at its prefix)
        header = _BLOCK_HEADER.match(text, at)
        if header is None:
            return False
        bol = text.rfind(b"\n", 0, at) + 1
        indent = len(text[bol:at]) - len(text[bol:at].lstrip(b" "))
        if len(header.group(1)) <= indent:
            return False
    return True


def _has_odd_characters(text: str) -> bool:
    """Line breaks that are not LF or CRLF, a BOM, or characters YAML does not allow."""
    if "\r" in text and text.count("\r") != text.count("\r\n"):
        return True
    if text.isascii():   # the usual case: RE2 over the bytes is 3x faster than `re` over the str
        return _ODD_ASCII.search(text.encode("ascii")) is not None
    return _ODD_CHARACTERS.search(text) is not None


def _only_split_markers(text: str, bounds: list[tuple[int, int]]) -> bool:
    """Every line starting with `---` or `...` is a `---` line _MARKER split at (a count, as every such
    marker is one of those lines; a `----` line or a `...` end marker makes the counts differ)."""
    lines = text.count("\n---") + text.count("\n...") + text.startswith(("---", "..."))
    return lines == len(bounds) - 1


def _document_bounds(text: str) -> list[tuple[int, int]]:
    """(start, end) of each document's text, without its `---` line."""
    bounds, start = [], 0
    for marker in _MARKER.finditer(text):
        at = marker.start()
        if at and text[at - 1] != "\n":
            continue                           # `---` inside a line: not a marker
        bounds.append((start, at))
        start = marker.end()
    bounds.append((start, len(text)))
    return bounds


def _parse(chunk: str) -> Any:
    """The document's value, or None when yaml-rs refuses it (libyaml then reads the file)."""
    try:
        return yaml_rs.loads(chunk, parse_datetime=False)
    except (yaml_rs.YAMLDecodeError, ValueError, OverflowError, RecursionError):
        return None


def _is_list(data: dict) -> bool:
    kind = data.get("kind")
    return isinstance(kind, str) and kind.endswith("List") and "items" in data
