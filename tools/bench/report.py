"""The benchmark result as a table for people (the JSON form is Result.to_json)."""
from __future__ import annotations

from typing import Any

from tools.bench.targets import checks

COLUMNS = ("N", "objects", "input_MB", "proxy", "wall_s", "peak_MB", "output_MB", "yaml_s", "write_s",
           "floor_s", "ratio", "diff_s", "exit")


def _cells(row: Any) -> list[str]:
    diff = "-" if row.diff_s is None else f"{row.diff_s:.3f}"
    return [str(row.n), str(row.objects), f"{row.input_mb:.2f}", row.proxy, f"{row.wall_s:.3f}",
            f"{row.peak_mb:.0f}", f"{row.output_mb:.2f}", f"{row.yaml_s:.3f}", f"{row.write_s:.3f}",
            f"{row.floor_s:.3f}", f"{row.ratio:.2f}", diff, str(row.exit)]


def table(header: tuple[str, ...], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[k]) for r in rows)) if rows else len(h) for k, h in enumerate(header)]
    lines = ["  ".join(c.rjust(w) for c, w in zip(cells, widths)) for cells in [list(header), *rows]]
    return "\n".join(line.rstrip() for line in lines)


def render(result: Any) -> str:
    m = result.machine
    parts = [f"mesh-compile benchmark: {m['cpus']} CPUs, Python {m['python']}, {m['platform']}, "
             f"Istio {result.options['istio_version']}, best of {result.options['repeat']}",
             f"mesh-compile --help: {result.help_s:.3f} s", "",
             table(COLUMNS, [_cells(r) for r in result.rows])]
    parts += [f"  N={r.n} {r.proxy}: {r.error}" for r in result.rows if r.error]
    if result.pushes:
        parts += ["", f"ADS push (serve --watch --interval {result.options['push_interval']:g}, one VirtualService "
                      "edited, until Envoy accepts the new routes):"]
        for p in result.pushes:
            if "error" in p:
                parts.append(f"  N={p['n']}: failed: {p['error']}")
            else:
                parts.append(f"  N={p['n']}: {p['push_s']:.3f} s (first config LIVE after {p['initial_s']:.2f} s; "
                             f"updates during push {p['updates']}; change visible in Envoy: {p['applied']})")
                if "push_lines_s" in p:
                    parts.append(f"  N={p['n']}: {p['push_lines_s']:.3f} s for a second edit that adds a line "
                                 "(the documents after it move)")
    found = checks(result)
    if found:
        parts += ["", "targets (issue 5, for a 2-core machine; shown, not asserted):"]
        parts += [f"  {'ok    ' if c.ok else 'MISSED'} {c.what}: {c.value:.3f} {c.unit} (limit {c.limit:g} {c.unit})"
                  for c in found]
    if result.notes:
        parts += ["", "notes:"] + [f"  {n}" for n in result.notes]
    parts += ["", "floor_s = yaml_s (yaml.load_all with CSafeLoader) + write_s (orjson.dumps + write); "
              "ratio = wall_s / floor_s; peak_MB = the child's max RSS, or "
              "if more, its RSS plus its own forked children's private pages (sampled every 0.1 s)"]
    return "\n".join(parts) + "\n"
