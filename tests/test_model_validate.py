"""istiod webhook rules (validate_*.py), checked on spec dicts through parse_data."""
import pytest

from mesh_compile.diagnostics import ERROR, INFO, WARNING
from mesh_compile.model.kinds import KINDS
from mesh_compile.model.objects import parse_data


def findings(kind: str, spec: dict, namespace: str = "default"):
    data = {"apiVersion": "networking.istio.io/v1", "kind": kind, "metadata": {"name": "x", "namespace": namespace},
            "spec": spec}
    obj, found = parse_data(KINDS[kind], data)
    return obj, [(".".join(map(str, f.path)), f.message, f.level) for f in found]


def route(*dests, **extra):
    return {"route": [dict(destination={"host": h}, **({"weight": w} if w is not None else {})) for h, w in dests],
            **extra}


VALID = [
    ("VirtualService", {"hosts": ["reviews"], "http": [route(("reviews", None))]}),
    ("VirtualService", {"http": [route(("reviews", None))]}),  # a delegate: no hosts, no gateways
    ("VirtualService", {"hosts": ["*"], "gateways": ["istio-system/gw"], "http": [route(("a", None))]}),
    ("VirtualService", {"hosts": ["r"], "http": [route(("a", 50), ("b", 50))]}),
    ("VirtualService", {"hosts": ["r"], "http": [{"delegate": {"name": "d", "namespace": "n"}}]}),
    ("VirtualService", {"hosts": ["r"], "http": [{"redirect": {"uri": "/x"}}]}),
    ("VirtualService", {"hosts": ["r"], "http": [{"directResponse": {"status": 503}}]}),
    ("VirtualService", {"hosts": ["r"], "http": [
        {"match": [{"uri": {"regex": "^/api/v[0-9]+/.*"}, "withoutHeaders": {"x": {"regex": "*"}}}],
         **route(("a", None)), "timeout": "1.5s", "retries": {"attempts": 3, "perTryTimeout": "2s",
                                                               "retryOn": "5xx,connect-failure,503"}}]}),
    ("VirtualService", {"hosts": ["a.com"], "tls": [{"match": [{"sniHosts": ["a.com"]}],
                                                      "route": [{"destination": {"host": "a.com"}}]}]}),
    ("DestinationRule", {"host": "reviews", "subsets": [{"name": "v1", "labels": {"version": "v1"}}],
                         "trafficPolicy": {"connectionPool": {"http": {"http2MaxRequests": 10}},
                                           "loadBalancer": {"consistentHash": {"maglev": {"tableSize": 65537}}}}}),
    ("Gateway", {"servers": [{"port": {"number": 443, "name": "https", "protocol": "HTTPS"}, "hosts": ["ns/*.a.com"],
                              "tls": {"mode": "SIMPLE", "credentialName": "c"}}]}),
    ("Gateway", {"servers": [{"port": {"number": 80, "name": "http", "protocol": "HTTP"}, "hosts": ["*"],
                              "tls": {"httpsRedirect": True}}]}),
    ("ServiceEntry", {"hosts": ["api.example.com"], "ports": [{"number": 443, "name": "https", "protocol": "TLS"}],
                      "resolution": "DNS", "location": "MESH_EXTERNAL"}),
    ("ServiceEntry", {"hosts": ["db.internal"], "addresses": ["10.0.0.0/24"], "resolution": "STATIC",
                      "ports": [{"number": 5432, "name": "pg", "protocol": "TCP"}],
                      "endpoints": [{"address": "10.0.0.5", "ports": {"pg": 5433}}]}),
    ("Sidecar", {"egress": [{"hosts": ["./*", "istio-system/*"]}]}),
]


@pytest.mark.parametrize("kind, spec", VALID)
def test_valid_specs_have_no_errors(kind, spec):
    obj, found = findings(kind, spec)
    assert obj is not None and [f for f in found if f[2] == ERROR] == []


INVALID = [
    # (kind, spec, field path, message fragment, level)
    ("VirtualService", {"hosts": [], "tcp": [{"route": [{"destination": {"host": "a"}}]}]}, "spec.tcp",
     "must have no tcp", ERROR),
    ("VirtualService", {"hosts": ["*"], "http": [route(("a", None))]}, "spec.hosts.0",
     "wildcard host * is not allowed", ERROR),
    ("VirtualService", {"hosts": ["a", "a"], "http": [route(("a", None))]}, "spec.hosts.0", "duplicate hosts", ERROR),
    ("VirtualService", {"hosts": ["*.com", "a.com"], "http": [route(("a", None))]}, "spec.hosts.0", "duplicate hosts",
     ERROR),
    ("VirtualService", {"hosts": ["bad_host"], "http": [route(("a", None))]}, "spec.hosts.0", "invalid", ERROR),
    ("VirtualService", {"hosts": ["r"], "http": [route(("a", 0), ("b", 0))]}, "spec.http.0.route",
     "total destination weight = 0", ERROR),
    ("VirtualService", {"hosts": ["r"], "http": [route(("a", 60), ("b", 60))]}, "spec.http.0.route",
     "sum to 120", WARNING),
    ("VirtualService", {"hosts": ["r"], "http": [{"redirect": {"uri": "/x"}, **route(("a", None))}]},
     "spec.http.0.route", "cannot contain both route and redirect", ERROR),
    ("VirtualService", {"hosts": ["r"], "http": [{"delegate": {"name": "d"}, "redirect": {"uri": "/"}}]},
     "spec.http.0.redirect", "root HTTP route", ERROR),
    ("VirtualService", {"http": [{"delegate": {"name": "d"}}]}, "spec.http.0.delegate",
     "delegate HTTP route cannot contain delegate", ERROR),
    ("VirtualService", {"hosts": ["r"], "http": [route(("a", None), timeout="1.0005s")]}, "spec.http.0.timeout",
     "ms precision", ERROR),
    ("VirtualService", {"hosts": ["r"], "http": [route(("a", None), retries={"attempts": 0, "retryOn": "5xx"})]},
     "spec.http.0.retries", "attempts are set to 0", ERROR),
    ("VirtualService", {"hosts": ["r"], "http": [route(("a", None), retries={"attempts": 2, "retryOn": "sometimes"})]},
     "spec.http.0.retries.retryOn", '"sometimes" is not a valid retryOn policy', ERROR),
    ("VirtualService", {"hosts": ["r"], "http": [{"match": [{"uri": {"regex": "a" * 1025}}], **route(("a", None))}]},
     "spec.http.0.match.0.uri.regex", "max length allowed is 1024", ERROR),
    ("VirtualService", {"hosts": ["r"], "http": [{"match": [{"uri": {"regex": "[a-z]{1,60}"}}], **route(("a", None))}]},
     "spec.http.0.match.0.uri.regex", "exceeds Envoy's default limit 100", INFO),
    ("VirtualService", {"hosts": ["r"], "http": [{"match": [{"method": {"prefix": ""}}], **route(("a", None))}]},
     "spec.http.0.match.0.method.prefix", "should not be empty", ERROR),
    ("VirtualService", {"hosts": ["r"], "http": [{"match": [{"headers": {"bad header": {"exact": "x"}}}],
                                                  **route(("a", None))}]},
     "spec.http.0.match.0.headers.bad header", "not a valid header name", ERROR),
    ("VirtualService", {"hosts": ["r"], "http": [route(("a", None), headers={"response": {"set": {"host": "x"}}})]},
     "spec.http.0.headers.response.set.host", "cannot set Host header", ERROR),
    ("VirtualService", {"hosts": ["r"], "http": [route(("a", None), fault={"abort": {"httpStatus": 700}})]},
     "spec.http.0.fault.abort.httpStatus", "not in range", ERROR),
    ("VirtualService", {"hosts": ["r"], "http": [route(("a", None), mirror={"host": "m"}, mirrors=[
        {"destination": {"host": "m"}}])]}, "spec.http.0.mirrors", "both mirror and mirrors", ERROR),
    ("VirtualService", {"hosts": ["r"], "http": [{"redirect": {"uri": "/", "redirectCode": 200}}]},
     "spec.http.0.redirect.redirectCode", "must be 3xx", ERROR),
    ("VirtualService", {"hosts": ["r"], "http": [route(("a", None)), route(("b", None))]}, "spec.http.1",
     "only the last rule can have no matches", WARNING),
    ("VirtualService", {"hosts": ["a.com"], "tls": [{"match": [{"sniHosts": ["b.com"]}],
                                                      "route": [{"destination": {"host": "b.com"}}]}]},
     "spec.tls.0.match.0.sniHosts.0", "not a compatible subset", ERROR),
    ("VirtualService", {"hosts": ["r"], "exportTo": [".", "*"], "http": [route(("a", None))]}, "spec.exportTo",
     "cannot have both public", ERROR),
    ("DestinationRule", {"host": "r", "trafficPolicy": {}}, "spec.trafficPolicy", "at least one field", ERROR),
    ("DestinationRule", {"host": "r", "subsets": [{"name": "V_1"}]}, "spec.subsets.0.name", "subset name is invalid",
     ERROR),
    ("DestinationRule", {"host": "r", "trafficPolicy": {"loadBalancer": {"consistentHash": {
        "maglev": {"tableSize": 1000}}}}},
     "spec.trafficPolicy.loadBalancer.consistentHash.maglev.tableSize", "prime", ERROR),
    ("DestinationRule", {"host": "r", "trafficPolicy": {"connectionPool": {"tcp": {"maxConnections": -1}}}},
     "spec.trafficPolicy.connectionPool.tcp.maxConnections", "non-negative", ERROR),
    ("DestinationRule", {"host": "r", "trafficPolicy": {"tls": {"mode": "MUTUAL", "privateKey": "k"}}},
     "spec.trafficPolicy.tls.clientCertificate", "client certificate required", ERROR),
    ("DestinationRule", {"host": "r", "trafficPolicy": {"portLevelSettings": [{"port": {"number": 0},
                                                                               "tls": {"mode": "DISABLE"}}]}},
     "spec.trafficPolicy.portLevelSettings.0.port.number", "1..65535", ERROR),
    ("DestinationRule", {"host": "r", "trafficPolicy": {"loadBalancer": {"localityLbSetting": {
        "distribute": [{"from": "a/b/*", "to": {"a/b/*": 60}}]}}}},
     "spec.trafficPolicy.loadBalancer.localityLbSetting.distribute.0.to", "!= 100", ERROR),
    ("Gateway", {"servers": [{"port": {"number": 443, "name": "https", "protocol": "HTTPS"}, "hosts": ["*"]}]},
     "spec.servers.0.tls", "must have TLS settings", ERROR),
    ("Gateway", {"servers": [{"port": {"number": 80, "name": "http", "protocol": "WEB"}, "hosts": ["*"]}]},
     "spec.servers.0.port.protocol", "invalid protocol", ERROR),
    ("Gateway", {"servers": [{"port": {"number": 80, "name": "http", "protocol": "HTTP"}, "hosts": ["reviews"]}]},
     "spec.servers.0.hosts.0", "short names", ERROR),
    ("ServiceEntry", {"hosts": ["a.com"], "ports": [{"number": 80, "name": "http"}, {"number": 80, "name": "h2"}]},
     "spec.ports.1.number", "already defined", ERROR),
    ("ServiceEntry", {"hosts": ["a.com"], "addresses": ["10.0.0.0/8"], "resolution": "DNS"}, "spec.addresses",
     "CIDR addresses are allowed only", ERROR),
    ("ServiceEntry", {"hosts": ["a.com"], "resolution": "STATIC", "ports": [{"number": 80, "name": "http"}],
                      "endpoints": [{"address": "not-an-ip"}]}, "spec.endpoints.0.address", "not a valid IP", ERROR),
    ("Sidecar", {}, "spec", "empty configuration", ERROR),
    ("Sidecar", {"egress": [{"hosts": ["*/*"]}, {"port": {"number": 80}, "hosts": ["*/*"]}]}, "spec.egress.0",
     "should be the last listener", ERROR),
]


@pytest.mark.parametrize("kind, spec, field, fragment, level", INVALID,
                         ids=[f"{c[0]}:{c[3][:30]}" for c in INVALID])
def test_webhook_rule(kind, spec, field, fragment, level):
    _, found = findings(kind, spec)
    matching = [f for f in found if f[0] == field and fragment in f[1]]
    assert matching, found
    assert matching[0][2] == level


def test_single_destination_weight_is_not_checked():
    _, found = findings("VirtualService", {"hosts": ["r"], "http": [route(("a", 30))]})
    assert found == []


def test_regex_program_size_over_istio_limit_is_an_error():
    pattern = "[^\\x00]{1000}" * 5  # 60 characters, RE2 program size 35020
    _, found = findings("VirtualService", {"hosts": ["r"], "http": [
        {"match": [{"uri": {"regex": pattern}}], **route(("a", None))}]})
    assert [(f[0], f[2]) for f in found] == [("spec.http.0.match.0.uri.regex", ERROR)]
    assert "exceeds Envoy's limit 32768" in found[0][1]


def test_mirror_percent_proto_name_is_an_alias_and_is_deprecated():
    obj, found = findings("VirtualService", {"hosts": ["r"], "http": [route(("a", None), mirror={"host": "m"},
                                                                             mirror_percent=150)]})
    assert [(f[0], f[2]) for f in found] == [("spec.http.0.mirror_percent", ERROR),
                                             ("spec.http.0.mirror_percent", WARNING)]
    obj, _ = findings("VirtualService", {"hosts": ["r"], "http": [route(("a", None), mirror={"host": "m"},
                                                                         mirror_percent=50)]})
    assert obj.spec.http[0].mirrorPercent == 50


def _rule(*uris: str) -> dict:
    return route(("a", None), match=[{"uri": {"prefix": u}} for u in uris])


@pytest.mark.parametrize("rules, unreachable", [
    # istiod's analyzeUnreachableHTTPRules (pkg/config/validation/validation.go at 1.30.3): a rule whose
    # every match was seen in an earlier rule, however far back, is reported; one new match saves it.
    ([_rule("/a"), _rule("/b"), _rule("/a")], ["spec.http.2"]),
    ([_rule("/a"), _rule("/b"), _rule("/b", "/a")], ["spec.http.2"]),
    ([_rule("/a"), _rule("/b"), _rule("/a", "/c"), _rule("/c")], ["spec.http.3"]),
    ([_rule("/a"), _rule("/b"), _rule("/c")], []),
    ([_rule("/a", "/a")], []),  # duplicates within the first rule: no earlier rule covers it
])
def test_unreachable_rules_compare_against_every_earlier_rule(rules, unreachable):
    _, found = findings("VirtualService", {"hosts": ["r"], "http": rules})
    assert [(path, level) for path, message, level in found if "not used" in message] == \
        [(p, WARNING) for p in unreachable]
    assert all("all matches used by prior rules" in m for _, m, _ in found if "not used" in m)
