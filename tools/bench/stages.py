"""Time each stage of one compile in-process: imports, load (read + model + index), build of each
kind, config_dump, and writing the istioctl JSON; optionally with cProfile's top functions.

  python -m tools.bench generate -n 1000 -o mesh.yaml
  python -m tools.bench.stages mesh.yaml deploy/svc-0-v1.tenant-0 [--istio-version 1.17] [--profile tottime]

The garbage collector is off, as in the `mesh-compile` one-shot commands (cli/main.py). Sampling
profilers (py-spy) were seen to inflate imports tenfold on a 2-core machine; this tool's wall clocks
are what a stage costs, cProfile's figures are relative.
"""
from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from typing import Any, Callable


def _timed(label: str, step: Callable[[], Any], out: list[str]) -> Any:
    start = time.perf_counter()
    value = step()
    out.append(f"{label:<12} {time.perf_counter() - start:7.3f} s")
    return value


def run_stages(mesh: str, target: str, version: str, out: list[str]) -> None:
    start = time.perf_counter()
    from mesh_compile.build.compile import compile_proxy
    from mesh_compile.emit.config_dump import config_dump
    from mesh_compile.emit.json_out import istioctl_json_chunks
    from mesh_compile.index.proxy import resolve_proxy
    from mesh_compile.pipeline import load_mesh
    from mesh_compile.versions import behaviour_for, parse_version
    out.append(f"{'imports':<12} {time.perf_counter() - start:7.3f} s")
    behaviour = behaviour_for(parse_version(version))
    loaded = _timed("load", lambda: load_mesh([mesh], external_name_alias=behaviour.external_name_alias,
                                              roots_in_creation_order=behaviour.vs_roots_in_creation_order), out)
    if loaded.fatal:
        raise SystemExit("\n".join(p.render() for p in loaded.fatal))
    proxy = resolve_proxy(target, loaded.index)
    config = compile_proxy(proxy, loaded.index, behaviour)
    for kind in ("clusters", "endpoints", "listeners", "routes"):
        _timed(f"  {kind}", lambda: getattr(config, kind), out)
    dump = _timed("config_dump", lambda: config_dump(config), out)
    with open(os.devnull, "wb") as sink:
        _timed("write", lambda: [sink.write(piece) for piece in istioctl_json_chunks(dump)], out)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tools.bench.stages", description=__doc__.split("\n\n")[0])
    p.add_argument("mesh")
    p.add_argument("target")
    p.add_argument("--istio-version", default="1.30")
    p.add_argument("--profile", choices=["tottime", "cumulative"], help="also print cProfile's top 30 functions")
    args = p.parse_args(argv)
    lines: list[str] = []
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        if args.profile:
            import cProfile
            import pstats
            profiler = cProfile.Profile()
            profiler.runcall(run_stages, args.mesh, args.target, args.istio_version, lines)
            pstats.Stats(profiler, stream=sys.stdout).sort_stats(args.profile).print_stats(30)
        else:
            run_stages(args.mesh, args.target, args.istio_version, lines)
    finally:
        if was_enabled:
            gc.enable()
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
