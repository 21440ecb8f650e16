"""The four xDS resource types mesh-compile serves, in the order Envoy needs them."""
from __future__ import annotations

PREFIX = "type.googleapis.com/"
CLUSTER = PREFIX + "envoy.config.cluster.v3.Cluster"
ENDPOINT = PREFIX + "envoy.config.endpoint.v3.ClusterLoadAssignment"
LISTENER = PREFIX + "envoy.config.listener.v3.Listener"
ROUTE = PREFIX + "envoy.config.route.v3.RouteConfiguration"

# Make-before-break: clusters before the endpoints they name, listeners before their routes
# (Envoy's xDS protocol doc, "eventual consistency considerations").
PUSH_ORDER = (CLUSTER, ENDPOINT, LISTENER, ROUTE)

# CDS and LDS are subscribed as "everything for this node"; EDS and RDS by explicit names.
WILDCARD_TYPES = frozenset({CLUSTER, LISTENER})

# ProxyConfig attribute / mesh_compile_xds.messages kind for each type.
KIND = {CLUSTER: "cluster", ENDPOINT: "endpoint", LISTENER: "listener", ROUTE: "route"}
ATTRIBUTE = {CLUSTER: "clusters", ENDPOINT: "endpoints", LISTENER: "listeners", ROUTE: "routes"}
SHORT = {CLUSTER: "CDS", ENDPOINT: "EDS", LISTENER: "LDS", ROUTE: "RDS"}

# A subscription to this type depends on a push of the key type: after CDS is pushed Envoy
# re-requests EDS for clusters it is warming, after LDS it may re-request RDS.
DEPENDENT = {CLUSTER: ENDPOINT, LISTENER: ROUTE}


def short(type_url: str) -> str:
    return SHORT.get(type_url, type_url.rsplit("/", 1)[-1])
