#!/usr/bin/env python3
"""Start a local HTTP server for every loopback endpoint a proxy's config names, until Ctrl-C.

Pods whose status.podIP is a loopback address (127.0.0.1, 127.0.0.11, ...) become Envoy endpoints
on this machine; this stands in for them, answering with JSON that names the pod, app and version.

    python tools/demo/workloads.py deploy/webapp.istioinaction -f mesh/
    python tools/demo/workloads.py deploy/webapp.istioinaction --demo-mesh
"""
from __future__ import annotations

import argparse
import sys
import threading
from importlib import resources


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("target", help="the proxy whose endpoints to stand in for, e.g. deploy/webapp.istioinaction")
    p.add_argument("-f", "--filename", dest="files", action="append", default=[], metavar="PATH")
    p.add_argument("--demo-mesh", action="store_true", help="use the bundled demo mesh (what `mesh-compile demo` runs)")
    p.add_argument("--istio-version", default="1.30")
    args = p.parse_args(argv)

    from mesh_compile.cli.serve import MeshCompiler
    from mesh_compile_xds.ads.store import CompileError
    from mesh_compile_xds.ads.workloads import Workloads, specs_from_endpoints

    paths = list(args.files)
    if args.demo_mesh:
        paths.append(str(resources.files("mesh_compile") / "examples" / "demo-mesh.yaml"))
    if not paths:
        p.error("give -f PATH or --demo-mesh")
    compiler = MeshCompiler(paths, istio_version=args.istio_version)
    try:
        loaded = compiler.load()
        compiled, _ = compiler.compile(loaded.mesh, args.target, None)
    except CompileError as err:
        print(f"Error: {err}", file=sys.stderr)
        return 2
    specs = specs_from_endpoints(compiled["endpoints"])
    if not specs:
        print("no endpoint of this proxy's config is on a loopback address; give pods status.podIP 127.0.0.x",
              file=sys.stderr)
        return 1
    try:
        group = Workloads.start_all(specs)
    except OSError as err:
        print(f"Error: {err}", file=sys.stderr)
        return 1
    for s in specs:
        print(f"{s.address}:{s.port}  {s.pod} ({s.app} {s.version})".rstrip())
    print("Ctrl-C stops them.")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        group.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
