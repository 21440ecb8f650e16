"""Rewrite golden expected files from mesh-compile's output and show what changed.

    python tools/refresh_golden.py [--dry-run] [CASE ...]

With no CASE, every golden/*/case.yaml is refreshed. Exit status: 0 when every expected file already
matched, 1 when at least one file was (or, with --dry-run, would be) rewritten, 2 when a case is unknown
or mesh-compile failed on a check.

The golden files are claims about real Istio, not snapshots of mesh-compile: a refreshed file is only
right if every changed line agrees with the source its case.yaml cites. See golden/README.md.
"""
from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]

WARNING = """
!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
!! {count} golden file(s) {verb} from mesh-compile's own output.
!! The golden files are claims about what REAL istioctl prints, not snapshots of mesh-compile.
!! Before committing, read EVERY changed line above against the `source` of its check in case.yaml
!! (the seed lines and istio-facts sections it cites). Keep a change only if that source supports it;
!! otherwise the compiler is wrong: restore the file with your editor and fix the compiler instead.
!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
"""


def load_runner() -> ModuleType:
    """The case loader and comparison live in tests/test_golden.py; use them so both agree."""
    spec = importlib.util.spec_from_file_location("golden_runner", ROOT / "tests" / "test_golden.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["golden_runner"] = module
    spec.loader.exec_module(module)
    return module


def refresh_check(runner: ModuleType, check, dry_run: bool, out) -> str:
    """'same', 'changed' or 'failed' for one check; prints the diff or the error."""
    outcome = runner.run_check(check)
    if outcome.status != 0:
        out.write(f"FAILED {check.id}: {outcome.problem}\n")
        return "failed"
    if outcome.ok:
        return "same"
    out.write(f"\n=== {check.id}\n    source: {check.source}\n{outcome.problem}\n")
    if not dry_run:
        check.expected_path.write_text(outcome.stdout)
    return "changed"


def main(argv: list[str] | None = None, out=sys.stdout) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("cases", nargs="*", metavar="CASE", help="golden case folder names (default: all)")
    parser.add_argument("--dry-run", action="store_true", help="show the diffs but write nothing")
    args = parser.parse_args(argv)
    runner = load_runner()
    try:
        cases = runner.load_cases(args.cases or None)
    except KeyError as exc:
        out.write(f"error: {exc.args[0]}\n")
        return 2
    results = [refresh_check(runner, check, args.dry_run, out) for case in cases for check in case.checks]
    changed = results.count("changed")
    if changed:
        out.write(WARNING.format(count=changed, verb="would be rewritten" if args.dry_run else "were rewritten"))
    out.write(f"{len(results)} checks: {results.count('same')} unchanged, {changed} "
              f"{'to rewrite' if args.dry_run else 'rewritten'}, {results.count('failed')} failed\n")
    if results.count("failed"):
        return 2
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
