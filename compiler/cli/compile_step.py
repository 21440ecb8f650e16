"""The common body of every compiling command: read the mesh, report problems, resolve the proxy, build."""
from __future__ import annotations

import argparse
import importlib
from dataclasses import dataclass
from functools import partial
from typing import Any, TextIO

from mesh_compile.cli import quick_exit
from mesh_compile.diagnostics import Problem


class CommandError(Exception):
    """Ends a command with a message and an exit status, never a traceback."""

    def __init__(self, message: str, code: int = 2):
        super().__init__(message)
        self.code = code


@dataclass
class Compiled:
    config: Any          # build.compile.ProxyConfig
    invalid: bool        # some object was left out
    objects: list = None  # the accepted Istio/Kubernetes objects (ConfigObject), for tracing findings back


def report(problems: list[Problem], err: TextIO) -> None:
    for p in problems:
        err.write(p.render() + "\n")


def load_inputs(args: argparse.Namespace, paths: list[str], err: TextIO,
                stdin: TextIO | None = None) -> tuple[Any, Any]:
    """(LoadedMesh, Behaviour) for `paths`; problems go to `err`. CommandError (exit 2) when the input
    cannot be read, (exit 1) when --strict and an object is invalid."""
    from mesh_compile.cli import prefetch
    prefetched = prefetch.start(paths)
    try:
        # the models and builders every caller goes on to use, imported while the child reads the input
        importlib.import_module("mesh_compile.build.compile")
        return _load_inputs(args, paths, err, stdin, prefetched)
    finally:
        if prefetched is not None:
            prefetched.close()


def _load_inputs(args: argparse.Namespace, paths: list[str], err: TextIO, stdin: TextIO | None,
                 prefetched: Any) -> tuple[Any, Any]:
    from mesh_compile.pipeline import load_mesh
    from mesh_compile.versions import VersionError, behaviour_for, parse_version

    try:
        behaviour = behaviour_for(parse_version(args.istio_version))
    except VersionError as exc:
        raise CommandError(f"Error: {exc}")
    if not paths:
        raise CommandError("Error: no input: give -f PATH (a file, a directory or - for stdin) or --example")
    from mesh_compile.cli import parallel_load
    from mesh_compile.load.fast_documents import fast_documents
    two = parallel_load.worth_forking()
    read = partial(fast_documents, map_documents=parallel_load.map_documents) if two else fast_documents
    mesh = load_mesh(paths, mesh_config=args.mesh_config, stdin=stdin, default_namespace=args.namespace,
                     external_name_alias=behaviour.external_name_alias,
                     roots_in_creation_order=behaviour.vs_roots_in_creation_order,
                     read_documents=prefetched.reader(read) if prefetched is not None else read,
                     check_objects=parallel_load.check_objects if two else None)
    quick_exit.keep(mesh)
    report(mesh.problems, err)
    if mesh.fatal:
        report(mesh.fatal, err)
        raise CommandError("", 2)
    if mesh.invalid and args.strict:
        raise CommandError("Error: invalid objects in the input (--strict): nothing printed", 1)
    return mesh, behaviour


def compile_target(args: argparse.Namespace, err: TextIO, stdin: TextIO | None = None) -> Compiled:
    from mesh_compile.cli.options import input_paths, parse_labels

    try:
        labels = parse_labels(args.labels)
    except ValueError as exc:
        raise CommandError(f"Error: {exc}")
    mesh, behaviour = load_inputs(args, input_paths(args), err, stdin)
    from mesh_compile.build.compile import compile_proxy
    from mesh_compile.index.proxy import TargetError, resolve_proxy
    try:
        proxy = resolve_proxy(args.target, mesh.index, proxy_type=args.proxy_type, labels=labels)
    except TargetError as exc:
        raise CommandError(f"Error: {exc}")
    for note in proxy.notices:
        err.write(f"Info: {note}\n")
    config = compile_proxy(proxy, mesh.index, behaviour)
    quick_exit.keep(config)
    return Compiled(config, mesh.invalid, mesh.objects)


def compile_or_report(args: argparse.Namespace, err: TextIO, stdin: TextIO | None = None) -> Compiled | int:
    """compile_target, with a CommandError turned into its message on stderr and its exit status."""
    try:
        return compile_target(args, err, stdin)
    except CommandError as exc:
        if str(exc):
            err.write(str(exc) + "\n")
        return exc.code
