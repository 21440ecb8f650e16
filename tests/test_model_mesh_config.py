"""MeshConfig from the `istio` ConfigMap's `mesh` text."""
from mesh_compile.diagnostics import ERROR
from mesh_compile.load.source import Source
from mesh_compile.model.mesh_config import MeshConfig, parse_mesh_config


def test_defaults_match_istiod():
    mesh, problems = parse_mesh_config("")
    assert problems == []
    assert mesh.outboundTrafficPolicy.mode == "ALLOW_ANY" and mesh.enableAutoMtls is True
    assert mesh.rootNamespace == "istio-system" and mesh.trustDomain == "cluster.local"
    assert mesh.connectTimeout == "10s" and mesh.dnsRefreshRate == "60s"
    assert mesh.defaultServiceExportTo == ["*"] and mesh.localityLbSetting.enabled is True
    assert mesh.defaultHttpRetryPolicy is None and mesh.h2UpgradePolicy is None


def test_fields_we_use_are_read_and_others_ignored():
    text = """
accessLogFile: /dev/stdout
enableAutoMtls: false
outboundTrafficPolicy: {mode: REGISTRY_ONLY}
defaultHttpRetryPolicy: {attempts: 5, retryOn: "5xx"}
connectTimeout: 2.5s
h2UpgradePolicy: UPGRADE
defaultConfig: {discoveryAddress: "istiod:15012", holdApplicationUntilProxyStarts: true}
extensionProviders: [{name: x, envoyOtelAls: {service: a, port: 1}}]
"""
    mesh, problems = parse_mesh_config(text)
    assert problems == []
    assert mesh.enableAutoMtls is False and mesh.outboundTrafficPolicy.mode == "REGISTRY_ONLY"
    assert mesh.defaultHttpRetryPolicy.attempts == 5 and mesh.connectTimeout == "2.5s"
    assert mesh.defaultConfig["discoveryAddress"] == "istiod:15012"


def test_empty_outbound_policy_is_the_proto_zero_value():
    mesh, _ = parse_mesh_config({"outboundTrafficPolicy": {}})
    assert mesh.outboundTrafficPolicy.mode == "REGISTRY_ONLY"


def test_bad_values_are_problems_and_defaults_are_kept():
    mesh, problems = parse_mesh_config("connectTimeout: 5 sec\noutboundTrafficPolicy: {mode: OPEN}\n",
                                       Source("cm.yaml", 12))
    assert mesh == MeshConfig()
    assert [(p.level, p.field, p.file, p.line) for p in problems] == [
        (ERROR, "mesh.outboundTrafficPolicy.mode", "cm.yaml", 12), (ERROR, "mesh.connectTimeout", "cm.yaml", 12)]


def test_non_mapping_and_bad_yaml():
    assert parse_mesh_config("- a\n- b\n")[1][0].message == "mesh config must be a YAML mapping"
    assert "not valid YAML" in parse_mesh_config("a: [\n")[1][0].message


def test_mesh_config_from_the_istio_configmap():
    from mesh_compile.load import load_text
    from mesh_compile.model.mesh_config import mesh_config_from_objects
    from mesh_compile.model.objects import parse_object

    text = """
apiVersion: v1
kind: ConfigMap
metadata: {name: istio, namespace: istio-system}
data:
  mesh: |-
    outboundTrafficPolicy:
      mode: REGISTRY_ONLY
---
apiVersion: v1
kind: ConfigMap
metadata: {name: istio, namespace: other}
data: {mesh: "enableAutoMtls: false"}
"""
    objects = [parse_object(raw)[0] for raw in load_text(text, "cm.yaml").objects]
    mesh, problems = mesh_config_from_objects(objects)
    assert problems == [] and mesh.outboundTrafficPolicy.mode == "REGISTRY_ONLY" and mesh.enableAutoMtls
    assert mesh_config_from_objects(objects[1:]) == (MeshConfig(), [])
