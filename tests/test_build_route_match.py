"""VirtualService matches on JWT claims -> RouteMatch.dynamicMetadata (route_match.py).

Sources (istiod at the tags, read by hand):
- 1.30.3 pilot/pkg/networking/core/route/route.go TranslateRouteMatch: a header for which translateMetadataMatch
  gives a matcher becomes a dynamicMetadata entry instead of a header matcher (withoutHeaders: Invert = true);
  translateMetadataMatch uses pkg/jwt/routing.go ToRoutingClaim (`@request.auth.claims` then `.a.b` or `[a][b]`,
  prefix compared lowercased) and util.ConvertToEnvoyMatch.
- 1.30.3 pilot/pkg/security/authz/model/util.go MetadataMatcherForJWTClaims: filter
  "envoy.filters.http.jwt_authn" (xds/filters EnvoyJwtFilterName), path ["payload" (EnvoyJwtFilterPayload),
  claims...]; authz/matcher/metadata.go MetadataListMatcher(useExtendedJwt=true): value OrMatch{[ListMatch{OneOf:
  StringMatch}, StringMatch]}. 1.21.0: the same for proxies >= 1.21 (SupportsEnvoyExtendedJwt).
- 1.17.8 v1alpha3/route/route.go translateMetadataMatch: prefix "@request.auth.claims." (constant.HeaderJWTClaim),
  split on "."; MetadataMatcherForJWTClaims: filter "istio_authn" (AuthnFilterName), path ["request.auth.claims"
  (attrRequestClaims), claims...], value ListMatch{OneOf: StringMatch}. 1.18.7 knows no `[a]` form.
- Envoy RouteMatch declares dynamic_metadata after headers and query_parameters.
"""
import pytest

from helpers import compile_yaml, route_config, vhost
from meshes import doc, service, virtual_service

MESH = doc(service("reviews", "[{name: http, port: 9080}]"), virtual_service("reviews", "reviews")) + """  http:
  - match:
    - headers:
        "@request.auth.claims.group.id": {exact: admins}
        x-team: {exact: a}
      withoutHeaders:
        "@request.auth.claims[iss]": {prefix: https://bad}
    route: [{destination: {host: reviews}}]
"""
TARGET = "deploy/productpage.default"


def _match(version: str) -> dict:
    cfg = compile_yaml(MESH, TARGET, version)
    routes = vhost(route_config(cfg, "9080"), "reviews.default.svc.cluster.local:9080")["routes"]
    return routes[0]["match"], cfg


def test_claims_1_30_read_the_jwt_authn_payload():
    match, cfg = _match("1.30")
    assert match["headers"] == [{"name": "x-team", "stringMatch": {"exact": "a"}}]
    group = {"exact": "admins"}
    iss = {"prefix": "https://bad"}
    assert match["dynamicMetadata"] == [
        {"filter": "envoy.filters.http.jwt_authn",
         "path": [{"key": "payload"}, {"key": "group"}, {"key": "id"}],
         "value": {"orMatch": {"valueMatchers": [{"listMatch": {"oneOf": {"stringMatch": group}}},
                                                 {"stringMatch": group}]}}},
        {"filter": "envoy.filters.http.jwt_authn",
         "path": [{"key": "payload"}, {"key": "iss"}],
         "value": {"orMatch": {"valueMatchers": [{"listMatch": {"oneOf": {"stringMatch": iss}}},
                                                 {"stringMatch": iss}]}},
         "invert": True}]
    assert list(match)[-2:] == ["headers", "dynamicMetadata"]
    from mesh_compile_xds.canonical import canonical_json
    from mesh_compile_xds.messages import to_message
    rc = route_config(cfg, "9080")
    printed = canonical_json(to_message("route", rc))
    assert printed == rc


def test_claims_1_17_read_istio_authn():
    match, _ = _match("1.17")
    assert match["dynamicMetadata"] == [
        {"filter": "istio_authn",
         "path": [{"key": "request.auth.claims"}, {"key": "group"}, {"key": "id"}],
         "value": {"listMatch": {"oneOf": {"stringMatch": {"exact": "admins"}}}}}]
    # 1.17 has no `[iss]` form: that name stays an ordinary (inverted) header matcher
    names = [h["name"] for h in match["headers"]]
    assert names == ["@request.auth.claims[iss]", "x-team"]


@pytest.mark.parametrize("version,filter_name", [("1.21", "envoy.filters.http.jwt_authn"), ("1.20", "istio_authn")])
def test_extended_jwt_from_1_21(version, filter_name):
    match, _ = _match(version)
    assert [m["filter"] for m in match["dynamicMetadata"]] == [filter_name, filter_name]
