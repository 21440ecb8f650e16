"""The benchmark run: for each mesh size, generate the mesh, compile it for one sidecar and for the
ingress gateway with `mesh-compile` in a child process (YAML in, config_dump out, as a user runs it),
and compare with the floor measured in a child process (see floor.py)."""
from __future__ import annotations

import os
import platform
import re
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Sequence

from tools.bench import ads_push, floor
from tools.bench.generate import GATEWAY_TARGET, SIDECAR_TARGET, write_mesh_file
from tools.bench.measure import ChildRun, best_of, mesh_compile_command, run_child

MB = 1024 * 1024
PROXIES = (("sidecar", SIDECAR_TARGET), ("gateway", GATEWAY_TARGET))


@dataclass
class Options:
    sizes: list[int]
    repeat: int = 1
    seed: int = 1
    istio_version: str = "1.30"
    timeout: float = 600.0
    push_max: int = 1000          # time the ADS push for meshes up to this size
    diff_max: int = 1000          # time `diff` for meshes up to this size (it compiles once more)
    push_interval: float = 0.1    # serve --watch poll interval
    keep: Path | None = None      # keep the meshes and outputs here instead of a temporary folder
    command: list[str] = field(default_factory=mesh_compile_command)


@dataclass
class Row:
    n: int
    objects: int
    input_mb: float
    proxy: str
    target: str
    wall_s: float
    peak_mb: float
    output_mb: float
    yaml_s: float
    write_s: float
    floor_s: float
    ratio: float
    diff_s: float | None
    exit: int
    error: str = ""


@dataclass
class Result:
    machine: dict[str, Any]
    options: dict[str, Any]
    commands: list[str]
    help_s: float
    rows: list[Row] = field(default_factory=list)
    pushes: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        from tools.bench.targets import checks
        out = asdict(self)
        out["targets"] = [{**asdict(c), "ok": c.ok} for c in checks(self)]
        return out


def cli_commands(cmd: Sequence[str]) -> list[str]:
    """The subcommands this build's `mesh-compile --help` lists."""
    done = subprocess.run([*cmd, "--help"], capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    return parse_commands(done.stdout)


def parse_commands(help_text: str) -> list[str]:
    """argparse lists subcommands indented under `positional arguments:` as `    name (alias, ...)  help`."""
    names: list[str] = []
    section = ""
    for line in help_text.splitlines():
        if line and not line.startswith(" "):
            section = line
        m = re.match(r"^    ([a-z][\w-]*)(?: \(([\w, -]+)\))?(?:\s|$)", line)
        if m and section.startswith("positional arguments"):
            names.append(m.group(1))
            names.extend(a.strip() for a in (m.group(2) or "").split(",") if a.strip())
    return names


def time_help(cmd: Sequence[str], repeat: int) -> float:
    return best_of([run_child([*cmd, "--help"], timeout=60) for _ in range(max(repeat, 3))]).wall_s


def machine() -> dict[str, Any]:
    return {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
            "processor": platform.processor() or platform.machine()}


def compile_once(opts: Options, mesh: Path, target: str, output: Path) -> ChildRun:
    argv = [*opts.command, "pc", "all", target, "-f", str(mesh), "-o", "json", "--istio-version", opts.istio_version]
    return run_child(argv, stdout=output, timeout=opts.timeout)


def time_diff(opts: Options, mesh: Path, target: str, against: Path) -> tuple[float | None, str]:
    """`mesh-compile diff` of the proxy against its own output: (seconds, note when it did not say 'equal')."""
    run = run_child([*opts.command, "diff", target, "-f", str(mesh), "--against", str(against)], timeout=opts.timeout)
    if run.returncode == 0:
        return run.wall_s, ""
    return run.wall_s, f"diff {target} against its own output exited {run.returncode}: {run.stderr_tail[-300:].strip()}"


def bench_proxy(opts: Options, mesh: Path, n: int, objects: int, yaml_s: float, proxy: str, target: str,
                work: Path, has_diff: bool) -> tuple[Row, list[str]]:
    output = work / f"out-{n}-{proxy}.json"
    run = best_of([compile_once(opts, mesh, target, output) for _ in range(opts.repeat)])
    notes: list[str] = []
    if not run.ok:
        reason = "timed out" if run.timed_out else f"exited {run.returncode}"
        return Row(n, objects, mesh.stat().st_size / MB, proxy, target, run.wall_s, run.peak_rss_mb, 0.0, yaml_s,
                   0.0, yaml_s, run.wall_s / yaml_s, None, run.returncode, f"{reason}: {run.stderr_tail[-500:].strip()}"), notes
    write_s = floor.best([floor.json_write_seconds_isolated(output, work / "floor-out.json")
                          for _ in range(opts.repeat)])
    diff_s = None
    if has_diff:
        diff_s, note = time_diff(opts, mesh, target, output)
        notes += [note] if note else []
    floor_s = yaml_s + write_s
    row = Row(n, objects, mesh.stat().st_size / MB, proxy, target, run.wall_s, run.peak_rss_mb,
              output.stat().st_size / MB, yaml_s, write_s, floor_s, run.wall_s / floor_s, diff_s, run.returncode)
    return row, notes


def bench_size(opts: Options, n: int, work: Path, result: Result) -> None:
    mesh = work / f"mesh-{n}.yaml"
    info = write_mesh_file(mesh, n, opts.seed)
    yaml_samples = [floor.yaml_load_seconds_isolated(mesh) for _ in range(opts.repeat)]
    yaml_s = floor.best([s for s, _ in yaml_samples])
    has_diff = "diff" in result.commands and n <= opts.diff_max
    for proxy, target in PROXIES:
        row, notes = bench_proxy(opts, mesh, n, info.objects, yaml_s, proxy, target, work, has_diff)
        result.rows.append(row)
        result.notes += notes
    if n <= opts.push_max and {"serve", "bootstrap"} <= set(result.commands):
        result.pushes.append(bench_push(opts, mesh, n, work))


def bench_push(opts: Options, mesh: Path, n: int, work: Path) -> dict[str, Any]:
    vs = "svc-1" if n > 1 else "svc-0"
    entry: dict[str, Any] = {"n": n, "target": SIDECAR_TARGET, "edited": f"VirtualService {vs}"}
    push_dir = work / f"push-{n}"
    push_dir.mkdir(exist_ok=True)
    try:
        entry.update(ads_push.time_push(opts.command, mesh, SIDECAR_TARGET, vs, push_dir, timeout=opts.timeout,
                                        interval=opts.push_interval))
    except (ads_push.PushError, OSError, subprocess.SubprocessError, ValueError) as exc:
        entry["error"] = str(exc)
    return entry


def compile_bytecode() -> str:
    """Compile the installed packages' .pyc files, as `pip install` does for a regular install. An
    editable install run with PYTHONDONTWRITEBYTECODE=1 (set on some CI machines) never writes them, and
    every run would then compile ~100 modules from source: about 0.1 s that no user's install pays."""
    import compileall
    import importlib.util

    done = []
    for package in ("mesh_compile", "mesh_compile_xds"):
        spec = importlib.util.find_spec(package)
        for folder in (spec.submodule_search_locations or []) if spec else []:
            if compileall.compile_dir(folder, quiet=1):
                done.append(folder)
    return f"bytecode compiled in {', '.join(done)}" if done else "bytecode: packages not found"


def run(opts: Options) -> Result:
    bytecode = compile_bytecode()
    commands = cli_commands(opts.command)
    result = Result(machine(), {"sizes": opts.sizes, "repeat": opts.repeat, "seed": opts.seed,
                                "istio_version": opts.istio_version, "command": opts.command,
                                "diff_max": opts.diff_max, "push_max": opts.push_max,
                                "push_interval": opts.push_interval},
                    commands, time_help(opts.command, opts.repeat))
    result.notes.append(bytecode)
    if "diff" not in commands:
        result.notes.append("`mesh-compile diff` is not in this build's --help: diff not timed")
    big = [n for n in opts.sizes if n > opts.diff_max]
    if big and "diff" in commands:
        result.notes.append(f"diff not timed for N={big} (above --diff-max {opts.diff_max})")
    if not {"serve", "bootstrap"} <= set(commands):
        result.notes.append("`mesh-compile serve`/`bootstrap` are not in this build's --help: ADS push not timed")
    if opts.keep:
        opts.keep.mkdir(parents=True, exist_ok=True)
        _run_sizes(opts, opts.keep, result)
    else:
        with tempfile.TemporaryDirectory(prefix="mesh-bench-") as tmp:
            _run_sizes(opts, Path(tmp), result)
    return result


def _run_sizes(opts: Options, work: Path, result: Result) -> None:
    for n in opts.sizes:
        started = time.perf_counter()
        bench_size(opts, n, work, result)
        result.notes.append(f"N={n}: benchmark step took {time.perf_counter() - started:.1f} s in all")
