"""The istioctl version gates of the proxy-config tables: the first minor release with each behaviour.

Learnt from istioctl/pkg/writer/envoy/configdump/*.go at each minor tag (see tables.py). They are
istioctl (client) behaviour, not istiod's, so they live beside the table writers.
"""
from __future__ import annotations

Version = tuple[int, int]

VHOST_COLUMN = 18          # routes table gains VHOST NAME
ADDRESSES_COLUMN = 18      # listeners: ADDRESS -> ADDRESSES, additional addresses joined (1.18.5+)
CONFIG_TYPE_NAMES = 19     # `pc all` prints NAME columns (cluster/, listener/, route/, endpoint/, secret/)
EDS_NAME_HEADER = 19       # eds table header ENDPOINT -> NAME; `pc all` prints endpoints
LISTENER_NAME_FIXED = 20   # 1.19 re-prefixed the listener name once per filter chain row
BOOTSTRAP_SUMMARY = 21     # `pc all` starts with Istio/Envoy versions
PATH_SEPARATED_PREFIX = 21 # MATCH shows PathPrefix:<p>
SUBSET_KEY_CUT = 21        # ParseSubsetKey rewritten with strings.Cut
EDS_MULTI_ADDRESS = 23     # eds rows join additional addresses (1.23 also de-duplicated them)
ANY_API_VERSION = 24       # VIRTUAL SERVICE column accepts any networking.istio.io version
SECRET_TRUST_DOMAIN = 25   # secret table gains TRUST DOMAIN when every item has one
GO_FIXED_XORSHIFT = 25     # built with Go >= 1.24, whose pdqsort breakPatterns uses xorshift 13/7/17
SECTION_HEADERS = 29       # `pc all --with-headers` (istioctl 1.29+)


def since(version: Version, minor: int) -> bool:
    return tuple(version) >= (1, minor)
