"""Small helpers shared by the tests: compile YAML text for a proxy without touching the filesystem."""
from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def compile_yaml(text: str, target: str, version: str = "1.30", mesh: dict | None = None, **proxy_kw):
    from mesh_compile.build.compile import compile_proxy
    from mesh_compile.index.mesh_config import settings_from
    from mesh_compile.index.mesh_index import MeshIndex
    from mesh_compile.index.proxy import resolve_proxy
    from mesh_compile.load.loader import load_text
    from mesh_compile.model.objects import parse_object
    from mesh_compile.versions import behaviour_for, parse_version

    loaded = load_text(text, "test.yaml")
    assert not loaded.fatal, loaded.fatal
    objects = []
    for raw in loaded.objects:
        obj, problems = parse_object(raw)
        assert obj is not None or all(p.level != "Error" for p in problems), [p.render() for p in problems]
        if obj is not None:
            objects.append(obj)
    b = behaviour_for(parse_version(version))
    index = MeshIndex(objects, settings_from(mesh), external_name_alias=b.external_name_alias,
                      roots_in_creation_order=b.vs_roots_in_creation_order)
    proxy = resolve_proxy(target, index, **proxy_kw)
    return compile_proxy(proxy, index, b)


def route_config(cfg, name: str) -> dict:
    for rc in cfg.routes:
        if rc["name"] == name:
            return rc
    raise AssertionError(f"no route config {name}: {[r['name'] for r in cfg.routes]}")


def vhost(rc: dict, name: str) -> dict:
    for vh in rc["virtualHosts"]:
        if vh["name"] == name:
            return vh
    raise AssertionError(f"no vhost {name}: {[v['name'] for v in rc['virtualHosts']]}")


def cluster(cfg, name: str) -> dict:
    for c in cfg.clusters:
        if c["name"] == name:
            return c
    raise AssertionError(f"no cluster {name}")


def key_order(value):
    """The value with every dict turned into its list of (key, value) pairs, so order is compared too."""
    if isinstance(value, dict):
        return [(k, key_order(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [key_order(v) for v in value]
    return value


def ads_cluster(name: str, timeout: str = "1s") -> dict:
    """A minimal EDS cluster for the ADS stream tests."""
    return {"name": name, "type": "EDS", "edsClusterConfig": {"edsConfig": {"ads": {}}}, "connectTimeout": timeout}


def ads_assignment(name: str, port: int = 8080) -> dict:
    """Its ClusterLoadAssignment: one endpoint on loopback."""
    return {"clusterName": name, "endpoints": [{"lbEndpoints": [{"endpoint": {"address": {
        "socketAddress": {"address": "127.0.0.1", "portValue": port}}}}]}]}
