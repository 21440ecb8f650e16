"""Checks shared by the per-kind webhook validators: hosts, ports, regexes, durations, exportTo."""
import ipaddress
import re
from functools import lru_cache
from typing import Iterable, Iterator

import re2

from ..diagnostics import INFO
from .duration import parse_duration_nanos
from .findings import Finding, Path, error

_LABEL = r"[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?"
_DNS_LABEL = re.compile(f"^{_LABEL}$")
_WILDCARD_LABEL = re.compile(rf"^(\*|(\*|\*-)?{_LABEL})$")
_LABEL_VALUE = re.compile(r"^((?:[A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_HEADER_NAME = re.compile(r"^[!#$%&'*+\-.^_`|~A-Za-z0-9]+$")
# protocol.Parse in istio/istio: these names, case-insensitively.
PROTOCOLS = {"HTTP", "HTTPS", "HTTP2", "HTTP_PROXY", "GRPC", "GRPC-WEB", "TCP", "TLS", "MONGO", "REDIS", "MYSQL", "UDP"}
_PSEUDO_HEADERS = {":method", ":scheme", ":authority", ":path", ":status"}

# istiod rejects regexes longer than 1024 characters. Envoy rejects a regex whose RE2 program is
# larger than the runtime key re2.max_program_size.error_level: 100 by default, but Istio's
# bootstrap sets it to 32768, so only that limit makes Envoy NACK an istiod-generated route.
MAX_REGEX_LENGTH = 1024
ENVOY_DEFAULT_MAX_PROGRAM_SIZE = 100
ISTIO_MAX_PROGRAM_SIZE = 32768

_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False  # otherwise RE2 prints every parse error on stderr


# The name checks below run on every host, label and port name of the mesh, where the same few
# strings recur (3x for hosts, 500x for labels on a generated mesh); they are pure functions of a str.
@lru_cache(maxsize=65536)
def is_dns1123_label(value: str) -> bool:
    return len(value) <= 63 and bool(_DNS_LABEL.match(value))


def is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def dns1123_labels_error(domain: str) -> str | None:
    parts = domain.split(".")
    if parts[-1].isdigit():
        return f'domain name "{domain}" invalid (top level domain "{parts[-1]}" cannot be all-numeric)'
    for i, label in enumerate(parts):
        if i == len(parts) - 1 and label == "":
            return None  # a trailing dot, as in "istio.io."
        if not is_dns1123_label(label):
            return f'domain name "{domain}" invalid (label "{label}" invalid)'
    return None


@lru_cache(maxsize=65536)
def wildcard_domain_error(domain: str) -> str | None:
    """None when `domain` is a DNS name whose first label may be a wildcard (`*`, `*.x`, `*-x.y`)."""
    if not domain:
        return "empty domain name not allowed"
    if len(domain) > 255:
        return f'domain name "{domain}" too long (max 255)'
    first, _, rest = domain.partition(".")
    if len(first) > 63 or not _WILDCARD_LABEL.match(first):
        return f'domain name "{domain}" invalid (label "{first}" invalid)'
    return dns1123_labels_error(rest) if rest else None


def check_port(path: Path, number: int | None) -> Iterator[Finding]:
    if number is not None and not 1 <= number <= 65535:
        yield error(path, f"port number {number} must be in the range 1..65535")


def check_duration_ms(path: Path, text: str | None) -> Iterator[Finding]:
    """The webhook's ValidateDuration: at least 1ms (the model checked that) and whole milliseconds."""
    if text is not None and parse_duration_nanos(text) % 1_000_000:
        yield error(path, f"duration {text!r}: only durations to ms precision are supported")


def check_regex(path: Path, pattern: str, where: str) -> Iterator[Finding]:
    if pattern == "":
        yield error(path, f'"{where}": regex string match should not be empty')
        return
    if len(pattern) > MAX_REGEX_LENGTH:
        yield error(path, f'"{where}": regex is too large, max length allowed is {MAX_REGEX_LENGTH}')
        return
    try:
        size = re2.compile(pattern, options=_RE2_OPTIONS).programsize
    except re2.error as exc:
        reason = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        yield error(path, f'"{where}": invalid regex {pattern!r}: {reason}; Istio uses RE2 syntax')
        return
    if size > ISTIO_MAX_PROGRAM_SIZE:
        yield error(path, f'"{where}": regex program size {size} exceeds Envoy\'s limit {ISTIO_MAX_PROGRAM_SIZE}; '
                          "Envoy would reject the route")
    elif size > ENVOY_DEFAULT_MAX_PROGRAM_SIZE:
        yield Finding(path, f'"{where}": regex program size {size} exceeds Envoy\'s default limit '
                            f"{ENVOY_DEFAULT_MAX_PROGRAM_SIZE}; accepted because Istio's bootstrap raises it "
                            f"to {ISTIO_MAX_PROGRAM_SIZE}", INFO)


def check_string_match(path: Path, match, where: str, allow_empty_prefix: bool = False) -> Iterator[Finding]:
    """istiod's validateStringMatch: no empty prefix (except uri), a valid non-empty regex."""
    if match is None:
        return
    if match.prefix == "" and not allow_empty_prefix:
        yield error(path + ("prefix",), f'"{where}": prefix string match should not be empty')
    if match.regex is not None:
        yield from check_regex(path + ("regex",), match.regex, where)


def check_header_name(path: Path, name: str) -> Iterator[Finding]:
    """Header names in matches: an RFC 7230 token, a pseudo-header, or a JWT claim key."""
    if name == "":
        yield error(path, "header name cannot be empty")
    elif not (name.startswith("@request.auth.claims") or name in _PSEUDO_HEADERS or _HEADER_NAME.match(name)):
        yield error(path, f"header name {name} is not a valid header name")


def check_labels(path: Path, labels: dict[str, str]) -> Iterator[Finding]:
    for key, value in labels.items():
        if not _LABEL_VALUE.match(value) or len(value) > 63:
            yield error(path + (key,), f"invalid label value: {value!r}")


def check_export_to(path: Path, export_to: list[str], namespace: str, service_entry: bool = False) -> Iterator[Finding]:
    seen: set[str] = set()
    for i, entry in enumerate(export_to):
        key = namespace if entry == "." else entry
        if key in seen:
            yield error(path + (i,), f"duplicate entries in exportTo: {entry}")
            continue
        seen.add(key)
        if entry == "~" and not service_entry:
            yield error(path + (i,), "exportTo ~ (none) is not allowed for Istio configuration objects")
        elif entry not in (".", "*", "~") and not is_dns1123_label(entry):
            yield error(path + (i,), "only ., *, or a valid DNS 1123 label is allowed as exportTo entry")
    if "*" in export_to and len(export_to) > 1:
        yield error(path, "cannot have both public (*) and non-public exportTo values for a resource")
    if "~" in export_to and len(export_to) > 1:
        yield error(path, "cannot export service entry to no one (~) and someone")


def check_subset_name(path: Path, name: str) -> Iterator[Finding]:
    if name == "":
        yield error(path, "subset name cannot be empty")
    elif not is_dns1123_label(name):
        yield error(path, f"subset name is invalid: {name}")


def check_percentage(path: Path, percent) -> Iterator[Finding]:
    """Percent messages: 0, or 0.0001..100."""
    value = percent.value if percent is not None else None
    if value is not None and (value < 0 or value > 100 or 0 < value < 0.0001):
        yield error(path + ("value",), f"percentage {value} is neither 0.0, nor in range [0.0001, 100.0]")


def host_matches(a: str, b: str) -> bool:
    """Istio host.Name.Matches: equal, or one wildcard host covers the other."""
    if a.startswith("*") and b.startswith("*"):
        return b[1:].endswith(a[1:]) or a[1:].endswith(b[1:])
    if a.startswith("*"):
        return b.endswith(a[1:])
    if b.startswith("*"):
        return a.endswith(b[1:])
    return a == b


def host_subset_of(a: str, b: str) -> bool:
    """Every name `a` matches is also matched by `b`."""
    if b.startswith("*"):
        return a.endswith(b[1:])
    return not a.startswith("*") and a == b


def chain(*groups: Iterable[Finding]) -> Iterator[Finding]:
    for group in groups:
        yield from group

