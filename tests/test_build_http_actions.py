"""HTTP actions and matches against istiod's route.go (TranslateRoute, applyHTTPRouteDestination,
ApplyRedirect, TranslateFault, TranslateHeadersOperations, TranslateRouteMatch) at 1.17.8 and 1.30.3,
and the tags where they changed (cited per test). Expected values are read from that code, not our output."""
import pytest

from helpers import compile_yaml, route_config, vhost
from meshes import doc, service, virtual_service

BASE = doc(service("productpage", "[{name: http, port: 9080}]", cluster_ip="10.96.0.22"),
           service("reviews", "[{name: http, port: 9080}]", cluster_ip="10.96.0.20"),
           virtual_service("reviews", "reviews") + "  http:\n")


def _routes(http_yaml: str, version: str = "1.30") -> list[dict]:
    cfg = compile_yaml(BASE + http_yaml, "deploy/productpage.default", version=version)
    return vhost(route_config(cfg, "9080"), "reviews.default.svc.cluster.local:9080")["routes"]


def test_percentages_truncate_like_go():
    # translatePercentToFractionalPercent: uint32(p.Value * 10000); 0.57 * 10000 = 5699.999... -> 5699
    routes = _routes("""
  - fault:
      abort: {httpStatus: 500, percentage: {value: 0.57}}
    route: [{destination: {host: reviews}}]
""")
    abort = routes[0]["typedPerFilterConfig"]["envoy.filters.http.fault"]["abort"]
    assert abort == {"httpStatus": 500, "percentage": {"numerator": 5699, "denominator": "MILLION"}}


def test_fault_delay_percentages():
    # TranslateFault: `percentage` (x10000, MILLION), else the deprecated integer `percent` (HUNDRED,
    # the default denominator, so not printed); an abort without percentage has none
    routes = _routes("""
  - match: [{uri: {prefix: /a}}]
    fault:
      delay: {fixedDelay: 7s, percentage: {value: 100}}
      abort: {grpcStatus: UNAVAILABLE}
    route: [{destination: {host: reviews}}]
  - fault:
      delay: {fixedDelay: 2s, percent: 30}
    route: [{destination: {host: reviews}}]
""")
    first = routes[0]["typedPerFilterConfig"]["envoy.filters.http.fault"]
    assert first["delay"] == {"fixedDelay": "7s", "percentage": {"numerator": 1000000, "denominator": "MILLION"}}
    assert first["abort"] == {"grpcStatus": 14}
    second = routes[1]["typedPerFilterConfig"]["envoy.filters.http.fault"]
    assert second["delay"] == {"fixedDelay": "2s", "percentage": {"numerator": 30}}


def test_authority_from_set_wins_over_add():
    # TranslateHeadersOperations: "If authority is set in 'add' and 'set', pick the one from 'set'"
    routes = _routes("""
  - headers:
      request:
        set: {host: from-set}
        add: {":authority": from-add}
    route: [{destination: {host: reviews}}]
""")
    assert routes[0]["route"]["hostRewriteLiteral"] == "from-set"
    assert "requestHeadersToAdd" not in routes[0]  # internal headers are dropped


def test_single_destination_header_operations_all_follow_the_route():
    # processDestination appends the destination's request/response add and remove lists
    routes = _routes("""
  - headers:
      request: {remove: [a]}
    route:
    - destination: {host: reviews}
      headers:
        request: {remove: [b]}
        response: {add: {x: "1"}, remove: [c]}
""")
    r = routes[0]
    assert r["requestHeadersToRemove"] == ["a", "b"]
    assert r["responseHeadersToAdd"] == [{"header": {"key": "x", "value": "1"}}]
    assert r["responseHeadersToRemove"] == ["c"]


@pytest.mark.parametrize("version,expected", [("1.17", "cluster"), ("1.18", "cluster"), ("1.19", "weightedClusters")])
def test_single_surviving_weighted_entry(version, expected):
    # 1.17.8/1.18.7 applyHTTPRouteDestination: len(weighted) == 1 collapses to the *surviving* entry's
    # cluster and hoists its headers; 1.19.0 keeps weightedClusters when the VS listed several
    routes = _routes("""
  - route:
    - destination: {host: reviews, subset: v1}
      weight: 0
    - destination: {host: reviews, subset: v2}
      weight: 100
      headers:
        request: {set: {x-v: "2"}}
""", version=version)
    action = routes[0]["route"]
    assert expected in action
    if expected == "cluster":
        assert action["cluster"] == "outbound|9080|v2|reviews.default.svc.cluster.local"
        assert routes[0]["requestHeadersToAdd"][0]["header"] == {"key": "x-v", "value": "2"}
    else:
        assert [c["name"] for c in action["weightedClusters"]["clusters"]] == [
            "outbound|9080|v2|reviews.default.svc.cluster.local"]


@pytest.mark.parametrize("version,expected", [
    ("1.18", {}),
    ("1.30", {"regexRewrite": {"pattern": {"regex": "^/a"}, "substitution": "/b"}}),
])
def test_uri_regex_rewrite(version, expected):
    # 1.19.0 added `if regexRewrite := in.Rewrite.GetUriRegexRewrite()`; 1.18.7 read only the uri
    routes = _routes("""
  - rewrite: {uriRegexRewrite: {match: ^/a, rewrite: /b}}
    route: [{destination: {host: reviews}}]
""", version=version)
    action = routes[0]["route"]
    got = {k: action[k] for k in ("prefixRewrite", "regexRewrite") if k in action}
    assert got == expected


@pytest.mark.parametrize("version,port", [("1.17", 80), ("1.30", None)])
def test_redirect_default_port(version, port):
    # ApplyRedirect (1.18+): "Do not put explicit :80 or :443 when its http/https", the scheme
    # defaulting to http off TLS; 1.17.8 applyRedirect kept the port
    routes = _routes("""
  - redirect: {uri: /new, port: 80}
""", version=version)
    assert routes[0]["redirect"].get("portRedirect") == port


@pytest.mark.parametrize("version,expected", [
    ("1.17", [{"name": "a"}, {"name": "b"}, {"name": "c", "stringMatch": {"exact": "e"}}]),
    ("1.20", [{"name": "a"}, {"name": "b", "stringMatch": {"prefix": "p"}}, {"name": "c", "stringMatch": {"exact": "e"}}]),
    ("1.30", [{"name": "a", "presentMatch": True}, {"name": "b", "stringMatch": {"prefix": "p"}},
              {"name": "c", "stringMatch": {"exact": "e"}}]),
])
def test_query_params(version, expected):
    # 1.17.8 translateQueryParamMatch knew exact and regex only; 1.18.0 used ConvertToEnvoyMatch
    # (prefix); 1.21.0 made an empty matcher a presentMatch
    routes = _routes("""
  - match:
    - queryParams: {a: {}, b: {prefix: p}, c: {exact: e}}
    route: [{destination: {host: reviews}}]
""", version=version)
    assert routes[0]["match"]["queryParameters"] == expected


@pytest.mark.parametrize("version,expected", [
    ("1.20", [{"name": "X-Empty"}]),
    ("1.21", [{"name": "X-Empty", "presentMatch": True}]),
])
def test_empty_header_match(version, expected):
    # canBeConvertedToPresentMatch gained `in.MatchType == nil` in 1.21.0; before, an empty matcher had
    # no specifier. Header names are kept as written (TranslateRouteMatch never lowercases them).
    routes = _routes("""
  - match:
    - headers: {X-Empty: {}}
    route: [{destination: {host: reviews}}]
""", version=version)
    assert routes[0]["match"]["headers"] == expected


def test_retry_on_status_codes():
    # parseRetryOn: numbers become retriableStatusCodes and `retriable-status-codes` is appended
    routes = _routes("""
  - retries: {attempts: 3, retryOn: "5xx,503"}
    route: [{destination: {host: reviews}}]
""")
    policy = routes[0]["route"]["retryPolicy"]
    assert policy["retryOn"] == "5xx,retriable-status-codes"
    assert policy["retriableStatusCodes"] == [503]


def test_cors_allow_origins_win_over_allow_origin():
    # TranslateCORSPolicy: `if in.AllowOrigins != nil {...} else if in.AllowOrigin != nil`
    routes = _routes("""
  - corsPolicy:
      allowOrigins: [{exact: "https://a"}]
      allowOrigin: ["https://b"]
    route: [{destination: {host: reviews}}]
""")
    cors = routes[0]["typedPerFilterConfig"]["envoy.filters.http.cors"]
    assert cors["allowOriginStringMatch"] == [{"exact": "https://a"}]
