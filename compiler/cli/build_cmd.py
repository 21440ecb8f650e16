"""`mesh-compile build -f PATH --out DIR [--check]`: compile every proxy of the input into
DIR/<proxy>/{routes,clusters,listeners,endpoints}.json and config_dump.json, so a repository can commit the
compiled form and review its diff. `--check` writes nothing and exits 1 when DIR is out of date.

Exit status: 0 written (or up to date), 1 out of date (--check) or some objects were invalid and left out
(build), 2 bad input.
"""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, TextIO

from mesh_compile.cli.options import add_input_options

OUR_FILES = ("routes.json", "clusters.json", "listeners.json", "endpoints.json", "config_dump.json")


def add_parser(sub: Any) -> None:
    p = sub.add_parser("build", help="compile every proxy of the input into a folder (for git review / CI)",
                       description="Compile every proxy in the input (each Deployment or Pod with a sidecar, each "
                                   "gateway) into DIR/<name>.<namespace>/{routes,clusters,listeners,endpoints}.json "
                                   "and config_dump.json. The bytes depend only on the input.")
    add_input_options(p)
    p.add_argument("--out", required=True, metavar="DIR", help="output folder (created if missing)")
    p.add_argument("--check", action="store_true",
                   help="write nothing; exit 1 and list the files that are out of date")


# ---- shared with `diff`: compile many proxies of one loaded mesh ----------------------------------
def compile_all(mesh: Any, behaviour: Any, err: TextIO) -> dict[str, Any]:
    """{ProxyRef.folder: (ProxyRef, ProxyConfig)} for every proxy of the mesh."""
    from mesh_compile.build.compile import compile_proxy
    from mesh_compile.compare.proxies import mesh_proxies
    from mesh_compile.index.proxy import resolve_proxy

    out = {}
    for ref in mesh_proxies(mesh.index):
        proxy = resolve_proxy(ref.target, mesh.index)
        for note in proxy.notices:
            err.write(f"Info: {note}\n")
        out[ref.folder] = (ref, compile_proxy(proxy, mesh.index, behaviour))
    return out


def proxy_files(cfg: Any) -> dict[str, bytes]:
    """The files of one proxy folder: routes, clusters and listeners as `mesh-compile pc <kind> -o json` prints
    them (istioctl's order, the bootstrap's static resources included); endpoints as the ClusterLoadAssignments
    istiod pushes, in istioctl's EDS order (`pc endpoint -o json` prints Envoy's /clusters host view instead,
    which holds less config); config_dump.json as `pc all -o json`."""
    from mesh_compile.emit import views
    from mesh_compile.emit.config_dump import config_dump
    from mesh_compile.emit.json_out import istioctl_json_bytes

    values = (views.routes(cfg), views.clusters(cfg), views.listeners(cfg), views.assignments(cfg), config_dump(cfg))
    return {name: istioctl_json_bytes(v) for name, v in zip(OUR_FILES, values)}


# ---- the folder ------------------------------------------------------------------------------------
def expected_tree(compiled: dict[str, Any]) -> dict[str, bytes]:
    """{"<folder>/<file>": bytes} for every proxy."""
    return {f"{folder}/{name}": data for folder, (_ref, cfg) in compiled.items()
            for name, data in proxy_files(cfg).items()}


def _stale_folders(out_dir: Path, expected: set[str]) -> list[Path]:
    """Sub-folders holding our files for a proxy that is no longer in the input."""
    if not out_dir.is_dir():
        return []
    return sorted(d for d in out_dir.iterdir()
                  if d.is_dir() and d.name not in expected and any((d / f).is_file() for f in OUR_FILES))


def out_of_date(out_dir: Path, tree: dict[str, bytes]) -> list[tuple[str, str]]:
    """(path, why) for each file that differs from what would be written, is missing, or is stale."""
    problems = []
    for rel, data in tree.items():
        path = out_dir / rel
        try:
            if path.read_bytes() != data:
                problems.append((str(path), "out of date"))
        except FileNotFoundError:
            problems.append((str(path), "missing"))
        except OSError as exc:
            problems.append((str(path), f"unreadable ({exc.strerror})"))
    folders = {rel.split("/", 1)[0] for rel in tree}
    for stale in _stale_folders(out_dir, folders):
        for f in OUR_FILES:
            if (stale / f).is_file():
                problems.append((str(stale / f), "stale (proxy no longer in the input)"))
    return problems


def write_tree(out_dir: Path, tree: dict[str, bytes]) -> tuple[int, int]:
    """Write what changed (unchanged files keep their mtime); remove stale proxy folders' files.
    -> (files written, files removed)."""
    written = removed = 0
    out_dir.mkdir(parents=True, exist_ok=True)
    for rel, data in tree.items():
        path = out_dir / rel
        if path.is_file() and path.read_bytes() == data:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written += 1
    for stale in _stale_folders(out_dir, {rel.split("/", 1)[0] for rel in tree}):
        for f in OUR_FILES:
            if (stale / f).is_file():
                (stale / f).unlink()
                removed += 1
        if not any(stale.iterdir()):
            stale.rmdir()
    return written, removed


def run(args: argparse.Namespace, *, stdin: TextIO | None, out: TextIO, err: TextIO) -> int:
    from mesh_compile.cli.compile_step import CommandError, load_inputs
    from mesh_compile.cli.options import input_paths

    out_dir = Path(args.out)
    if out_dir.exists() and not out_dir.is_dir():
        err.write(f"Error: --out {args.out} exists and is not a folder\n")
        return 2
    try:
        mesh, behaviour = load_inputs(args, input_paths(args), err, stdin)
    except CommandError as exc:
        if str(exc):
            err.write(str(exc) + "\n")
        return 2
    compiled = compile_all(mesh, behaviour, err)
    if not compiled:
        err.write("Warning: the input has no proxy (no Deployment, Pod or Gateway): nothing to build\n")
    tree = expected_tree(compiled)
    if args.check:
        return _report_check(out_dir, tree, args, out)
    try:
        written, removed = write_tree(out_dir, tree)
    except OSError as exc:
        err.write(f"Error: cannot write {getattr(exc, 'filename', '') or args.out}: {exc.strerror or exc}\n")
        return 2
    out.write(f"{len(compiled)} proxies, {len(tree)} files in {out_dir}: {written} written, {removed} removed, "
              f"{len(tree) - written} unchanged\n")
    return 1 if mesh.invalid else 0


def _report_check(out_dir: Path, tree: dict[str, bytes], args: argparse.Namespace, out: TextIO) -> int:
    problems = out_of_date(out_dir, tree)
    if not problems:
        out.write(f"{out_dir} is up to date ({len(tree)} files)\n")
        return 0
    for path, why in problems:
        out.write(f"{why}: {path}\n")
    out.write(f"{len(problems)} file{'s' if len(problems) != 1 else ''} out of date; run: "
              f"mesh-compile build {_rebuild_args(args)}\n")
    return 1


def _rebuild_args(args: argparse.Namespace) -> str:
    """The command line that brings DIR up to date: this one without --check."""
    parts = [f"-f {f}" for f in args.files] + (["--example"] if args.example else [])
    if args.namespace != "default":
        parts.append(f"-n {args.namespace}")
    if args.mesh_config:
        parts.append(f"--mesh-config {args.mesh_config}")
    if args.istio_version != "1.30":
        parts.append(f"--istio-version {args.istio_version}")
    return " ".join(parts + [f"--out {args.out}"])
