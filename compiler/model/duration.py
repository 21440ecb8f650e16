"""Istio/Kubernetes durations ("10s", "1.5s", "100ms", "1h30m") and their proto3 JSON form.

Istio CRDs check durations with CEL's `duration()`, which follows Go's time.ParseDuration, so we
accept the same grammar: optional sign, then one or more `<decimal><unit>` parts, or a bare "0".
"""
from __future__ import annotations

import re
from functools import lru_cache

_UNIT_NANOS = {
    "ns": 1,
    "us": 1_000,
    "\u00b5s": 1_000,  # micro sign
    "\u03bcs": 1_000,  # Greek mu
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60 * 1_000_000_000,
    "h": 3600 * 1_000_000_000,
}
_PART = re.compile(r"(\d*)(?:\.(\d*))?([a-z\u00b5\u03bc]+)")
# Go's time.Duration is an int64 of nanoseconds; larger values do not parse.
_MAX_NANOS = 2**63 - 1


def _part_nanos(whole: str, frac: str | None, unit: str, text: str) -> int:
    if not whole and not frac:
        raise ValueError(f"invalid duration {text!r}: missing number")
    if unit not in _UNIT_NANOS:
        raise ValueError(f"invalid duration {text!r}: unknown unit {unit!r}")
    scale = _UNIT_NANOS[unit]
    nanos = int(whole or "0") * scale
    if frac:
        # Exact integer arithmetic: "1.5" of a unit is 15 * scale // 10.
        nanos += int(frac) * scale // (10 ** len(frac))
    return nanos


def parse_duration_nanos(text: str) -> int:
    """Parse a Go-style duration into integer nanoseconds; ValueError when it does not parse."""
    if not isinstance(text, str):
        raise ValueError(f"invalid duration {text!r}: expected a string like \"10s\"")
    return _parse_nanos(text)


# A mesh repeats a few durations ("5s", "100ms") thousands of times (model checks, webhook, build);
# an error is raised again each time (lru_cache keeps only results).
@lru_cache(maxsize=4096)
def _parse_nanos(text: str) -> int:
    body = text
    sign = 1
    if body and body[0] in "+-":
        sign = -1 if body[0] == "-" else 1
        body = body[1:]
    if body == "0":
        return 0
    if not body:
        raise ValueError(f"invalid duration {text!r}")
    total, pos = 0, 0
    while pos < len(body):
        m = _PART.match(body, pos)
        if not m:
            raise ValueError(f"invalid duration {text!r}: expected <number><unit>, e.g. \"10s\" or \"100ms\"")
        total += _part_nanos(m.group(1), m.group(2), m.group(3), text)
        pos = m.end()
    if total > _MAX_NANOS:
        raise ValueError(f"invalid duration {text!r}: out of range")
    return sign * total


def parse_duration(text: str) -> float:
    """Parse "10s", "1.5s", "100ms", "1h" ... into seconds."""
    return parse_duration_nanos(text) / 1e9


def nanos_to_proto_duration(nanos: int) -> str:
    """protojson's Duration text: whole seconds, then 0, 3, 6 or 9 fractional digits, then "s"."""
    sign = "-" if nanos < 0 else ""
    secs, frac = divmod(abs(nanos), 1_000_000_000)
    if frac == 0:
        return f"{sign}{secs}s"
    digits = f"{frac:09d}"
    if frac % 1_000_000 == 0:
        digits = digits[:3]
    elif frac % 1_000 == 0:
        digits = digits[:6]
    return f"{sign}{secs}.{digits}s"


def to_proto_duration(seconds: float) -> str:
    """Seconds -> proto3 JSON duration: 0 -> "0s", 1.5 -> "1.500s", 0.1 -> "0.100s"."""
    return nanos_to_proto_duration(round(seconds * 1_000_000_000))
