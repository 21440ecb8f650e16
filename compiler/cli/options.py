"""Options shared by every command that compiles: input, proxy identity, Istio version, strictness."""
from __future__ import annotations

import argparse
from importlib import resources

EXAMPLE = "catalog-mesh.yaml"


def add_input_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("input")
    g.add_argument("-f", "--filename", dest="files", action="append", default=[], metavar="PATH",
                   help="YAML/JSON file, directory (recursive) or - for stdin; repeatable")
    g.add_argument("--example", action="store_true", help="use the bundled example mesh (catalog/webapp, seed 004)")
    g.add_argument("-n", "--namespace", default="default", help="namespace of objects that name none (default: default)")
    g.add_argument("--mesh-config", metavar="FILE", help="MeshConfig YAML (or the istio ConfigMap holding it)")
    g.add_argument("--istio-version", default="1.30", metavar="X.Y", help="Istio release whose output to produce (1.17-1.30; default 1.30)")
    g.add_argument("--strict", action="store_true", help="print nothing and exit 1 if any object is invalid")


def add_proxy_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("target", metavar="TARGET", help="deploy/NAME.NAMESPACE or POD.NAMESPACE, as istioctl names proxies")
    g = p.add_argument_group("proxy")
    g.add_argument("--labels", metavar="K=V,...", help="labels of the proxy's workload (overrides the input)")
    g.add_argument("--type", dest="proxy_type", choices=["sidecar", "router"], help="proxy type (default: detected)")


def input_paths(args: argparse.Namespace) -> list[str]:
    paths = list(args.files)
    if args.example:
        paths.append(str(resources.files("mesh_compile") / "examples" / EXAMPLE))
    return paths


def parse_labels(text: str | None) -> dict[str, str]:
    if not text:
        return {}
    out = {}
    for part in text.split(","):
        key, sep, value = part.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--labels expects k=v,k2=v2; got {part!r}")
        out[key.strip()] = value.strip()
    return out
