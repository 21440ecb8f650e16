"""Checking compiled xDS the way Envoy would: schema, cross-references, Envoy's own rules.

`validate_resources` is pure Python and fast; `envoy_validate` runs the real Envoy binary.
"""
from __future__ import annotations

from typing import Any as AnyValue, Iterable, Optional

from mesh_compile.diagnostics import ERROR, INFO, Problem

from . import codes, crossref, envoy_rules, pgv
from .bootstrap import Note, Resources, build_bootstrap, from_config_dump, normalise, summarise
from .canonical import canonical_json
from .envoy_run import run_validate
from .messages import RESOURCE_TYPES, ResourceError, load_resource, resource_name

# The Istio proxy extensions istiod itself puts in every default install's config (telemetry, ALPN,
# metadata exchange, authn; compiler/build/http_filters.py): expected, so not reported. Any other type
# that Envoy does not know is reported once per resource and field (MC0102).
ISTIO_PROXY_TYPES = frozenset("type.googleapis.com/" + name for name in (
    "stats.PluginConfig", "istio.envoy.config.filter.http.alpn.v2alpha1.FilterConfig",
    "envoy.tcp.metadataexchange.config.MetadataExchange", "io.istio.network.authn.Config",
    "io.istio.http.peer_metadata.Config"))
_KIND_LABEL = {"cluster": "Cluster", "listener": "Listener", "route": "RouteConfiguration",
               "endpoint": "ClusterLoadAssignment"}


def validate_resources(clusters: Iterable[dict], listeners: Iterable[dict], routes: Iterable[dict],
                       endpoints: Iterable[dict]) -> list[Problem]:
    """Every problem Envoy would have with these resources, plus dangling references."""
    problems: list[Problem] = []
    loaded: dict[str, list[tuple[dict, AnyValue]]] = {}
    for kind, resources in (("cluster", clusters), ("listener", listeners), ("route", routes),
                            ("endpoint", endpoints)):
        loaded[kind] = _load_all(kind, list(resources), problems)
    for kind, items in loaded.items():
        label = _KIND_LABEL[kind]
        problems += envoy_rules.duplicate_names(label, [resource_name(kind, r) for r, _ in items])
        for resource, msg in items:
            name = resource_name(kind, resource)
            for p in pgv.check(msg) + envoy_rules.check(msg):
                problems.append(_locate(p, label, name))
    problems += crossref.check([r for r, _ in loaded["cluster"]], [r for r, _ in loaded["listener"]],
                               [r for r, _ in loaded["route"]], [r for r, _ in loaded["endpoint"]])
    return problems


def _load_all(kind: str, resources: list[AnyValue], problems: list[Problem]) -> list[tuple[dict, AnyValue]]:
    """The resources that load, as (canonical dict, message); a Problem for each that does not."""
    label = _KIND_LABEL[kind]
    out = []
    for index, resource in enumerate(resources):
        name = resource_name(kind, resource)
        try:
            parsed = load_resource(kind, resource)
        except ResourceError as err:
            problems.append(Problem(ERROR, f"does not load as {RESOURCE_TYPES[kind]}: {err.reason}",
                                    kind=label, name=name if name is not None else f"#{index}",
                                    field=err.path, code=codes.SCHEMA))
            continue
        for found in parsed.opaque:
            if found.type_url in ISTIO_PROXY_TYPES:
                continue
            problems.append(Problem(
                INFO, f"{found.type_url} is not an Envoy type (an Istio proxy extension); kept as-is",
                kind=label, name=name, field=found.path, code=codes.OPAQUE_ANY))
        out.append((canonical_json(parsed.message), parsed.message))
    return out


def _locate(problem: Problem, kind: str, name: Optional[str]) -> Problem:
    return Problem(problem.level, problem.message, kind=kind, name=name, field=problem.field,
                   code=problem.code)


def envoy_validate(config_dump_or_resources: AnyValue, *, timeout: float = 60) -> tuple[bool, str]:
    """Run `envoy --mode validate` on the resources, inlined into one static bootstrap.

    Accepts an envoy.admin.v3.ConfigDump JSON, a dict with "clusters"/"listeners"/"routes"/
    "endpoints" lists, or a (clusters, listeners, routes, endpoints) tuple. Returns (ok, message):
    Envoy's verdict first, then every change made to make the config loadable offline.
    """
    try:
        resources = _as_resources(config_dump_or_resources)
    except ResourceError as err:
        return False, f"not loaded into Envoy: {err}"
    except (TypeError, ValueError) as err:
        return False, f"not loaded into Envoy: {err}"
    notes: list[Note] = []
    bootstrap = build_bootstrap(resources, notes)
    ok, message = run_validate(bootstrap, timeout=timeout)
    if notes:
        message += "\nmesh-compile changed the config before validating it:\n" + "\n".join(
            f"  - {line}" for line in summarise(notes))
    return ok, message


def _as_resources(value: AnyValue) -> Resources:
    if isinstance(value, dict) and "configs" in value:
        return from_config_dump(value)
    if isinstance(value, dict):
        parts = [value.get(k, []) for k in ("clusters", "listeners", "routes", "endpoints")]
    elif isinstance(value, (list, tuple)) and len(value) == 4:
        parts = list(value)
    else:
        raise TypeError("expected a ConfigDump, a dict of resource lists, or a 4-tuple of lists")
    return Resources(*(normalise(kind, items) for kind, items in
                       zip(("cluster", "listener", "route", "endpoint"), parts)))
