"""The floor: what any Python tool with this input and this output must at least spend.

  floor = time to read the input YAML with PyYAML's libyaml loader (yaml.load_all, CSafeLoader)
        + time to write the compiled output with orjson.

Both are measured in a child process of the benchmark (see below) on the same machine and in the same
run as the compile, so the ratio ours/floor stays comparable across machines. The libyaml loader stays the yardstick even
if the compiler moves to a faster parser (issue 5)."""
from __future__ import annotations

import time
from pathlib import Path

import orjson
import yaml

try:
    from yaml import CSafeLoader as Loader
except ImportError as exc:  # pragma: no cover - the floor is defined by libyaml
    raise SystemExit("the benchmark floor needs PyYAML built with libyaml (yaml.CSafeLoader)") from exc


def yaml_load_seconds(path: Path) -> tuple[float, int]:
    """(seconds to read and parse every document, number of documents)."""
    start = time.perf_counter()
    with open(path, "rb") as f:
        docs = [d for d in yaml.load_all(f, Loader=Loader) if d is not None]
    return time.perf_counter() - start, len(docs)


def json_write_seconds(output: Path, scratch: Path) -> float:
    """Seconds to serialise the compiled output (read back untimed) with orjson and write it to a file.
    orjson indents by 2, istioctl's JSON by 4; the bytes differ a little, the work does not."""
    value = orjson.loads(output.read_bytes())
    start = time.perf_counter()
    with open(scratch, "wb") as f:
        f.write(orjson.dumps(value, option=orjson.OPT_INDENT_2))
    elapsed = time.perf_counter() - start
    scratch.unlink()
    return elapsed


def best(samples: list[float]) -> float:
    return min(samples)


# The measurements run in a child process of their own. Loading 50,000 YAML documents or an 800 MB output
# grows a process by gigabytes that Python does not hand back, and every later mesh-compile child the
# benchmark forks would inherit that RSS in its peak (Linux keeps ru_maxrss across exec): the N=10000
# gateway showed 3 GB instead of its own 1.1 GB.

def yaml_load_seconds_isolated(path: Path) -> tuple[float, int]:
    out = _child("yaml", str(path)).split()
    return float(out[0]), int(out[1])


def json_write_seconds_isolated(output: Path, scratch: Path) -> float:
    return float(_child("write", str(output), str(scratch)))


def _child(*args: str) -> str:
    import subprocess
    import sys
    done = subprocess.run([sys.executable, "-m", "tools.bench.floor", *args], capture_output=True, text=True,
                          check=True, cwd=Path(__file__).resolve().parents[2])
    return done.stdout.strip()


def main(argv: list[str]) -> None:
    if argv[0] == "yaml":
        seconds, docs = yaml_load_seconds(Path(argv[1]))
        print(seconds, docs)
    else:
        print(json_write_seconds(Path(argv[1]), Path(argv[2])))


if __name__ == "__main__":
    import sys
    main(sys.argv[1:])
