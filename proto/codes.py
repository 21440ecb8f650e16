"""Problem codes for findings about compiled xDS. Stable strings: tests and users match on them.

`istioctl analyze` codes are used where one means the same thing (IST0101: a referenced
resource does not exist). The MC01xx range is ours, for what only Envoy checks.
"""
from __future__ import annotations

# A route or TCP proxy names a cluster that is not in the output (istiod emits such routes;
# Envoy answers 503 NC at request time). Same meaning as istioctl analyze's ReferencedResourceNotFound.
MISSING_CLUSTER = "IST0101"

SCHEMA = "MC0101"           # Error: the resource does not load into its Envoy proto type
OPAQUE_ANY = "MC0102"       # Info: an Any of a type not in Envoy (Istio proxy extension), kept as-is
MISSING_ROUTE = "MC0103"    # Error: a listener's RDS name has no RouteConfiguration (listener never warms)
MISSING_ASSIGNMENT = "MC0104"  # Error: an EDS cluster has no ClusterLoadAssignment (cluster never warms)
DUPLICATE_NAME = "MC0105"   # Error: two resources of one type share a name (Envoy rejects the update)
CONSTRAINT = "MC0106"       # Error: a protoc-gen-validate rule in Envoy's protos is violated
BAD_REGEX = "MC0107"        # Error: a safe_regex that RE2 does not accept
REGEX_TOO_BIG = "MC0108"    # Error: RE2 program size above Envoy's limit (re2.max_program_size.error_level, 100)
DUPLICATE_DOMAIN = "MC0109"  # Error: a domain used twice in one RouteConfiguration
BAD_DURATION = "MC0110"     # Error: a negative or out-of-range google.protobuf.Duration
BAD_WEIGHTS = "MC0111"      # Error: weighted clusters whose weights Envoy refuses
FILTER_ORDER = "MC0112"     # Error: a terminal filter (router, tcp_proxy, HCM) not last, or a non-terminal last
FILTER_CHAIN_OVERLAP = "MC0113"  # Error: two filter chains of a listener match the same connections
HEADER_MUTATION = "MC0114"  # Error: adding, setting or removing a ':'-prefixed or host header
BAD_ADDRESS = "MC0115"      # Error: an EDS/STATIC endpoint whose address is not an IP
ENVOY_RULE = "MC0116"       # Error: another C++ load-time rule (maglev table size prime, listener address)
