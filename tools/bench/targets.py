"""Issue 5's targets, read from a benchmark result. They are shown, never asserted: timing depends on
the machine (the targets are for a 2-core machine)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class Check:
    what: str
    value: float
    limit: float
    unit: str

    @property
    def ok(self) -> bool:
        return self.value <= self.limit


def checks(result: Any) -> list[Check]:
    out = [Check("mesh-compile --help", result.help_s, 0.3, "s")]
    by = {(r.n, r.proxy): r for r in result.rows if r.exit == 0}
    for proxy in ("sidecar", "gateway"):
        small, big = by.get((1000, proxy)), by.get((10000, proxy))
        if small:
            out.append(Check(f"N=1000 {proxy} wall", small.wall_s, 1.5, "s"))
            out.append(Check(f"N=1000 {proxy} ours/floor", small.ratio, 2.0, "x"))
        if big:
            out.append(Check(f"N=10000 {proxy} wall", big.wall_s, 12.0, "s"))
            out.append(Check(f"N=10000 {proxy} peak memory", big.peak_mb, 1536.0, "MB"))
        if small and big:
            # "no faster than linearly": 10x the services may cost at most 10x the time
            out.append(Check(f"{proxy} time growth 1000->10000", big.wall_s / small.wall_s, 10.0, "x"))
    for push in result.pushes:
        if push.get("n") == 1000 and "push_s" in push:
            out.append(Check("N=1000 serve --watch edit -> Envoy ACK", push["push_s"], 0.3, "s"))
            if "push_lines_s" in push:
                out.append(Check("N=1000 serve --watch edit adding a line -> Envoy ACK", push["push_lines_s"], 0.3, "s"))
    return out
