"""Retry policies (pilot/pkg/networking/core/route/retry/retry.go; facts 1.7 and 2.7)."""
from __future__ import annotations

from typing import Any

from mesh_compile.model.duration import parse_duration, to_proto_duration
from mesh_compile.versions import Behaviour

DEFAULT_RETRY_ON = "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes"
PREVIOUS_HOSTS = {
    "name": "envoy.retry_host_predicates.previous_hosts",
    "typedConfig": {"@type": "type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate"},
}


def default_policy(b: Behaviour, *, hash_based: bool = False) -> dict:
    policy: dict[str, Any] = {"retryOn": DEFAULT_RETRY_ON, "numRetries": 2}
    if not (hash_based and b.hash_drops_retry_predicate):
        policy["retryHostPredicate"] = [PREVIOUS_HOSTS]
    policy["hostSelectionRetryMaxAttempts"] = "5"
    if not b.no_default_retry_503:
        policy["retriableStatusCodes"] = [503]
    return policy


def convert_policy(retries: Any, b: Behaviour, *, hash_based: bool = False) -> dict | None:
    """VS `retries` (or the mesh defaultHttpRetryPolicy) -> RetryPolicy; None means no retryPolicy."""
    if retries is None:
        return default_policy(b, hash_based=hash_based)
    attempts = getattr(retries, "attempts", None) or 0
    if attempts <= 0:
        return None
    base = default_policy(b, hash_based=hash_based)
    retry_on, codes = base["retryOn"], base.get("retriableStatusCodes")
    if getattr(retries, "retryOn", None):
        retry_on, codes = _parse_retry_on(retries.retryOn)
        if codes and "retriable-status-codes" not in retry_on:
            retry_on += ",retriable-status-codes"
    out: dict[str, Any] = {"retryOn": retry_on, "numRetries": attempts}
    if getattr(retries, "perTryTimeout", None):
        out["perTryTimeout"] = to_proto_duration(parse_duration(retries.perTryTimeout))
    if getattr(retries, "retryRemoteLocalities", None):
        out["retryPriority"] = {
            "name": "envoy.retry_priorities.previous_priorities",
            "typedConfig": {
                "@type": "type.googleapis.com/envoy.extensions.retry.priority.previous_priorities.v3.PreviousPrioritiesConfig",
                "updateFrequency": 2,
            },
        }
    predicate = "retryHostPredicate" in base
    ignore_prev = getattr(retries, "retryIgnorePreviousHosts", None)
    if b.retry_backoff_and_ignore_hosts and ignore_prev is not None:
        predicate = bool(ignore_prev)
    if predicate:
        out["retryHostPredicate"] = [PREVIOUS_HOSTS]
    out["hostSelectionRetryMaxAttempts"] = "5"
    if codes:
        out["retriableStatusCodes"] = codes
    backoff = getattr(retries, "backoff", None)
    if b.retry_backoff_and_ignore_hosts and backoff:
        out["retryBackOff"] = {"baseInterval": to_proto_duration(parse_duration(backoff))}
    return out


# The codes Go's net/http StatusText knows: parseRetryOn treats only these numbers as status codes
# and keeps any other number as a retryOn word.
_KNOWN_STATUS = frozenset(
    [100, 101, 102, 103, 200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305,
     307, 308, 421, 422, 423, 424, 425, 426, 428, 429, 431, 451, 500, 501, 502, 503, 504, 505, 506, 507,
     508, 510, 511] + list(range(400, 419))
)


def _parse_retry_on(text: str) -> tuple[str, list[int]]:
    """retry.go parseRetryOn: split on `,`, trim, known HTTP status numbers become retriable codes."""
    words, codes = [], []
    for token in text.split(","):
        token = token.strip()
        if not token:
            continue
        if _as_status(token) in _KNOWN_STATUS:
            codes.append(int(token))
        else:
            words.append(token)
    return ",".join(words), codes


def _as_status(token: str) -> int | None:
    """strconv.Atoi: an optional sign and ASCII digits."""
    body = token[1:] if token[:1] in "+-" else token
    return int(token) if body.isascii() and body.isdigit() else None
