"""`mesh-compile diff`: structural differences of Envoy config.

  mesh-compile diff TARGET -f PATH --against DUMP     compiled config vs a real dump (istioctl pc ... -o json,
                                                      /config_dump, or a mesh-compile output/build folder)
  mesh-compile diff [TARGET] -f OLD --to NEW          what changing the YAML from OLD to NEW does to Envoy
  mesh-compile diff [TARGET] -f PATH --base-ref REV   the same, PATH as of git REV vs the working tree

Without TARGET the review forms compare every proxy of both inputs. Exit status: 0 no difference,
1 differences, 2 bad input.
"""
from __future__ import annotations

import argparse
import io
import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Iterator, TextIO

from mesh_compile.cli.options import add_input_options

KIND_ALIASES = {"routes": "routes", "route": "routes", "r": "routes", "cluster": "clusters",
                "clusters": "clusters", "c": "clusters", "listener": "listeners", "listeners": "listeners",
                "l": "listeners", "endpoint": "endpoints", "endpoints": "endpoints", "ep": "endpoints"}

EPILOG = """examples:
  istioctl pc routes deploy/webapp.istioinaction -o json > routes.json
  mesh-compile diff deploy/webapp.istioinaction -f mesh/ --against routes.json
  kubectl exec deploy/webapp -c istio-proxy -- curl -s localhost:15000/config_dump > dump.json
  mesh-compile diff deploy/webapp.istioinaction -f mesh/ --against dump.json --kind routes --kind clusters
  mesh-compile diff -f mesh/ --base-ref origin/main          # every proxy: what this branch changes
  mesh-compile diff deploy/webapp.istioinaction -f old/ --to new/ --format json
"""


def add_parser(sub: Any) -> None:
    p = sub.add_parser("diff", help="structural diff of Envoy config: compiled vs a dump, or before vs after a change",
                       description=__doc__.split("\n\n", 1)[1], epilog=EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("target", nargs="?", metavar="TARGET",
                   help="deploy/NAME.NAMESPACE or POD.NAMESPACE (needed with --against; else all proxies)")
    add_input_options(p)
    g = p.add_argument_group("what to compare with (one of)")
    g.add_argument("--against", metavar="DUMP", help="a dump file (- for stdin) or a `mesh-compile build` proxy folder")
    g.add_argument("--to", action="append", default=[], metavar="PATH",
                   help="the changed input (file or folder; repeatable); -f is the old one")
    g.add_argument("--base-ref", metavar="REV", help="git revision of the -f paths to compare the working tree with")
    q = p.add_argument_group("proxy")
    q.add_argument("--labels", metavar="K=V,...", help="labels of the proxy's workload (overrides the input)")
    q.add_argument("--type", dest="proxy_type", choices=["sidecar", "router"], help="proxy type (default: detected)")
    q.add_argument("--proxy-ip", action="append", default=[], metavar="IP",
                   help="the proxy's own IP, masked in listener names/addresses (repeatable)")
    c = p.add_argument_group("comparison")
    c.add_argument("--kind", action="append", default=[], choices=sorted(KIND_ALIASES), metavar="KIND",
                   help="routes, clusters, listeners or endpoints (repeatable; default: what the dump holds)")
    c.add_argument("--ignore", action="append", default=[], metavar="GLOB",
                   help="ignore paths matching KIND/NAME.path (* any text), e.g. 'clusters/*.metadata'")
    c.add_argument("--ignore-file", metavar="FILE", help="more --ignore globs, one per line (# comments)")
    c.add_argument("--only-common", action="store_true",
                   help="compare only resources both sides have (e.g. the dump was filtered with --fqdn)")
    c.add_argument("--list-volatile", action="store_true", help="print what is always normalised away, and exit")
    o = p.add_argument_group("output")
    o.add_argument("--format", choices=["text", "json"], default="text")
    o.add_argument("--color", choices=["auto", "always", "never"], default="auto",
                   help="colour the text output (auto: only on a terminal, and not with NO_COLOR)")
    o.add_argument("--full", action="store_true", help="print long values in full")


@dataclass
class Pair:
    """One proxy's two sides, volatile fields already removed."""

    proxy: str
    old: dict
    new: dict
    note: str = ""


@dataclass
class Plan:
    """What is compared: the two sides' names, the kinds, and one Pair per proxy."""

    old_label: str
    new_label: str
    kinds: tuple[str, ...]
    pairs: list[Pair] = field(default_factory=list)
    old_short: str = "old"
    new_short: str = "new"


class BadInput(Exception):
    """A usage or input problem: exit status 2 with the message."""


def run(args: argparse.Namespace, *, stdin: TextIO | None, out: TextIO, err: TextIO) -> int:
    from mesh_compile.cli.compile_step import CommandError
    from mesh_compile.compare.normalize import DumpError
    from mesh_compile.compare.revision import RevisionError

    if args.list_volatile:
        from mesh_compile.compare.volatile import describe
        out.write(describe())
        return 0
    try:
        ignore = _ignore_set(args)
        plan = _plan(args, stdin, err)
    except (BadInput, DumpError, RevisionError) as exc:
        err.write(f"Error: {exc}\n")
        return 2
    except CommandError as exc:
        if str(exc):
            err.write(str(exc) + "\n")
        return 2
    return _report(plan, ignore, args, out)


def _ignore_set(args: argparse.Namespace) -> Any:
    from mesh_compile.compare.volatile import IgnoreSet, read_ignore_file
    globs = list(args.ignore)
    if args.ignore_file:
        try:
            globs += read_ignore_file(args.ignore_file)
        except (OSError, UnicodeDecodeError) as exc:
            raise BadInput(f"cannot read --ignore-file {args.ignore_file}: {getattr(exc, 'strerror', None) or exc}")
    return IgnoreSet(globs)


def _plan(args: argparse.Namespace, stdin: TextIO | None, err: TextIO) -> Plan:
    modes = [m for m in ("against", "to", "base_ref") if getattr(args, m)]
    if len(modes) != 1:
        raise BadInput("say what to compare with: one of --against DUMP, --to PATH or --base-ref REV")
    kinds = tuple(dict.fromkeys(KIND_ALIASES[k] for k in args.kind))
    if args.against:
        return _plan_against(args, kinds, stdin, err)
    from mesh_compile.cli.options import input_paths
    from mesh_compile.compare.normalize import KINDS
    kinds = kinds or KINDS
    if args.to:
        old_paths, new_paths = input_paths(args), list(args.to)
        plan = Plan("mesh-compile " + " ".join(f"-f {p}" for p in old_paths),
                    "mesh-compile " + " ".join(f"-f {p}" for p in new_paths), kinds)
        return _plan_review(args, plan, old_paths, new_paths, stdin, err)
    import tempfile
    from mesh_compile.compare.revision import export_at
    new_paths = input_paths(args)
    with tempfile.TemporaryDirectory(prefix="mesh-compile-base-") as tmp:
        from pathlib import Path
        old_paths, notes = export_at(new_paths, args.base_ref, Path(tmp))
        for note in notes:
            err.write(f"Info: {note}\n")
        plan = Plan(f"{args.base_ref}: " + " ".join(new_paths), "working tree: " + " ".join(new_paths), kinds,
                    old_short=args.base_ref, new_short="working tree")
        return _plan_review(args, plan, old_paths, new_paths, stdin, err)


def _plan_against(args: argparse.Namespace, kinds: tuple, stdin: TextIO | None, err: TextIO) -> Plan:
    from mesh_compile.cli.compile_step import compile_target
    from mesh_compile.compare.normalize import from_compiled, read_path
    from mesh_compile.compare.volatile import strip
    if not args.target:
        raise BadInput("--against needs the TARGET proxy the dump came from (deploy/NAME.NAMESPACE or POD.NAMESPACE)")
    if args.against == "-" and "-" in args.files:
        raise BadInput("only one of -f and --against can read stdin")
    stdin_text = (stdin or _sys_stdin()).read() if args.against == "-" else None
    dump = read_path(args.against, stdin_text)
    for note in dump.notes:
        err.write(f"Info: {args.against}: {note}\n")
    if not kinds and not dump.kinds:
        raise BadInput(f"{args.against} is an empty list: say which kind it is with --kind")
    compiled = compile_target(args, err, stdin)
    old = strip(dump, args.proxy_ip)
    kinds = kinds or dump.kinds
    new = strip(from_compiled(compiled.config, dump.endpoint_form, kinds), args.proxy_ip)
    plan = Plan(f"dump {args.against} ({dump.form})", f"mesh-compile {args.target}", kinds,
                old_short="dump", new_short="mesh-compile")
    plan.pairs.append(Pair(args.target, old, new))
    return plan


def _sys_stdin() -> TextIO:
    import sys
    return sys.stdin


def _plan_review(args: argparse.Namespace, plan: Plan, old_paths: list[str], new_paths: list[str],
                 stdin: TextIO | None, err: TextIO) -> Plan:
    if args.target:
        with _quiet(err, plan.old_short) as old_err:
            old = _compile_one(args, old_paths, stdin, old_err)
        new = _compile_one(args, new_paths, stdin, err)
        plan.pairs.append(Pair(args.target, old, new))
        return plan
    with _quiet(err, plan.old_short) as old_err:
        olds = _compile_every(args, old_paths, stdin, old_err)
    news = _compile_every(args, new_paths, stdin, err)
    for folder in sorted(set(olds) | set(news)):
        target, old = olds.get(folder, (None, _empty()))
        target, new = news.get(folder, (target, _empty()))
        note = ""
        if folder not in olds or folder not in news:    # a workload added or removed by the change
            note = f"only in {plan.old_short if folder in olds else plan.new_short}"
        plan.pairs.append(Pair(target, old, new, note))
    return plan


def _empty() -> dict:
    from mesh_compile.compare.normalize import KINDS
    return {k: {} for k in KINDS}


@contextmanager
def _quiet(err: TextIO, label: str) -> Iterator[TextIO]:
    """The old side's warnings were there before the change, so they are not shown again; but when the old
    side cannot be compiled at all, what went wrong is shown, marked with the side's name."""
    from mesh_compile.cli.compile_step import CommandError
    buffer = io.StringIO()
    try:
        yield buffer
    except CommandError as exc:
        for line in [*buffer.getvalue().splitlines(), *str(exc).splitlines()]:
            if line and not line.startswith("Info"):
                err.write(f"{label}: {line}\n")
        raise CommandError("", exc.code) from None


def _compile_one(args: argparse.Namespace, paths: list[str], stdin: TextIO | None, err: TextIO) -> dict:
    from mesh_compile.cli.compile_step import compile_target
    from mesh_compile.compare.normalize import from_compiled
    from mesh_compile.compare.volatile import strip
    if not paths:
        return _empty()
    side = argparse.Namespace(**{**vars(args), "files": paths, "example": False})
    compiled = compile_target(side, err, stdin)
    return strip(from_compiled(compiled.config), args.proxy_ip)


def _compile_every(args: argparse.Namespace, paths: list[str], stdin: TextIO | None, err: TextIO) -> dict:
    """{folder: (target, stripped resources)} for every proxy of one side."""
    from mesh_compile.cli.build_cmd import compile_all
    from mesh_compile.cli.compile_step import load_inputs
    from mesh_compile.compare.normalize import from_compiled
    from mesh_compile.compare.volatile import strip
    if not paths:
        return {}
    mesh, behaviour = load_inputs(args, paths, err, stdin)
    return {folder: (ref.target, strip(from_compiled(cfg), args.proxy_ip))
            for folder, (ref, cfg) in compile_all(mesh, behaviour, err).items()}


# ---- output ----------------------------------------------------------------------------------------
def _colour(args: argparse.Namespace, out: TextIO) -> bool:
    if args.color != "auto":
        return args.color == "always"
    isatty = getattr(out, "isatty", None)
    return bool(isatty and isatty()) and "NO_COLOR" not in os.environ


def _report(plan: Plan, ignore: Any, args: argparse.Namespace, out: TextIO) -> int:
    from mesh_compile.compare.structural import compare
    results, counts = [], {k: 0 for k in plan.kinds}
    for pair in plan.pairs:
        old, new = pair.old, pair.new
        if args.only_common:
            old, new = _common(old, new)
        for kind in plan.kinds:
            counts[kind] += len(set(old.get(kind, {})) | set(new.get(kind, {})))
        results.append((pair, compare(old, new, plan.kinds, ignore)))
    changed = [(p, d) for p, d in results if d]
    if args.format == "json":
        _write_json(plan, results, out)
    elif changed:
        _write_text(plan, results, changed, args, out)
    else:
        out.write(_no_difference(results, counts))
    return 1 if changed else 0


def _no_difference(results: list, counts: dict[str, int]) -> str:
    """Says what was compared, so "no difference" over nothing (everything volatile or filtered) shows."""
    from mesh_compile.compare.normalize import KIND_TITLES
    what = f"{len(results)} proxies" if len(results) != 1 else results[0][0].proxy
    compared = ", ".join(f"{n} {KIND_TITLES[k]}{'s' if n != 1 else ''}" for k, n in counts.items())
    return f"no difference ({what}; compared {compared})\n"


def _common(old: dict, new: dict) -> tuple[dict, dict]:
    keep = {k: set(old[k]) & set(new[k]) for k in old}
    return ({k: {n: r for n, r in v.items() if n in keep[k]} for k, v in old.items()},
            {k: {n: r for n, r in v.items() if n in keep[k]} for k, v in new.items()})


def _write_text(plan: Plan, results: list, changed: list, args: argparse.Namespace, out: TextIO) -> None:
    from mesh_compile.compare.render import Palette, Side, text_report
    pal = Palette(_colour(args, out))
    old, new = Side(plan.old_label, plan.old_short), Side(plan.new_label, plan.new_short)
    for pairs, diffs in _same_changes(changed):
        title = ""
        if len(results) > 1 or pairs[0].note:
            names = ", ".join(p.proxy + (f" ({p.note})" if p.note else "") for p in pairs)
            title = f"proxy {names}" if len(pairs) == 1 else f"proxies {names}: the same changes"
        out.write(text_report(diffs, old, new, pal, title=title, full=args.full))
        out.write("\n")
    if len(results) > 1:
        out.write(f"{len(changed)} of {len(results)} proxies differ\n")


def _same_changes(changed: list) -> list[tuple[list, list]]:
    """Proxies whose differences are identical are printed once, e.g. every sidecar that sees a changed route."""
    import orjson
    from mesh_compile.compare.structural import ABSENT

    def value(v: Any) -> bytes:
        return b"-" if v is ABSENT else orjson.dumps(v, option=orjson.OPT_SORT_KEYS)

    groups: dict[tuple, tuple[list, list]] = {}
    for pair, diffs in changed:
        key = tuple((d.resource_kind, d.resource_name, d.json_path, value(d.old), value(d.new)) for d in diffs)
        key += (pair.note,)
        groups.setdefault(key, ([], diffs))[0].append(pair)
    return list(groups.values())


def _write_json(plan: Plan, results: list, out: TextIO) -> None:
    from mesh_compile.compare.render import difference_json
    from mesh_compile.emit.json_out import istioctl_json
    diffs = [{"proxy": pair.proxy, **difference_json(d)} for pair, ds in results for d in ds]
    doc = {"equal": not diffs, "old": plan.old_label, "new": plan.new_label, "kinds": list(plan.kinds),
           "proxies": [{"proxy": p.proxy, "differences": len(ds), **({"note": p.note} if p.note else {})}
                       for p, ds in results],
           "differences": diffs}
    out.write(istioctl_json(doc))
