"""Where a file changed since its last load, in whole documents (`serve --watch`, reuse.py).

An edit of one object changes a few bytes of a file of thousands of documents. Comparing the new text
with the last one finds the changed byte range at memcmp speed; widened to the `---` lines around it,
that range is the only part of the file that has to be split into documents and looked at again. The
documents before it are the last load's, at the same offsets and lines; those after it are too, moved
by the change of length and of line count (reuse.py moves their objects' lines).

This only applies to a file whose last load was read by yaml-rs (fast_documents.py): there, every line
that starts with `---` is a document marker, so a `---` line inside the unchanged text is one in both.
"""
from __future__ import annotations

from dataclasses import dataclass

_BLOCK = 1 << 16          # compared a block at a time: slices of both texts are copied to compare them


@dataclass(frozen=True)
class Window:
    """The changed documents: new_text[start:end] replaces old_text[start:old_end]. Documents of the
    last load that end at or before `start` are kept as they were; those that begin at or after
    `old_end` are kept moved by `end - old_end` characters and `lines` lines."""

    start: int
    end: int
    old_end: int
    lines: int = 0

    @property
    def shift(self) -> int:
        return self.end - self.old_end


def changed_window(old: str, new: str) -> Window:
    """The smallest run of whole documents of `new` that holds every difference from `old`."""
    prefix = common_prefix(old, new)
    suffix = common_suffix(old, new, min(len(old), len(new)) - prefix)
    start = _head_end(new, prefix)
    end = _tail_start(new, len(new) - suffix)
    old_end = end - (len(new) - len(old))
    return Window(start, end, old_end, new.count("\n", start, end) - old.count("\n", start, old_end))


def common_prefix(a: str, b: str) -> int:
    """Length of the longest common prefix of a and b."""
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i : i + _BLOCK] == b[i : i + _BLOCK]:
        i += _BLOCK
    if i >= n:
        return n
    lo, hi = i, min(i + _BLOCK, n)     # a[:lo] == b[:lo]; they differ before hi (or one ends there)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if a[lo:mid] == b[lo:mid]:
            lo = mid
        else:
            hi = mid
    return lo if a[lo] != b[lo] else lo + 1


def common_suffix(a: str, b: str, limit: int) -> int:
    """Length of the longest common suffix of a and b, at most `limit`."""
    la, lb = len(a), len(b)
    i = 0
    while i < limit and a[la - min(i + _BLOCK, limit) : la - i] == b[lb - min(i + _BLOCK, limit) : lb - i]:
        i = min(i + _BLOCK, limit)
    if i >= limit:
        return limit
    lo, hi = i, min(i + _BLOCK, limit)  # the last lo characters agree; a difference within the last hi
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if a[la - mid : la - lo] == b[lb - mid : lb - lo]:
            lo = mid
        else:
            hi = mid
    return lo if a[la - lo - 1] != b[lb - lo - 1] else lo + 1


def _head_end(text: str, limit: int) -> int:
    """The end of the last `---` line that lies wholly in text[:limit] (after its line break), else 0."""
    at = text.rfind("\n---", 0, limit)
    while at >= 0:
        eol = text.find("\n", at + 1)
        if 0 <= eol < limit:
            return eol + 1
        at = text.rfind("\n---", 0, at)
    return 0


def _tail_start(text: str, limit: int) -> int:
    """The start of the first `---` line that begins at or after `limit`, else the end: a marker line
    that begins right at `limit` is wholly unchanged, and so are the documents after it."""
    at = text.find("\n---", max(limit - 1, 0))
    return at + 1 if at >= 0 else len(text)
