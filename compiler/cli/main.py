"""The `mesh-compile` command line. Heavy modules (pydantic, protobuf, grpc) are imported inside the
commands that need them, so `mesh-compile --help` answers at once."""
from __future__ import annotations

import argparse
import sys
from typing import Sequence, TextIO

from mesh_compile.cli import proxy_config

EPILOG = """examples:
  mesh-compile pc routes deploy/webapp.istioinaction --example
  mesh-compile pc routes deploy/istio-ingressgateway.istio-system -f mesh/ --name http.8080 -o json
  mesh-compile pc cluster deploy/webapp.istioinaction -f mesh/ --fqdn catalog.istioinaction.svc.cluster.local
  mesh-compile schema VirtualService
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mesh-compile",
        description="Compile Istio networking config into the Envoy config istiod would push to one proxy, offline.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    proxy_config.add_parser(sub)
    schema = sub.add_parser("schema", help="print the JSON Schema of the objects mesh-compile accepts")
    schema.add_argument("kind", nargs="?", help="one kind, e.g. VirtualService (default: all)")
    return parser


class _Exit(Exception):
    def __init__(self, code: int):
        self.code = code


def _run_schema(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from mesh_compile.emit.json_out import istioctl_json
    from mesh_compile.model.schema import json_schema
    try:
        schema = json_schema(args.kind)
    except (KeyError, ValueError) as exc:
        err.write(f"Error: {exc}\n")
        return 2
    out.write(istioctl_json(schema))
    return 0


def main(argv: Sequence[str] | None = None, *, stdin: TextIO | None = None, out: TextIO | None = None,
         err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    parser = build_parser()
    try:
        args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    except SystemExit as exc:   # argparse prints its own message
        return int(exc.code or 0)
    if args.command is None:
        parser.print_help(out)
        return 0
    try:
        if args.command in ("proxy-config", "pc"):
            return proxy_config.run(args, stdin=stdin, out=out, err=err)
        if args.command == "schema":
            return _run_schema(args, out, err)
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        return 130
    parser.print_help(err)
    return 2


def run(argv: Sequence[str], stdin: TextIO | None = None) -> tuple[int, str, str]:
    """In-process entry point for tests: (exit status, stdout, stderr)."""
    import io
    out, err = io.StringIO(), io.StringIO()
    old_out, old_err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err   # argparse writes --help and usage errors to sys.stdout/err
    try:
        code = main(argv, stdin=stdin, out=out, err=err)
    finally:
        sys.stdout, sys.stderr = old_out, old_err
    return code, out.getvalue(), err.getvalue()


if __name__ == "__main__":
    raise SystemExit(main())
