"""mesh_compile_xds.messages: resource dicts <-> Envoy messages, reference dumps, config_dump."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from mesh_compile_xds.messages import (
    RESOURCE_TYPES, ResourceError, canonical_json, config_dump, load_resource, parse_as,
    register_all_types, to_message,
)
from test_xds_samples import (
    CLUSTER, assignment, eds_cluster, eds_cluster_117, http_listener, passthrough_cluster,
    route_config, subset_cluster,
)

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
ISTIOCTL = SHARED / "reference/istio/istio-istio/istioctl/pkg"


def ordered(value):
    """A form that compares equal only when values AND dict key order are equal, recursively."""
    if isinstance(value, dict):
        return [(k, ordered(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [ordered(v) for v in value]
    return (type(value).__name__, value)


def need_shared() -> None:
    if not ISTIOCTL.is_dir():
        pytest.skip(f"shared reference data not found at {ISTIOCTL} (../shared beside the repo)")


SAMPLES = [
    ("route", route_config), ("cluster", eds_cluster), ("cluster", eds_cluster_117),
    ("cluster", lambda: subset_cluster("v1")), ("cluster", passthrough_cluster),
    ("listener", http_listener), ("endpoint", assignment),
]


def test_resource_types_name_the_v3_type_urls():
    assert RESOURCE_TYPES == {
        "cluster": "type.googleapis.com/envoy.config.cluster.v3.Cluster",
        "listener": "type.googleapis.com/envoy.config.listener.v3.Listener",
        "route": "type.googleapis.com/envoy.config.route.v3.RouteConfiguration",
        "endpoint": "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment",
    }
    for kind, url in RESOURCE_TYPES.items():
        assert to_message(kind, {}).DESCRIPTOR.full_name == url.rsplit("/", 1)[1]


def test_register_all_types_is_idempotent():
    register_all_types()
    register_all_types()
    for kind in RESOURCE_TYPES:
        assert to_message(kind, {}) is not None


@pytest.mark.parametrize("kind,build", SAMPLES, ids=[f"{k}-{i}" for i, (k, _) in enumerate(SAMPLES)])
def test_round_trip_gives_back_the_same_dict_in_the_same_key_order(kind, build):
    resource = build()
    assert ordered(canonical_json(to_message(kind, resource))) == ordered(resource)


@pytest.mark.parametrize("kind,build", SAMPLES, ids=[f"{k}-{i}" for i, (k, _) in enumerate(SAMPLES)])
def test_to_message_leaves_the_input_untouched(kind, build):
    resource = build()
    before = ordered(copy.deepcopy(resource))
    to_message(kind, resource)
    assert ordered(resource) == before


def test_round_trip_puts_keys_in_declaration_order_whatever_the_input_order():
    route = route_config()
    scrambled = dict(reversed(list(route.items())))
    scrambled["virtualHosts"] = [dict(reversed(list(v.items()))) for v in route["virtualHosts"]]
    assert ordered(canonical_json(to_message("route", scrambled))) == ordered(route)


def test_error_names_the_resource_and_the_json_path_of_the_field():
    route = route_config()
    route["virtualHosts"][0]["routes"][1]["route"]["timeout"] = "ten seconds"
    with pytest.raises(ResourceError) as caught:
        to_message("route", route)
    err = caught.value
    assert (err.kind, err.name) == ("route", "9080")
    assert err.path == "virtualHosts[0].routes[1].route.timeout"
    assert "9080" in str(err) and "virtualHosts[0].routes[1].route.timeout" in str(err)


def test_error_for_an_unknown_field_points_at_that_field():
    cluster = eds_cluster()
    cluster["circuitBreakers"]["thresholds"][0]["maxConections"] = 1
    with pytest.raises(ResourceError) as caught:
        to_message("cluster", cluster)
    assert caught.value.name == CLUSTER
    assert caught.value.path == "circuitBreakers.thresholds[0].maxConections"


def test_error_inside_an_any_payload_has_the_full_path():
    cluster = eds_cluster()
    tls = cluster["transportSocketMatches"][0]["transportSocket"]["typedConfig"]
    tls["commonTlsContext"]["tlsParams"]["tlsMinimumProtocolVersion"] = "TLSv9"
    with pytest.raises(ResourceError) as caught:
        to_message("cluster", cluster)
    assert caught.value.path.startswith("transportSocketMatches[0].transportSocket.typedConfig.commonTlsContext")


def test_unknown_kind_and_non_object_input_are_resource_errors():
    with pytest.raises(ResourceError):
        to_message("secret", {})
    with pytest.raises(ResourceError):
        to_message("cluster", ["not", "an", "object"])


def test_istio_117_metadata_exchange_is_kept_opaque_and_reported():
    cluster = eds_cluster_117()
    parsed = load_resource("cluster", cluster)
    assert [(o.path, o.type_url) for o in parsed.opaque] == [
        ("filters[0].typedConfig", "type.googleapis.com/envoy.tcp.metadataexchange.config.MetadataExchange")]
    # The message keeps the original type URL, and printing gives the original JSON back.
    assert parsed.message.filters[0].typed_config.type_url.endswith("metadataexchange.config.MetadataExchange")
    assert ordered(canonical_json(parsed.message)) == ordered(cluster)


def test_known_types_are_not_reported_as_opaque():
    assert load_resource("cluster", eds_cluster()).opaque == []


# ---------------------------------------------------------------------------------------------
# Real dumps from the Istio repository

def reference_dumps() -> list[Path]:
    if not ISTIOCTL.is_dir():
        return []
    files = sorted((ISTIOCTL / "writer/envoy/configdump/testdata").glob("**/configdump.json"))
    return files + sorted((ISTIOCTL / "describe/testdata/describe").glob("*.json"))


@pytest.mark.parametrize("path", reference_dumps() or [None], ids=lambda p: str(p)[-60:] if p else "absent")
def test_reference_config_dumps_load_into_envoy_admin_config_dump(path):
    need_shared()
    dump = json.loads(path.read_text())
    message = parse_as("envoy.admin.v3.ConfigDump", dump)
    assert len(message.configs) == len(dump["configs"])
    # Printing and loading again is stable (snake_case in, camelCase out, same content).
    printed = canonical_json(message)
    assert canonical_json(parse_as("envoy.admin.v3.ConfigDump", printed)) == printed


def test_reference_dump_with_istio_117_filter_keeps_it():
    need_shared()
    dump = json.loads((ISTIOCTL / "describe/testdata/describe/http_config.json").read_text())
    printed = canonical_json(parse_as("envoy.admin.v3.ConfigDump", dump))
    clusters = [c for c in printed["configs"] if c["@type"].endswith("ClustersConfigDump")][0]
    mx = clusters["dynamicActiveClusters"][0]["cluster"]["filters"][0]["typedConfig"]
    assert mx == {"@type": "type.googleapis.com/envoy.tcp.metadataexchange.config.MetadataExchange",
                  "protocol": "istio-peer-exchange"}


def test_canonical_json_matches_istioctl_ecds_output_exactly():
    need_shared()
    folder = ISTIOCTL / "writer/envoy/configdump/testdata/ecds"
    printed = canonical_json(parse_as("envoy.admin.v3.ConfigDump", json.loads((folder / "configdump.json").read_text())))
    expected = json.loads((folder / "output.json").read_text())
    filters = [f for section in printed["configs"] for f in section["ecdsFilters"]]
    assert ordered(filters) == ordered(expected["ecdsFilters"])


def test_canonical_json_matches_istioctl_endpoint_output_exactly():
    need_shared()
    folder = ISTIOCTL / "writer/envoy/configdump/testdata/endpoint"
    printed = canonical_json(parse_as("envoy.admin.v3.ConfigDump", json.loads((folder / "configdump.json").read_text())))
    eds = printed["configs"][0]
    by_name = {e["endpointConfig"]["clusterName"]: e["endpointConfig"]
               for e in eds["staticEndpointConfigs"] + eds["dynamicEndpointConfigs"]}
    expected = json.loads((folder / "portfilter_output.json").read_text())
    got = [{k: v for k, v in by_name[e["clusterName"]].items() if k != "@type"} for e in expected]
    assert ordered(got) == ordered(expected)


# ---------------------------------------------------------------------------------------------
# config_dump

def test_config_dump_has_envoys_sections_in_envoys_order():
    dump = config_dump([eds_cluster()], [http_listener()], [route_config()], [assignment()], version_info="v7")
    kinds = [c["@type"].rsplit(".", 1)[1] for c in dump["configs"]]
    assert kinds == ["ClustersConfigDump", "EndpointsConfigDump", "ListenersConfigDump",
                     "ScopedRoutesConfigDump", "RoutesConfigDump", "SecretsConfigDump"]


def test_config_dump_entries_carry_version_resource_and_timestamp():
    dump = config_dump([eds_cluster()], [http_listener()], [route_config()], [assignment()],
                       version_info="2024-01-01T00:00:00Z/1", last_updated="2024-01-01T00:00:01.500Z")
    clusters, endpoints, listeners, _, routes, _ = dump["configs"]
    entry = clusters["dynamicActiveClusters"][0]
    assert list(entry) == ["versionInfo", "cluster", "lastUpdated"]
    assert entry["cluster"] == {"@type": RESOURCE_TYPES["cluster"], **eds_cluster()}
    assert entry["lastUpdated"] == "2024-01-01T00:00:01.500Z"
    assert listeners["dynamicListeners"][0]["name"] == "0.0.0.0_9080"
    assert listeners["dynamicListeners"][0]["activeState"]["listener"]["name"] == "0.0.0.0_9080"
    assert routes["dynamicRouteConfigs"][0]["routeConfig"]["name"] == "9080"
    assert endpoints["dynamicEndpointConfigs"][0]["endpointConfig"]["clusterName"] == CLUSTER
    assert canonical_json(parse_as("envoy.admin.v3.ConfigDump", dump)) == dump


def test_config_dump_without_timestamp_is_reproducible_and_keeps_opaque_types():
    args = ([eds_cluster_117()], [], [], [])
    first, second = config_dump(*args, version_info="1"), config_dump(*args, version_info="1")
    assert first == second
    cluster = first["configs"][0]["dynamicActiveClusters"][0]
    assert "lastUpdated" not in cluster
    assert cluster["cluster"]["filters"] == eds_cluster_117()["filters"]


def test_config_dump_with_bootstrap_and_static_resources():
    dump = config_dump([], [], [], [], version_info="1", bootstrap={"node": {"id": "sidecar~1"}},
                       static_clusters=[passthrough_cluster()])
    assert dump["configs"][0] == {"@type": "type.googleapis.com/envoy.admin.v3.BootstrapConfigDump",
                                  "bootstrap": {"node": {"id": "sidecar~1"}}}
    assert dump["configs"][1]["staticClusters"][0]["cluster"]["name"] == "PassthroughCluster"


def test_config_dump_reports_a_bad_resource_by_name():
    bad = eds_cluster()
    bad["connectTimeout"] = "soon"
    with pytest.raises(ResourceError) as caught:
        config_dump([bad], [], [], [], version_info="1")
    assert caught.value.name == CLUSTER and caught.value.path == "connectTimeout"
