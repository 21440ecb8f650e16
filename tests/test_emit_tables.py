"""istioctl-shaped tables: byte parity with istioctl's own test data, plus the rules of facts 8/13."""
from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path

import pytest

from mesh_compile.emit import tables as T

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
ISTIOCTL = SHARED / "reference/istio/istio-istio/istioctl/pkg"
CONFIGDUMP_DATA = ISTIOCTL / "writer/envoy/configdump/testdata"
PROXYCONFIG_DATA = ISTIOCTL / "proxyconfig/testdata"
V117, V130 = (1, 17), (1, 30)


def need_shared() -> None:
    if not ISTIOCTL.is_dir():
        pytest.skip(f"reference data not found at {ISTIOCTL} (../shared beside the repo)")


# ---------------------------------------------------------------------------------------------
# Envoy /config_dump (snake_case proto field names) -> istioctl's camelCase dicts.
# Only proto field names are converted: map keys (filter names, metadata keys), Struct contents
# (metadata values, TypedStruct.value, the bootstrap node metadata) and "@type" stay as they are.
# ---------------------------------------------------------------------------------------------
_STRUCT_MAPS = {"filter_metadata"}                     # map<string, Struct>
_ANY_MAPS = {"typed_filter_metadata", "typed_per_filter_config", "typed_extension_protocol_options"}


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def to_camel(value, parent_key: str = ""):
    if isinstance(value, list):
        return [to_camel(v, parent_key) for v in value]
    if not isinstance(value, dict):
        return value
    if str(value.get("@type", "")).endswith("TypedStruct"):
        return {"@type": value["@type"], "typeUrl": value.get("type_url", ""), "value": value.get("value", {})}
    out = {}
    for key, item in value.items():
        if key == "@type":
            out[key] = item
        elif key in _STRUCT_MAPS or (key == "metadata" and parent_key == "node"):
            out[camel(key)] = item
        elif key in _ANY_MAPS:
            out[camel(key)] = {k: to_camel(v) for k, v in item.items()}
        else:
            out[camel(key)] = to_camel(item, key)
    return out


def _without_type(resource: dict) -> dict:
    return {k: v for k, v in resource.items() if k != "@type"}


def load_dump(path: Path) -> dict[str, dict]:
    """The config dump's sections by short type name (ClustersConfigDump, ...), camelCased."""
    data = json.loads(path.read_text())
    return {c["@type"].rsplit(".", 1)[-1]: to_camel(c) for c in data["configs"]}


def dump_clusters(dump: dict) -> list[dict]:
    section = dump.get("ClustersConfigDump", {})
    return [_without_type(c["cluster"]) for key in ("dynamicActiveClusters", "staticClusters")
            for c in section.get(key, []) if "cluster" in c]


def dump_routes(dump: dict) -> list[dict]:
    section = dump.get("RoutesConfigDump", {})
    return [_without_type(r["routeConfig"]) for key in ("dynamicRouteConfigs", "staticRouteConfigs")
            for r in section.get(key, []) if "routeConfig" in r]


def dump_listeners(dump: dict) -> list[dict]:
    section = dump.get("ListenersConfigDump", {})
    dynamic = [_without_type(entry["activeState"]["listener"]) for entry in section.get("dynamicListeners", [])
               if "listener" in entry.get("activeState", {})]
    return dynamic + [_without_type(entry["listener"]) for entry in section.get("staticListeners", [])]


def dump_endpoints(dump: dict) -> list[dict]:
    section = dump.get("EndpointsConfigDump", {})
    return [_without_type(e["endpointConfig"]) for key in ("dynamicEndpointConfigs", "staticEndpointConfigs")
            for e in section.get(key, []) if "endpointConfig" in e]


# ---------------------------------------------------------------------------------------------
# Secret items (sds util.go) from the dump's certificates, with a minimal DER reader.
# ---------------------------------------------------------------------------------------------
def _der_items(data: bytes, start: int = 0, end: int | None = None) -> list[tuple[int, bytes]]:
    end = len(data) if end is None else end
    items, pos = [], start
    while pos < end:
        tag, length, pos = data[pos], data[pos + 1], pos + 2
        if length & 0x80:
            count = length & 0x7F
            length, pos = int.from_bytes(data[pos:pos + count], "big"), pos + count
        items.append((tag, data[pos:pos + length]))
        pos += length
    return items


def _der_time(tag: int, raw: bytes) -> dt.datetime:
    text = raw.decode()
    if tag == 0x17:                                   # UTCTime YYMMDDHHMMSSZ
        year = int(text[:2])
        text = str(1900 + year if year >= 50 else 2000 + year) + text[2:]
    return dt.datetime.strptime(text, "%Y%m%d%H%M%SZ").replace(tzinfo=dt.timezone.utc)


def _extensions(tbs: list[tuple[int, bytes]]) -> dict[bytes, bytes]:
    found = {}
    for tag, body in tbs:
        if tag == 0xA3:
            for _, ext in _der_items(_der_items(body)[0][1]):
                parts = _der_items(ext)
                found[parts[0][1]] = parts[-1][1]
    return found


def secret_item(name: str, pem: bytes, state: str, now: dt.datetime) -> dict:
    der = base64.b64decode(b"".join(line for line in pem.splitlines() if line and not line.startswith(b"-----")))
    tbs = _der_items(_der_items(_der_items(der)[0][1])[0][1])
    fields = tbs[1:] if tbs[0][0] == 0xA0 else tbs
    serial = int.from_bytes(fields[0][1], "big", signed=True)
    (t1, not_before), (t2, not_after) = _der_items(fields[3][1])
    start, stop = _der_time(t1, not_before), _der_time(t2, not_after)
    ext = _extensions(tbs)
    basic = _der_items(_der_items(ext.get(bytes.fromhex("551d13"), b"\x30\x00"))[0][1])
    is_ca = bool(basic) and basic[0][0] == 0x01 and basic[0][1] != b"\x00"
    uris = [body.decode() for tag, body in _der_items(_der_items(ext[bytes.fromhex("551d11")])[0][1])
            if tag == 0x86] if bytes.fromhex("551d11") in ext else []
    trust = next((u[len("spiffe://"):].split("/")[0] for u in uris if u.startswith("spiffe://")), "")
    return {"name": name, "type": "CA" if is_ca else "Cert Chain", "state": state,
            "valid": start < now < stop, "serialNumber": f"{serial:032x}",
            "notAfter": stop.strftime("%Y-%m-%dT%H:%M:%SZ"), "notBefore": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "trustDomain": trust}


def dump_secrets(dump: dict) -> list[dict] | None:
    section = dump.get("SecretsConfigDump", {})
    entries = [(s, "WARMING") for s in section.get("dynamicWarmingSecrets", [])] + \
              [(s, "ACTIVE") for s in section.get("dynamicActiveSecrets", [])]
    if not entries:
        return None
    now = dt.datetime.now(dt.timezone.utc)
    items = []
    for entry, state in entries:
        secret = entry["secret"]
        blob = secret.get("tlsCertificate", {}).get("certificateChain", {}).get("inlineBytes") or \
            secret.get("validationContext", {}).get("trustedCa", {}).get("inlineBytes")
        items.append(secret_item(entry["name"], base64.b64decode(blob), state, now))
    return items


# ---------------------------------------------------------------------------------------------
# Byte parity with istioctl's test data (1.30 istioctl produced these files).
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("case", ["empty-gateway", "istio-gateway-http-route-prefix",
                                  "k8s-gateway-http-route-path-prefix"])
def test_routes_table_matches_istioctl(case: str) -> None:
    need_shared()
    dump = load_dump(CONFIGDUMP_DATA / "routes" / case / "configdump.json")
    expected = (CONFIGDUMP_DATA / "routes" / case / "output.txt").read_text()
    assert T.routes_table(dump_routes(dump), V130) == expected


@pytest.mark.parametrize("case,port", [("emptyfilter", 0), ("portfilter", 8080)])
def test_eds_table_matches_istioctl(case: str, port: int) -> None:
    need_shared()
    dump = load_dump(CONFIGDUMP_DATA / "endpoint/configdump.json")
    expected = (CONFIGDUMP_DATA / f"endpoint/{case}_output.txt").read_text()
    assert T.eds_table(dump_endpoints(dump), V130, port=port) == expected


@pytest.mark.parametrize("case,port", [("emptyfilter", 0), ("portfilter", 8080)])
def test_eds_entries_order_matches_istioctl_json(case: str, port: int) -> None:
    need_shared()
    dump = load_dump(CONFIGDUMP_DATA / "endpoint/configdump.json")
    expected = json.loads((CONFIGDUMP_DATA / f"endpoint/{case}_output.json").read_text())
    assert T.eds_entries(dump_endpoints(dump), V130, port=port) == expected


@pytest.mark.parametrize("headers,expected_file", [(False, "config_dump_summary.txt"),
                                                    (True, "config_dump_summary_withheaders.txt")])
def test_all_tables_matches_istioctl(headers: bool, expected_file: str) -> None:
    need_shared()
    dump = load_dump(PROXYCONFIG_DATA / "config_dump.json")
    got = T.all_tables(dump_clusters(dump), dump_listeners(dump), dump_routes(dump), dump_endpoints(dump), V130,
                       bootstrap=dump["BootstrapConfigDump"]["bootstrap"], secrets=dump_secrets(dump),
                       with_headers=headers)
    assert got == (PROXYCONFIG_DATA / expected_file).read_text()


def test_reference_tables_through_the_other_versions() -> None:
    """The same dumps printed by older istioctl: only the version-gated parts change."""
    need_shared()
    dump = load_dump(CONFIGDUMP_DATA / "routes/k8s-gateway-http-route-path-prefix/configdump.json")
    got = T.routes_table(dump_routes(dump), V117).splitlines()
    assert got[0].split() == ["NAME", "DOMAINS", "MATCH", "VIRTUAL", "SERVICE"]
    # 1.17 knew neither path_separated_prefix (empty MATCH) nor metadata paths other than v1alpha3
    assert got[1].split() == ["http.80", "httpbin.example.com", "<unknown>"]
    dump = load_dump(PROXYCONFIG_DATA / "config_dump.json")
    old = T.all_tables(dump_clusters(dump), dump_listeners(dump), dump_routes(dump), dump_endpoints(dump), V117,
                       bootstrap=dump["BootstrapConfigDump"]["bootstrap"], secrets=dump_secrets(dump))
    assert old.startswith("SERVICE FQDN ") and "Istio Version" not in old
    assert "\nADDRESS PORT  MATCH DESTINATION\n" in old and "ENDPOINT" not in old


# ---------------------------------------------------------------------------------------------
# Cluster filter (tabwriter, sort.Slice and subset keys: test_emit_go_tabwriter.py,
# test_emit_go_sort.py, test_emit_subset_keys.py)
# ---------------------------------------------------------------------------------------------
def test_filter_clusters_uses_substrings_like_istioctl() -> None:
    clusters = [{"name": "outbound|9080|v1|reviews.default.svc.cluster.local"},
                {"name": "outbound|19080||ratings.default.svc.cluster.local"},
                {"name": "inbound|9080||"}]
    assert [c["name"] for c in T.filter_clusters(clusters, fqdn="reviews")] == [clusters[0]["name"]]
    assert [c["name"] for c in T.filter_clusters(clusters, port=9080)] == [clusters[0]["name"], "inbound|9080||"]
    assert [c["name"] for c in T.filter_clusters(clusters, direction="inbound")] == ["inbound|9080||"]


# ---------------------------------------------------------------------------------------------
# pc cluster (facts 8 and the worked example of facts 13)
# ---------------------------------------------------------------------------------------------
def _dr_metadata(name: str, namespace: str, api: str = "v1") -> dict:
    return {"filterMetadata": {"istio": {
        "config": f"/apis/networking.istio.io/{api}/namespaces/{namespace}/destination-rule/{name}"}}}


def test_cluster_table_worked_example() -> None:
    host = "reviews.default.svc.cluster.local"
    clusters = [{"name": f"outbound|9080|{s}|{host}", "type": "EDS", "metadata": _dr_metadata("reviews", "default")}
                for s in ("v3", "", "v2", "v1")]
    assert T.clusters_table(clusters, V130) == (
        "SERVICE FQDN                          PORT     SUBSET     DIRECTION     TYPE     DESTINATION RULE\n"
        "reviews.default.svc.cluster.local     9080     -          outbound      EDS      reviews.default\n"
        "reviews.default.svc.cluster.local     9080     v1         outbound      EDS      reviews.default\n"
        "reviews.default.svc.cluster.local     9080     v2         outbound      EDS      reviews.default\n"
        "reviews.default.svc.cluster.local     9080     v3         outbound      EDS      reviews.default\n")


def test_cluster_table_other_names_and_types() -> None:
    clusters = [{"name": "BlackHoleCluster"}, {"name": "inbound|9080||", "type": "ORIGINAL_DST"},
                {"name": "zipkin", "type": "STRICT_DNS"}]
    rows = T.clusters_table(clusters, V130).splitlines()
    assert rows[1].split() == ["9080", "-", "inbound", "ORIGINAL_DST"]       # empty SERVICE FQDN
    assert rows[1].startswith("     ")
    assert rows[2].split() == ["BlackHoleCluster", "-", "-", "-", "STATIC"]   # type 0 is omitted in JSON
    assert rows[3].split() == ["zipkin", "-", "-", "-", "STRICT_DNS"]
    named = T.clusters_table(clusters, V130, with_name_column=True).splitlines()
    assert named[0].split()[:3] == ["NAME", "SERVICE", "FQDN"]
    assert named[2].split() == ["cluster/BlackHoleCluster", "cluster/BlackHoleCluster", "-", "-", "-", "STATIC"]


def test_cluster_table_destination_rule_column_by_version() -> None:
    cluster = {"name": "outbound|80||a.b.svc.cluster.local", "metadata": _dr_metadata("a", "b")}
    assert T.clusters_table([cluster], V130).splitlines()[1].split()[-1] == "a.b"
    assert T.clusters_table([cluster], V117).splitlines()[1].split()[-1] == "<unknown>"
    cluster["metadata"] = _dr_metadata("a", "b", "v1alpha3")
    assert T.clusters_table([cluster], V117).splitlines()[1].split()[-1] == "a.b"


def test_empty_inputs_say_what_istioctl_says() -> None:
    with pytest.raises(T.NothingToShow, match="no clusters found"):
        T.clusters_table([], V130)
    with pytest.raises(T.NothingToShow, match="no routes found"):
        T.routes_table([], V130)
    with pytest.raises(T.NothingToShow, match="no listeners found"):
        T.listeners_table([], V130)


# ---------------------------------------------------------------------------------------------
# pc routes (facts 8)
# ---------------------------------------------------------------------------------------------
def test_route_domains_examples() -> None:
    v117 = ["reviews.default.svc.cluster.local", "reviews.default.svc.cluster.local:9080", "reviews",
            "reviews:9080", "reviews.default.svc", "reviews.default.svc:9080", "reviews.default",
            "reviews.default:9080", "10.96.1.2", "10.96.1.2:9080"]
    assert T.describe_route_domains(v117) == "reviews, reviews.default + 1 more..."
    v130 = ["reviews.default.svc.cluster.local", "reviews.default.svc.cluster.local.", "reviews",
            "reviews.default.svc", "reviews.default", "10.96.1.2"]
    assert T.describe_route_domains(v130) == "reviews.default.svc.cluster.local., reviews + 2 more..."
    assert T.describe_route_domains(["*"]) == "*"
    ipv6 = "[fd00:10:96::7fc7]"       # kept only with more than two colons, as istioctl counts them
    assert T.describe_route_domains(["a.com", ipv6, ipv6 + ":80", "[fd00::1]"]) == f"a.com, {ipv6}"


def test_describe_match() -> None:
    assert T.describe_match({"prefix": "/"}, V130) == "/*"
    assert T.describe_match({"path": "/login"}, V130) == "/login"
    assert T.describe_match({"safeRegex": {"regex": "/a.*"}}, V130) == "regex /a.*"
    assert T.describe_match({"pathSeparatedPrefix": "/get"}, V130) == "PathPrefix:/get"
    assert T.describe_match({"pathSeparatedPrefix": "/get"}, (1, 20)) == ""
    assert T.describe_match({"prefix": "/", "headers": [{"name": "end-user"}]}, V130) == "/*"


def _sidecar_route_config() -> dict:
    vs = {"filterMetadata": {"istio": {"config": "/apis/networking.istio.io/v1/namespaces/default/virtual-service/reviews"}}}
    return {"name": "9080", "virtualHosts": [
        {"name": "reviews.default.svc.cluster.local:9080", "domains": ["reviews.default.svc.cluster.local", "reviews"],
         "routes": [{"match": {"prefix": "/", "headers": [{"name": "end-user"}]},
                     "route": {"cluster": "outbound|9080|v2|reviews.default.svc.cluster.local"}, "metadata": vs},
                    {"match": {"prefix": "/"}, "route": {"cluster": "outbound|9080|v3|reviews.default.svc.cluster.local"},
                     "metadata": vs}]},
        {"name": "empty", "domains": ["x"]},
        {"name": "allow_any", "domains": ["*"], "routes": [{"name": "allow_any", "match": {"prefix": "/"},
                                                           "route": {"cluster": "PassthroughCluster"}}]},
        {"name": "block_all", "domains": ["*"], "routes": [{"name": "block_all", "match": {"prefix": "/"},
                                                           "directResponse": {"status": 502}}]}]}


def test_routes_table_rows_by_version() -> None:
    rows130 = [r.split() for r in T.routes_table([_sidecar_route_config()], V130).splitlines()]
    vhost, domains = "reviews.default.svc.cluster.local:9080", ["reviews.default.svc.cluster.local,", "reviews"]
    assert rows130 == [["NAME", "VHOST", "NAME", "DOMAINS", "MATCH", "VIRTUAL", "SERVICE"],
                       ["9080", vhost, *domains, "/*", "reviews.default"],
                       ["9080", vhost, *domains, "/*", "reviews.default"],
                       ["9080", "empty", "x", "/*", "404"],
                       ["9080", "block_all", "*", "/*"]]
    rows117 = [r.split() for r in T.routes_table([_sidecar_route_config()], V117).splitlines()]
    assert rows117[0] == ["NAME", "DOMAINS", "MATCH", "VIRTUAL", "SERVICE"]
    assert rows117[1] == ["9080", *domains, "/*", "<unknown>"]       # 1.17 only knew v1alpha3 paths
    assert T.routes_table([_sidecar_route_config()], (1, 18)).startswith("NAME     VHOST NAME")


def test_routes_table_non_verbose_and_prefix() -> None:
    text = T.routes_table([_sidecar_route_config(), {"name": "80"}], V130, verbose=False, with_type_prefix=True)
    assert text == "NAME           VIRTUAL HOSTS\nroute/80       0\nroute/9080     4\n"


def test_route_config_order_numbers_then_others() -> None:
    configs = [{"name": n} for n in ("9080", "80", "InboundPassthroughCluster", "15010")]
    got = [c["name"] for c in T.sort_route_configs(configs)]
    assert got == ["80", "9080", "InboundPassthroughCluster", "15010"]


# ---------------------------------------------------------------------------------------------
# pc listeners
# ---------------------------------------------------------------------------------------------
def _hcm(rds: str) -> dict:
    return {"name": T.HTTP_CONNECTION_MANAGER, "typedConfig": {"rds": {"routeConfigName": rds}}}


def _tcp(cluster: str) -> dict:
    return {"name": T.TCP_PROXY, "typedConfig": {"statPrefix": cluster, "cluster": cluster}}


def _listeners() -> list[dict]:
    return [
        {"name": "0.0.0.0_9080", "address": {"socketAddress": {"address": "0.0.0.0", "portValue": 9080}},
         "filterChains": [{"filterChainMatch": {"transportProtocol": "raw_buffer",
                                                "applicationProtocols": ["http/1.0", "http/1.1", "h2c"]},
                           "filters": [_hcm("9080")]},
                          {"filters": [_tcp("BlackHoleCluster")]}],
         "defaultFilterChain": {"filters": [_tcp("PassthroughCluster")]}},
        {"name": "10.96.0.10_53", "address": {"socketAddress": {"address": "10.96.0.10", "portValue": 53}},
         "additionalAddresses": [{"address": {"socketAddress": {"address": "fd00::a", "portValue": 53}}}],
         "filterChains": [{"filterChainMatch": {"prefixRanges": [{"addressPrefix": "10.0.0.1", "prefixLen": 32}],
                                                "destinationPort": 53},
                           "filters": [_tcp("outbound|53||kube-dns.kube-system.svc.cluster.local")]}]},
        {"name": "virtualInbound", "address": {"socketAddress": {"address": "0.0.0.0", "portValue": 15006}},
         "filterChains": [{"filterChainMatch": {"serverNames": ["a.com", "b.com"]},
                           "filters": [{"name": "envoy.filters.network.http_connection_manager", "typedConfig": {
                               "routeConfig": {"virtualHosts": [{"domains": ["*"], "routes": [
                                   {"match": {"prefix": "/"}, "route": {"cluster": "inbound|8080||"}}]}]}}}]}]},
    ]


def test_listeners_table_1_30() -> None:
    assert T.listeners_table(_listeners(), V130) == (
        "ADDRESSES          PORT  MATCH                        DESTINATION\n"
        "10.96.0.10,fd00::a 53    Addr: 10.0.0.1/32:53         Cluster: outbound|53||kube-dns.kube-system.svc.cluster.local\n"
        "0.0.0.0            9080  Trans: raw_buffer; App: HTTP Route: 9080\n"
        "0.0.0.0            9080  ALL                          PassthroughCluster\n"
        "0.0.0.0            9080  ALL                          Non-HTTP/Non-TCP\n"
        "0.0.0.0            15006 SNI: a.com,b.com             Cluster: inbound|8080||\n")


def test_listeners_table_1_17_and_types() -> None:
    text = T.listeners_table(_listeners(), V117, verbose=False)
    assert text == ("ADDRESS    PORT  TYPE\n10.96.0.10 53    TCP\n0.0.0.0    9080  HTTP+TCP\n"
                    "0.0.0.0    15006 HTTP\n")


def test_listener_names_in_pc_all_and_the_1_19_quirk() -> None:
    one = [_listeners()[0]]
    fixed = [r.split()[0] for r in T.listeners_table(one, V130, with_type_prefix=True).splitlines()[1:]]
    assert fixed == ["listener/0.0.0.0_9080"] * 3
    quirk = [r.split()[0] for r in T.listeners_table(one, (1, 19), with_type_prefix=True).splitlines()[1:]]
    assert quirk == ["listener/0.0.0.0_9080", "listener/listener/0.0.0.0_9080",
                     "listener/listener/listener/0.0.0.0_9080"]


def test_listener_filter() -> None:
    got = T.filter_listeners(_listeners(), address="FD00::A")
    assert [lis["name"] for lis in got] == ["10.96.0.10_53"]
    assert T.filter_listeners(_listeners(), address="fd00::a", version=V117) == []
    assert [lis["name"] for lis in T.filter_listeners(_listeners(), listener_type="http")] == ["virtualInbound"]


# ---------------------------------------------------------------------------------------------
# endpoints
# ---------------------------------------------------------------------------------------------
def _status(name: str, *hosts: dict) -> dict:
    return {"name": name, "hostStatuses": list(hosts)}


def _host(address: dict, health: str = "HEALTHY", outlier: bool = False) -> dict:
    status = {"edsHealthStatus": health} if not outlier else {"failedOutlierCheck": True, "edsHealthStatus": health}
    return {"address": address, "healthStatus": status}


def test_endpoints_table_clusters_view() -> None:
    statuses = [
        _status("outbound|9080||reviews.default.svc.cluster.local",
                _host({"socketAddress": {"address": "10.1.0.9", "portValue": 9080}}),
                _host({"socketAddress": {"address": "10.1.0.10", "portValue": 9080}}, "UNHEALTHY", True)),
        _status("sds-grpc", _host({"pipe": {"path": "./var/run/secrets/workload-spiffe-uds/socket"}})),
        _status("inbound-vip|80|http|a", _host({"envoyInternalAddress": {"serverListenerName": "connect_originate",
                                                                        "endpointId": "10.1.0.9:80"}})),
    ]
    assert T.endpoints_table(statuses, V130) == (
        "ENDPOINT                                                STATUS        OUTLIER CHECK     CLUSTER\n"
        "10.1.0.10:9080                                          UNHEALTHY     FAILED            outbound|9080||reviews.default.svc.cluster.local\n"
        "10.1.0.9:9080                                           HEALTHY       OK                outbound|9080||reviews.default.svc.cluster.local\n"
        "envoy://connect_originate/10.1.0.9:80                   HEALTHY       OK                inbound-vip|80|http|a\n"
        "unix://./var/run/secrets/workload-spiffe-uds/socket     HEALTHY       OK                sds-grpc\n")
    only = T.endpoints_table(statuses, V130, status="unhealthy").splitlines()
    assert len(only) == 2 and only[1].startswith("10.1.0.10:9080")
    kept = T.filter_endpoint_statuses(statuses, port=9080)
    assert [s["name"] for s in kept] == ["outbound|9080||reviews.default.svc.cluster.local"]
    assert len(kept[0]["hostStatuses"]) == 2          # the whole cluster, as istioctl prints it


def _cla(name: str, *endpoints: dict, locality: dict | None = None) -> dict:
    return {"clusterName": name, "endpoints": [{"locality": locality or {}, "lbEndpoints": list(endpoints)}]}


def _lb(ip: str, port: int, health: str = "HEALTHY", extra: str | None = None) -> dict:
    endpoint: dict = {"address": {"socketAddress": {"address": ip, "portValue": port}}}
    if extra:
        endpoint["additionalAddresses"] = [{"address": {"socketAddress": {"address": extra, "portValue": port}}}]
    return {"endpoint": endpoint, "healthStatus": health}


def test_eds_table_versions_and_locality() -> None:
    clas = [_cla("outbound|80||b.ns.svc.cluster.local", _lb("10.0.0.2", 80, extra="fd00::2"),
                 locality={"region": "r", "zone": "z"}),
            _cla("outbound|80||a.ns.svc.cluster.local", _lb("10.0.0.1", 80, "DRAINING")),
            _cla("outbound|80||empty.ns.svc.cluster.local")]
    rows = [r.split() for r in T.eds_table(clas, V130).splitlines()]
    assert rows == [["NAME", "STATUS", "LOCALITY", "CLUSTER"],
                    ["10.0.0.1:80", "DRAINING", "outbound|80||a.ns.svc.cluster.local"],
                    ["10.0.0.2:80,fd00::2:80", "HEALTHY", "r/z", "outbound|80||b.ns.svc.cluster.local"]]
    rows = [r.split() for r in T.eds_table(clas, V117).splitlines()]
    assert rows[0][0] == "ENDPOINT" and rows[2][0] == "10.0.0.2:80"
    assert T.eds_table(clas, V130, with_type_prefix=True).splitlines()[1].startswith("endpoint/10.0.0.1:80 ")


def test_all_tables_layout_by_version() -> None:
    cluster = [{"name": "outbound|80||a.ns.svc.cluster.local", "type": "EDS"}]
    listener = [_listeners()[1]]
    route = [{"name": "80", "virtualHosts": [{"name": "a:80", "domains": ["a"], "routes": [{"match": {"prefix": "/"}}]}]}]
    clas = [_cla("outbound|80||a.ns.svc.cluster.local", _lb("10.0.0.1", 80))]
    new = T.all_tables(cluster, listener, route, clas, V130, with_headers=True)
    assert new.split("\n\n")[0] == "------ CLUSTER INFO ------"      # no bootstrap given, so no bootstrap section
    assert "------ ENDPOINTS INFO ------\n\nNAME" in new and "endpoint/10.0.0.1:80" in new
    assert "No active or warming secrets found.\n" in new
    old = T.all_tables(cluster, listener, route, clas, V117)
    assert old.count("\n\n") == 3 and "10.0.0.1:80" not in old and "cluster/" not in old
    nineteen = T.all_tables(cluster, listener, route, clas, (1, 19), with_headers=True)
    assert "------" not in nineteen and "endpoint/10.0.0.1:80" in nineteen


def test_all_tables_accepts_cluster_statuses() -> None:
    statuses = [_status("outbound|80||a.ns.svc.cluster.local", _host({"socketAddress": {"address": "10.0.0.1",
                                                                                         "portValue": 80}}))]
    text = T.all_tables([{"name": "x"}], [_listeners()[1]], [{"name": "80"}], statuses, V130)
    assert text.endswith("endpoint/10.0.0.1:80     HEALTHY                  outbound|80||a.ns.svc.cluster.local\n")


# ---------------------------------------------------------------------------------------------
# secrets and bootstrap
# ---------------------------------------------------------------------------------------------
def test_secrets_table_trust_domain_column() -> None:
    items = [{"name": "default", "type": "Cert Chain", "state": "ACTIVE", "valid": True, "serialNumber": "ab",
              "notAfter": "n", "notBefore": "b", "trustDomain": "cluster.local"}]
    assert T.secrets_table(items, V130).splitlines()[0].endswith("TRUST DOMAIN")
    assert not T.secrets_table(items, (1, 24)).splitlines()[0].endswith("TRUST DOMAIN")
    assert T.secrets_table([], V130) == "No secret items to show.\n"


def test_bootstrap_summary() -> None:
    bootstrap = {"node": {"metadata": {"ISTIO_VERSION": "1.30.3", "ISTIO_PROXY_SHA": "istio-proxy:abc"},
                          "userAgentBuildVersion": {"version": {"majorNumber": 1, "minorNumber": 36, "patch": 2},
                                                    "metadata": {"build.type": "RELEASE", "revision.status": "Clean"}}}}
    assert T.bootstrap_summary(bootstrap) == ("Istio Version:       1.30.3\nIstio Proxy Version: abc\n"
                                              "Envoy Version:       1.36.2/Clean/RELEASE\n")
