"""Summarise a py-spy profile (`py-spy record -f raw`, collapsed stacks) into the functions with the
largest share of samples, inclusive (the function and what it calls) and self (its own lines).

  py-spy record -r 200 -f raw -o prof.txt -- python -m mesh_compile pc all TARGET -f mesh.yaml -o json
  python -m tools.bench.hotspots prof.txt [--top 25] [--under compiler/]
"""
from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

_FRAME = re.compile(r"^(?P<func>.+?) \((?P<file>[^:()]+)(?::\d+)?\)$")


def parse(lines: list[str]) -> list[tuple[list[str], int]]:
    """-> [(frames outermost first as 'file:function', samples)]."""
    stacks = []
    for line in lines:
        line = line.rstrip()
        if not line:
            continue
        text, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        frames = []
        for raw in text.split(";"):
            m = _FRAME.match(raw.strip())
            frames.append(f"{m['file']}:{m['func']}" if m else raw.strip())
        stacks.append((frames, int(count)))
    return stacks


def shares(stacks: list[tuple[list[str], int]], under: str = "") -> tuple[Counter, Counter, int]:
    """(inclusive samples, self samples, total samples); frames outside `under` are attributed to the
    innermost frame inside it, so a library call counts toward the project function that made it."""
    inclusive: Counter = Counter()
    own: Counter = Counter()
    total = 0
    for frames, n in stacks:
        total += n
        mine = [f for f in frames if under in f] if under else frames
        for f in set(mine):
            inclusive[f] += n
        if mine:
            own[mine[-1]] += n
    return inclusive, own, total


def render(inclusive: Counter, own: Counter, total: int, top: int) -> str:
    out = [f"{total} samples", "", "inclusive  function"]
    out += [f"{100 * n / total:8.1f}%  {f}" for f, n in inclusive.most_common(top)]
    out += ["", "self       function (library time charged to the calling project function)"]
    out += [f"{100 * n / total:8.1f}%  {f}" for f, n in own.most_common(top)]
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tools.bench.hotspots", description=__doc__.split("\n\n")[0])
    p.add_argument("profile", type=Path)
    p.add_argument("--top", type=int, default=25)
    p.add_argument("--under", default="compiler/", help="path fragment of the project's frames (default compiler/)")
    args = p.parse_args(argv)
    inclusive, own, total = shares(parse(args.profile.read_text().splitlines()), args.under)
    if not total:
        sys.stderr.write("no samples in the profile\n")
        return 1
    sys.stdout.write(render(inclusive, own, total, args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
