"""`python -m tools.bench [run] [--sizes 100,1000,10000] [--repeat R] [--json]` and
`python -m tools.bench generate -n N [-o FILE]`, from the repository root."""
from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected sizes like 100,1000; got {text!r}")
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("sizes must be positive")
    return sizes


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m tools.bench",
                                description="Benchmark mesh-compile on generated meshes of N services "
                                            "(`python -m tools.bench generate --help` for the generator).")
    p.add_argument("--sizes", type=_sizes, default=[100, 1000, 10000], help="comma-separated N (default 100,1000,10000)")
    p.add_argument("--repeat", type=int, default=1, help="runs per measurement; the best is kept (default 1)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--istio-version", default="1.30")
    p.add_argument("--timeout", type=float, default=600.0, help="seconds before a compile is killed")
    p.add_argument("--push-max", type=int, default=1000, help="time the ADS push for N up to this (default 1000)")
    p.add_argument("--diff-max", type=int, default=1000,
                   help="time `mesh-compile diff` for N up to this (default 1000; it compiles once more)")
    p.add_argument("--push-interval", type=float, default=0.1, help="serve --watch poll interval (default 0.1 s)")
    p.add_argument("--keep", type=Path, help="keep meshes and outputs in this folder")
    p.add_argument("--command", help="how to run mesh-compile (default: the mesh-compile on PATH)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    return p


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["generate"]:
        from tools.bench.generate import main as generate_main
        return generate_main(argv[1:])
    if argv[:1] == ["run"]:
        argv = argv[1:]
    args = parser().parse_args(argv)
    if args.repeat < 1:
        parser().error("--repeat must be at least 1")
    import orjson

    from tools.bench import report, runner
    opts = runner.Options(sizes=args.sizes, repeat=args.repeat, seed=args.seed, istio_version=args.istio_version,
                          timeout=args.timeout, push_max=args.push_max, diff_max=args.diff_max,
                          push_interval=args.push_interval, keep=args.keep)
    if args.command:
        opts.command = shlex.split(args.command)
    result = runner.run(opts)
    if args.json:
        sys.stdout.write(orjson.dumps(result.to_json(), option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        sys.stdout.write(report.render(result))
    return 0 if all(r.exit == 0 for r in result.rows) else 1


if __name__ == "__main__":
    sys.exit(main())
