"""Every example in shared/reference/istio/istio-istio/tests/testdata/config and the bookinfo and httpbin
networking samples goes through the whole compiler (issue 6 evidence), for Istio 1.17 and 1.30, as:

- a sidecar assumed in each namespace the file's objects live in or name in an FQDN host, the file's own
  Deployments and a few of its companion's (COMPANION_PROXIES);
- the default ingress gateway (deploy/istio-ingressgateway.istio-system);
- a gateway proxy for every Gateway selector the file names.

Each compile finishes without an exception; every cluster, listener, route configuration and endpoint
assignment loads into Envoy's own message types (xds-protos) and prints back with the same keys in the
same order; validate_resources finds no error beyond the ones listed in ISTIOD_ALSO, which istiod
produces too. Objects rejected at load carry the reason test_model_reference_inputs.py records.

Each (file, version) is loaded and compiled once (a module cache); the tests are parametrized over the
(file, proxy, version) results.
"""
from __future__ import annotations

import functools
import glob
import os
import re
from dataclasses import dataclass, field
from typing import Any

import pytest

from helpers import SHARED, key_order
from test_model_reference_inputs import EXPECTED_REJECTIONS

ISTIO = SHARED / "reference" / "istio" / "istio-istio"
PATTERNS = ["tests/testdata/config/*.yaml", "samples/bookinfo/networking/*.yaml", "samples/httpbin/*.yaml"]
# Files compiled together with an input, for the Services (and Deployments) its objects route to.
COMPANIONS = {
    "samples/bookinfo/networking/": "samples/bookinfo/platform/kube/bookinfo.yaml",
    "samples/httpbin/httpbin-gateway.yaml": "samples/httpbin/httpbin.yaml",
}
# The companions' workloads compiled as sidecars (all of a file's own Deployments are): the bookinfo
# front end, and a reviews version, whose inbound side the reviews subsets select.
COMPANION_PROXIES = {"deploy/productpage-v1.default", "deploy/reviews-v2.default", "deploy/httpbin.default"}
VERSIONS = ("1.17", "1.30")
KINDS = (("cluster", "clusters"), ("listener", "listeners"), ("route", "routes"), ("endpoint", "endpoints"))
INGRESS = "deploy/istio-ingressgateway.istio-system"
# Gateway selectors that the default install's gateways carry: compiled as those gateways.
DEFAULT_GATEWAY_FOR = {("istio", "ingressgateway"): INGRESS,
                       ("istio", "egressgateway"): "deploy/istio-egressgateway.istio-system"}

# (file, proxy, version or "*", rendered error) -> why istiod gives the same config (Envoy's verdict
# included). Empty: every error found so far was a compiler bug and was fixed. Warnings are not checked:
# the ones these inputs give are IST0101 for routes to subsets no DestinationRule of the file defines
# (the bookinfo virtual-service-*.yaml samples apply after destination-rule-all.yaml); istiod builds the
# same dangling cluster names and Envoy answers 503 NC, which `istioctl analyze` reports as IST0101 too.
ISTIOD_ALSO: dict[tuple[str, str, str, str], str] = {}


def _files() -> list[str]:
    return sorted(os.path.relpath(f, ISTIO) for p in PATTERNS for f in glob.glob(str(ISTIO / p)))


def _paths(rel: str) -> list[str]:
    extra = [c for prefix, c in COMPANIONS.items() if rel.startswith(prefix)]
    return [str(ISTIO / rel)] + [str(ISTIO / c) for c in extra if c != rel]


@dataclass(frozen=True)
class Target:
    name: str                                    # deploy/NAME.NAMESPACE, as istioctl names a proxy
    labels: tuple[tuple[str, str], ...] = ()     # for a gateway named by its selector only
    router: bool = False

    def resolve(self, index: Any):
        from mesh_compile.index.proxy import resolve_proxy
        if self.router:
            return resolve_proxy(self.name, index, proxy_type="router", labels=dict(self.labels))
        return resolve_proxy(self.name, index)


def _targets(rel: str, objects: list[Any]) -> list[Target]:
    """The proxies one file is compiled for (see the module docstring)."""
    own = [o for o in objects if o.source.file == str(ISTIO / rel)]
    # the namespaces the objects live in, and those their FQDN hosts name (NAME.NAMESPACE.svc.cluster.local)
    named = set(re.findall(r"[a-z0-9-]+\.([a-z0-9-]+)\.svc\.cluster\.local", (ISTIO / rel).read_text()))
    namespaces = sorted({o.meta.namespace for o in own if o.meta.namespace} | named)
    out = [Target(f"deploy/sleep.{ns}") for ns in namespaces]
    for dep in (o for o in objects if o.kind == "Deployment"):
        name = f"deploy/{dep.meta.name}.{dep.meta.namespace}"
        if dep.source.file == str(ISTIO / rel) or name in COMPANION_PROXIES:
            out.append(Target(name))
    out.append(Target(INGRESS))
    for gw in (o for o in own if o.kind == "Gateway"):
        selector = tuple(sorted((gw.spec.selector or {}).items()))
        default = next((DEFAULT_GATEWAY_FOR[kv] for kv in selector if kv in DEFAULT_GATEWAY_FOR), None)
        if default:
            out.append(Target(default))
        elif selector:
            name = "-".join(v for _, v in selector)
            out.append(Target(f"deploy/{name}.{gw.meta.namespace}", selector, router=True))
    return list(dict.fromkeys(out))


@dataclass
class FileResult:
    mesh: Any                                               # pipeline.LoadedMesh
    configs: dict[Target, Any] = field(default_factory=dict)  # Target -> ProxyConfig, or the exception


@functools.lru_cache(maxsize=None)
def _load(rel: str, version: str):
    from mesh_compile.pipeline import load_mesh
    from mesh_compile.versions import behaviour_for, parse_version
    b = behaviour_for(parse_version(version))
    return load_mesh(_paths(rel), external_name_alias=b.external_name_alias,
                     roots_in_creation_order=b.vs_roots_in_creation_order), b


@functools.lru_cache(maxsize=None)
def _compiled(rel: str, version: str) -> FileResult:
    from mesh_compile.build.compile import compile_proxy
    mesh, b = _load(rel, version)
    result = FileResult(mesh)
    for target in _targets(rel, mesh.objects):
        try:
            result.configs[target] = compile_proxy(target.resolve(mesh.index), mesh.index, b)
        except Exception as exc:  # noqa: BLE001 - the test reports it
            result.configs[target] = exc
    return result


def _cases():
    if not ISTIO.is_dir():
        return [pytest.param(None, None, None, marks=pytest.mark.skip(
            reason=f"shared reference data not found at {ISTIO} (../shared is absent)"))]
    cases = []
    for rel in _files():
        mesh, _ = _load(rel, VERSIONS[-1])
        for target in _targets(rel, mesh.objects):
            for version in VERSIONS:
                cases.append(pytest.param(rel, target, version, id=f"{rel}:{target.name}:{version}"))
    return cases


CASES = _cases()


def _config(rel: str, target: Target, version: str):
    cfg = _compiled(rel, version).configs[target]
    if isinstance(cfg, Exception):
        pytest.fail(f"compile failed: {cfg!r}")
    return cfg


@pytest.mark.parametrize("rel,target,version", CASES)
def test_compiles_without_an_exception(rel, target, version):
    cfg = _compiled(rel, version).configs[target]
    assert not isinstance(cfg, Exception), repr(cfg)
    # a sidecar always has its virtual listeners and the passthrough/blackhole clusters; a gateway
    # without a Gateway for it has no listener at all, as in istiod
    assert cfg.clusters and (cfg.listeners or cfg.proxy.is_gateway)


@pytest.mark.parametrize("rel,target,version", CASES)
def test_every_resource_loads_into_the_envoy_types(rel, target, version):
    from mesh_compile_xds.canonical import canonical_json
    from mesh_compile_xds.messages import ResourceError, resource_name, to_message
    cfg = _config(rel, target, version)
    bad = []
    for kind, attr in KINDS:
        for resource in getattr(cfg, attr):
            name = resource_name(kind, resource)
            try:
                printed = canonical_json(to_message(kind, resource))
            except ResourceError as err:
                bad.append(f"{kind} {name}: {err}")
                continue
            if key_order(printed) != key_order(resource):
                bad.append(f"{kind} {name}: prints back differently (key order or default values)")
    assert bad == []


@pytest.mark.parametrize("rel,target,version", CASES)
def test_output_passes_the_envoy_rules_and_cross_references(rel, target, version):
    from mesh_compile_xds.validate import validate_resources
    cfg = _config(rel, target, version)
    problems = validate_resources(cfg.clusters, cfg.listeners, cfg.routes, cfg.endpoints)
    errors = [p.render() for p in problems if p.level == "Error"]
    unexplained = [e for e in errors if (rel, target.name, version, e) not in ISTIOD_ALSO
                   and (rel, target.name, "*", e) not in ISTIOD_ALSO]
    assert unexplained == []


def _file_params():
    if not ISTIO.is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"shared reference data not found at {ISTIO}"))]
    return _files()


@pytest.mark.parametrize("rel", _file_params())
def test_objects_rejected_at_load_carry_the_recorded_reason(rel):
    mesh, _ = _load(rel, VERSIONS[-1])
    assert not mesh.fatal, [p.render() for p in mesh.fatal]
    rejected = {(os.path.relpath(p.file or "", ISTIO), p.kind, f"{p.namespace}/{p.name}", p.field)
                for p in mesh.problems if p.level == "Error"}
    own = {key for key in EXPECTED_REJECTIONS if key[0] in {os.path.relpath(f, ISTIO) for f in _paths(rel)}}
    assert rejected == own


def test_the_brief_inputs_are_all_compiled():
    """Guards the glob: the three folders of the brief, with the kinds the compiler builds from."""
    if not ISTIO.is_dir():
        pytest.skip(f"shared reference data not found at {ISTIO} (../shared is absent)")
    files = _files()
    assert len([f for f in files if f.startswith("tests/testdata/config/")]) >= 30
    assert "samples/bookinfo/networking/bookinfo-gateway.yaml" in files
    assert "samples/httpbin/httpbin-gateway.yaml" in files
    proxies = {case.values[1].name for case in CASES}
    assert {INGRESS, "deploy/istio-egressgateway.istio-system", "deploy/productpage-v1.default"} <= proxies
