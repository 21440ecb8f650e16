"""The text tables `istioctl proxy-config ... -o short` prints, for istioctl 1.17 to 1.30.

Inputs are plain dicts in istioctl's camelCase JSON form (Cluster, RouteConfiguration, Listener,
ClusterLoadAssignment, admin ClusterStatus). The rules were learnt from istioctl's writers
(istioctl/pkg/writer/envoy/configdump/{cluster,route,listener,endpoint}.go,
istioctl/pkg/writer/envoy/clusters/clusters.go, istioctl/pkg/writer/compare/sds/writer.go) at every
minor tag from 1.17 to 1.30, taking the last patch release of each minor as its behaviour.

Byte parity needs three pieces of Go emulated here:
* text/tabwriter (column blocks, padding, trailing spaces),
* sort.Slice, i.e. Go's pattern-defeating quicksort: istioctl's route comparator is not a strict
  weak order (non-numeric names compare "equal" to everything) and its listener-chain sort is not
  stable, so the printed order depends on the exact algorithm, not only on the keys;
* model.ParseSubsetKey, which changed in 1.21.
"""
from __future__ import annotations

import re
from typing import Any, Callable, Iterable, Sequence, TypeVar

Version = tuple[int, int]
T = TypeVar("T")


class NothingToShow(ValueError):
    """istioctl refuses to print a table when the dump has no resources of that kind.

    The message is istioctl's own ("no clusters found", ...); the CLI reports it as a Problem.
    """


# ---------------------------------------------------------------------------------------------
# Version gates. Each constant is the first minor release whose istioctl has the behaviour.
# ---------------------------------------------------------------------------------------------
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


def _since(version: Version, minor: int) -> bool:
    return tuple(version) >= (1, minor)


# ---------------------------------------------------------------------------------------------
# Go text/tabwriter with pad char ' ' and flags 0.
# ---------------------------------------------------------------------------------------------
def tabwrite(text: str, padding: int, minwidth: int = 0) -> str:
    """What Go's tabwriter.Writer(minwidth, tabwidth, padding, ' ', 0) writes for `text`.

    Cells end with a tab; the text after the last tab of a line is not part of any column. A column
    is sized per *block* of consecutive lines that have that column (Go's format()), and a line with
    no tab flushes everything before it.
    """
    out: list[str] = []
    segment: list[tuple[list[str], bool]] = []
    raw_lines = text.split("\n")
    for index, raw in enumerate(raw_lines):
        newline = index < len(raw_lines) - 1
        if not newline and raw == "":
            break
        cells = raw.split("\t")
        segment.append((cells, newline))
        if newline and len(cells) == 1:
            _format_lines(segment, 0, len(segment), [], out, padding, minwidth)
            segment = []
    _format_lines(segment, 0, len(segment), [], out, padding, minwidth)
    return "".join(out)


def _format_lines(lines: list[tuple[list[str], bool]], line0: int, line1: int, widths: list[int],
                  out: list[str], padding: int, minwidth: int) -> None:
    column = len(widths)
    this = line0
    while this < line1:
        if column >= len(lines[this][0]) - 1:
            this += 1
            continue
        _write_lines(lines, line0, this, widths, out)
        line0 = this
        width = minwidth
        while this < line1 and column < len(lines[this][0]) - 1:
            width = max(width, len(lines[this][0][column]) + padding)
            this += 1
        widths.append(width)
        _format_lines(lines, line0, this, widths, out, padding, minwidth)
        widths.pop()
        line0 = this
        this += 1    # Go's for-loop step; that line lacks the column, so skipping it is harmless
    _write_lines(lines, line0, line1, widths, out)


def _write_lines(lines: list[tuple[list[str], bool]], line0: int, line1: int, widths: list[int],
                 out: list[str]) -> None:
    for cells, newline in lines[line0:line1]:
        for j, cell in enumerate(cells):
            out.append(cell)
            if j < len(widths):
                out.append(" " * (widths[j] - len(cell)))
        if newline:
            out.append("\n")


# ---------------------------------------------------------------------------------------------
# Go sort.Slice (pdqsort, Go >= 1.19). `less` gets two elements, like istioctl's closures.
# ---------------------------------------------------------------------------------------------
_MASK64 = (1 << 64) - 1


class _GoSort:
    """One sort.Slice call. Written after the algorithm in Go's sort/zsortfunc.go."""

    def __init__(self, data: list, less: Callable[[Any, Any], bool], fixed_xorshift: bool):
        self.data = data
        self.less_values = less
        self.shifts = (13, 7, 17) if fixed_xorshift else (13, 17, 5)

    def less(self, i: int, j: int) -> bool:
        return bool(self.less_values(self.data[i], self.data[j]))

    def swap(self, i: int, j: int) -> None:
        self.data[i], self.data[j] = self.data[j], self.data[i]

    def run(self) -> None:
        n = len(self.data)
        self.pdqsort(0, n, n.bit_length())

    def insertion_sort(self, a: int, b: int) -> None:
        for i in range(a + 1, b):
            j = i
            while j > a and self.less(j, j - 1):
                self.swap(j, j - 1)
                j -= 1

    def sift_down(self, lo: int, hi: int, first: int) -> None:
        root = lo
        while True:
            child = 2 * root + 1
            if child >= hi:
                return
            if child + 1 < hi and self.less(first + child, first + child + 1):
                child += 1
            if not self.less(first + root, first + child):
                return
            self.swap(first + root, first + child)
            root = child

    def heap_sort(self, a: int, b: int) -> None:
        hi = b - a
        for i in range((hi - 1) // 2, -1, -1):
            self.sift_down(i, hi, a)
        for i in range(hi - 1, -1, -1):
            self.swap(a, a + i)
            self.sift_down(0, i, a)

    def pdqsort(self, a: int, b: int, limit: int) -> None:
        was_balanced, was_partitioned = True, True
        while True:
            length = b - a
            if length <= 12:
                self.insertion_sort(a, b)
                return
            if limit == 0:
                self.heap_sort(a, b)
                return
            if not was_balanced:
                self.break_patterns(a, b)
                limit -= 1
            pivot, hint = self.choose_pivot(a, b)
            if hint == "decreasing":
                self.reverse_range(a, b)
                pivot = (b - 1) - (pivot - a)
                hint = "increasing"
            if was_balanced and was_partitioned and hint == "increasing":
                if self.partial_insertion_sort(a, b):
                    return
            if a > 0 and not self.less(a - 1, pivot):
                a = self.partition_equal(a, b, pivot)
                continue
            mid, was_partitioned = self.partition(a, b, pivot)
            left, right = mid - a, b - mid
            threshold = length // 8
            if left < right:
                was_balanced = left >= threshold
                self.pdqsort(a, mid, limit)
                a = mid + 1
            else:
                was_balanced = right >= threshold
                self.pdqsort(mid + 1, b, limit)
                b = mid

    def partition(self, a: int, b: int, pivot: int) -> tuple[int, bool]:
        self.swap(a, pivot)
        i, j = a + 1, b - 1
        while i <= j and self.less(i, a):
            i += 1
        while i <= j and not self.less(j, a):
            j -= 1
        if i > j:
            self.swap(j, a)
            return j, True
        self.swap(i, j)
        i, j = i + 1, j - 1
        while True:
            while i <= j and self.less(i, a):
                i += 1
            while i <= j and not self.less(j, a):
                j -= 1
            if i > j:
                break
            self.swap(i, j)
            i, j = i + 1, j - 1
        self.swap(j, a)
        return j, False

    def partition_equal(self, a: int, b: int, pivot: int) -> int:
        self.swap(a, pivot)
        i, j = a + 1, b - 1
        while True:
            while i <= j and not self.less(a, i):
                i += 1
            while i <= j and self.less(a, j):
                j -= 1
            if i > j:
                return i
            self.swap(i, j)
            i, j = i + 1, j - 1

    def partial_insertion_sort(self, a: int, b: int) -> bool:
        i = a + 1
        for _ in range(5):
            while i < b and not self.less(i, i - 1):
                i += 1
            if i == b:
                return True
            if b - a < 50:
                return False
            self.swap(i, i - 1)
            if i - a >= 2:
                j = i - 1
                while j >= 1 and self.less(j, j - 1):    # Go bounds this by 1, not a+1
                    self.swap(j, j - 1)
                    j -= 1
            if b - i >= 2:
                j = i + 1
                while j < b and self.less(j, j - 1):
                    self.swap(j, j - 1)
                    j += 1
        return False

    def break_patterns(self, a: int, b: int) -> None:
        length = b - a
        if length < 8:
            return
        state = length
        modulus = 1 << length.bit_length()
        s1, s2, s3 = self.shifts
        start = a + (length // 4) * 2 - 1
        for idx in range(start, start + 3):
            state ^= (state << s1) & _MASK64
            state ^= state >> s2
            state ^= (state << s3) & _MASK64
            other = state & (modulus - 1)
            if other >= length:
                other -= length
            self.swap(idx, a + other)

    def choose_pivot(self, a: int, b: int) -> tuple[int, str]:
        size = b - a
        swaps = [0]
        i, j, k = a + size // 4, a + size // 4 * 2, a + size // 4 * 3
        if size >= 8:
            if size >= 50:
                i = self.median(i - 1, i, i + 1, swaps)
                j = self.median(j - 1, j, j + 1, swaps)
                k = self.median(k - 1, k, k + 1, swaps)
            j = self.median(i, j, k, swaps)
        if swaps[0] == 0:
            return j, "increasing"
        if swaps[0] == 12:
            return j, "decreasing"
        return j, "unknown"

    def median(self, a: int, b: int, c: int, swaps: list[int]) -> int:
        a, b = self.order2(a, b, swaps)
        b, c = self.order2(b, c, swaps)
        a, b = self.order2(a, b, swaps)
        return b

    def order2(self, a: int, b: int, swaps: list[int]) -> tuple[int, int]:
        if self.less(b, a):
            swaps[0] += 1
            return b, a
        return a, b

    def reverse_range(self, a: int, b: int) -> None:
        i, j = a, b - 1
        while i < j:
            self.swap(i, j)
            i, j = i + 1, j - 1


def go_sort_slice(items: Sequence[T], less: Callable[[T, T], bool], version: Version = (1, 30)) -> list[T]:
    """A sorted copy of `items`, element for element what Go's sort.Slice leaves in istioctl."""
    data = list(items)
    _GoSort(data, less, _since(version, GO_FIXED_XORSHIFT)).run()
    return data


# ---------------------------------------------------------------------------------------------
# model.ParseSubsetKey and the comparator istioctl sorts clusters and endpoints with.
# ---------------------------------------------------------------------------------------------
def _go_atoi(text: str) -> int:
    """strconv.Atoi with its error ignored: 0 for bad input, clamped to int64 when out of range."""
    if not re.fullmatch(r"[+-]?[0-9]+", text):
        return 0
    value = int(text)
    return max(-(1 << 63), min(value, (1 << 63) - 1))


def parse_subset_key(name: str, version: Version = (1, 30)) -> tuple[str, str, str, int]:
    """(direction, subset, hostname, port) from `dir|port|subset|host`, as model.ParseSubsetKey."""
    srv = name.startswith("outbound_") or name.startswith("inbound_")
    if not _since(version, SUBSET_KEY_CUT):
        parts = name.split(".", 3) if srv else name.split("|")
        if len(parts) < 4:
            return "", "", "", 0
        subset = parts[2][:-1] if srv and parts[2].endswith("_") else parts[2]
        direction = parts[0][:-1] if parts[0].endswith("_") else parts[0]
        port_text = parts[1][:-1] if parts[1].endswith("_") else parts[1]
        return direction, subset, parts[3], _go_atoi(port_text)
    sep = "_." if srv else "|"
    pieces = name.split(sep, 3)
    if len(pieces) < 2:
        return "", "", "", 0
    direction = pieces[0]
    if len(pieces) < 3:
        return direction, "", "", 0
    port = _go_atoi(pieces[1])
    if len(pieces) < 4:
        return direction, "", "", port
    host = "" if sep in pieces[3] else pieces[3]
    return direction, pieces[2], host, port


def _safe_subset_key(name: str, version: Version) -> tuple[str, str, str, int]:
    if len(name.split("|")) > 3:
        return parse_subset_key(name, version)
    return "", "", name, 0


def _subset_key_less(version: Version) -> Callable[[str, str], bool]:
    """hostname, then subset, then port, then direction (cluster.go retrieveSortedClusterSlice)."""
    def less(a: str, b: str) -> bool:
        a_dir, a_subset, a_host, a_port = _safe_subset_key(a, version)
        b_dir, b_subset, b_host, b_port = _safe_subset_key(b, version)
        if a_host != b_host:
            return a_host < b_host
        if a_subset != b_subset:
            return a_subset < b_subset
        if a_port != b_port:
            return a_port < b_port
        return a_dir < b_dir
    return less


# ---------------------------------------------------------------------------------------------
# -o json ordering (facts section 0) and istioctl's filters.
# ---------------------------------------------------------------------------------------------
def sort_clusters(clusters: Iterable[dict], version: Version = (1, 30)) -> list[dict]:
    """Dynamic and static clusters in the order `istioctl pc cluster` prints them (table and JSON)."""
    less = _subset_key_less(version)
    return go_sort_slice(list(clusters), lambda a, b: less(a.get("name", ""), b.get("name", "")), version)


def _route_name_less(a: dict, b: dict) -> bool:
    a_num, b_num = _go_strict_int(a.get("name", "")), _go_strict_int(b.get("name", ""))
    if a_num is None or b_num is None:
        return False
    return a_num < b_num


def _go_strict_int(text: str) -> int | None:
    """strconv.Atoi success, or None on any error (out of range included)."""
    if not re.fullmatch(r"[+-]?[0-9]+", text):
        return None
    value = int(text)
    return value if -(1 << 63) <= value < (1 << 63) else None


def sort_route_configs(route_configs: Iterable[dict], version: Version = (1, 30)) -> list[dict]:
    """Route configs as `istioctl pc routes` orders them. Give dynamic configs first, then static.

    Only names that parse as integers are compared; every other pair is "equal", so where those
    names end up is whatever Go's pdqsort does with them (usually: where Envoy listed them).
    """
    return go_sort_slice(list(route_configs), _route_name_less, version)


def sort_endpoint_configs(assignments: Iterable[dict], version: Version = (1, 30)) -> list[dict]:
    """ClusterLoadAssignments in `istioctl pc eds` / `pc all` order (same key as clusters)."""
    less = _subset_key_less(version)
    return go_sort_slice(list(assignments),
                         lambda a, b: less(a.get("clusterName", ""), b.get("clusterName", "")), version)


def filter_clusters(clusters: Iterable[dict], *, fqdn: str = "", port: int = 0, subset: str = "",
                    direction: str = "") -> list[dict]:
    """istioctl's ClusterFilter: plain substring tests on the cluster name, `|port|` for the port."""
    def keep(name: str) -> bool:
        if fqdn and fqdn not in name:
            return False
        if direction and direction not in name:
            return False
        if subset and subset not in name:
            return False
        return not port or f"|{port}|" in name
    return [c for c in clusters if keep(c.get("name", ""))]


def filter_route_configs(route_configs: Iterable[dict], *, name: str = "") -> list[dict]:
    return [r for r in route_configs if not name or r.get("name", "") == name]


def filter_listeners(listeners: Iterable[dict], *, address: str = "", port: int = 0, listener_type: str = "",
                     version: Version = (1, 30)) -> list[dict]:
    """istioctl's ListenerFilter: address (any of them, case-insensitive), port, HTTP/TCP type."""
    def keep(listener: dict) -> bool:
        if address:
            candidates = [_listener_address(listener)]
            if _since(version, ADDRESSES_COLUMN):
                candidates += _listener_additional_addresses(listener)
            if not any(a.lower() == address.lower() for a in candidates):
                return False
        if port and _listener_port(listener) != port:
            return False
        return not listener_type or _listener_type(listener).lower() == listener_type.lower()
    return [lis for lis in listeners if keep(lis)]


# ---------------------------------------------------------------------------------------------
# Shared cell renderers.
# ---------------------------------------------------------------------------------------------
def dig(value: Any, *keys: str) -> Any:
    """value[k1][k2]..., None as soon as a level is missing or not a mapping."""
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _uint(value: Any) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    if isinstance(value, dict):        # a wrapper written out as {"value": n}
        return _uint(value.get("value"))
    return 0


_CLUSTER_TYPES = ("STATIC", "STRICT_DNS", "LOGICAL_DNS", "EDS", "ORIGINAL_DST")
_HEALTH_STATUSES = ("UNKNOWN", "HEALTHY", "UNHEALTHY", "DRAINING", "TIMEOUT", "DEGRADED")


def _enum_name(value: Any, names: tuple[str, ...]) -> str:
    """proto enum String(): absent means the first value; unknown numbers print as the number."""
    if value is None:
        return names[0]
    if isinstance(value, int) and not isinstance(value, bool):
        return names[value] if 0 <= value < len(names) else str(value)
    return str(value)


def describe_management(metadata: Any, version: Version) -> str:
    """`<name>.<namespace>` of the Istio config that produced a route or cluster."""
    if not isinstance(metadata, dict):
        return ""
    istio = dig(metadata, "filterMetadata", "istio")
    if not isinstance(istio, dict) or "config" not in istio:
        return ""
    path = _text(istio["config"])
    prefix = "/apis/networking.istio.io/" if _since(version, ANY_API_VERSION) else \
        "/apis/networking.istio.io/v1alpha3/namespaces/"
    if not path.startswith(prefix):
        return "<unknown>"
    pieces = path.split("/")
    return f"{pieces[7]}.{pieces[5]}" if len(pieces) == 8 else ""


def describe_match(match: Any, version: Version) -> str:
    """The MATCH cell: prefix*, PathPrefix:p, exact path, regex r. Headers are not shown."""
    match = match if isinstance(match, dict) else {}
    conds = []
    if _text(match.get("prefix")):
        conds.append(f"{match['prefix']}*")
    if _since(version, PATH_SEPARATED_PREFIX) and _text(match.get("pathSeparatedPrefix")):
        conds.append(f"PathPrefix:{match['pathSeparatedPrefix']}")
    if _text(match.get("path")):
        conds.append(match["path"])
    if isinstance(match.get("safeRegex"), dict):
        conds.append(f"regex {_text(match['safeRegex'].get('regex'))}")
    return " ".join(conds)


def describe_route_domains(domains: Sequence[str]) -> str:
    """The DOMAINS cell: port-less domains, short forms preferred, first two then `+ N more...`."""
    if not domains:
        return ""
    if len(domains) == 1:
        return domains[0]
    kept = [d for d in domains if ":" not in d or (d.count(":") > 2 and d.endswith("]"))]
    kept = _unexpand_domains(kept)
    if len(kept) > 2:
        return f"{', '.join(kept[:2])} + {len(kept) - 2} more..."
    return ", ".join(kept)


def _unexpand_domains(domains: list[str]) -> list[str]:
    present = set(domains)
    drop = set()
    for domain in domains:
        for suffix in (".svc.cluster.local", ".svc"):
            stripped = domain[: -len(suffix)] if domain.endswith(suffix) else domain
            if stripped != domain and stripped in present:
                drop.add(domain)
    return [d for d in domains if d not in drop]


def _row(*cells: Any) -> str:
    return "\t".join(str(c) for c in cells) + "\n"


# ---------------------------------------------------------------------------------------------
# pc cluster
# ---------------------------------------------------------------------------------------------
def clusters_table(clusters: list[dict], version: Version, *, with_name_column: bool = False) -> str:
    """`istioctl pc cluster` (with_name_column: the `pc all` layout with `cluster/<name>`)."""
    if not clusters:
        raise NothingToShow("no clusters found")
    text = ("NAME\t" if with_name_column else "") + "SERVICE FQDN\tPORT\tSUBSET\tDIRECTION\tTYPE\tDESTINATION RULE\n"
    for cluster in sort_clusters(clusters, version):
        text += _cluster_row(cluster, version, with_name_column)
    return tabwrite(text, padding=5)


def _cluster_row(cluster: dict, version: Version, with_name_column: bool) -> str:
    name = _text(cluster.get("name"))
    ctype = _enum_name(cluster.get("type"), _CLUSTER_TYPES)
    rule = describe_management(cluster.get("metadata"), version)
    if len(name.split("|")) > 3:
        direction, subset, fqdn, port = parse_subset_key(name, version)
        subset = subset or "-"
        if with_name_column:
            return _row(f"cluster/{name}", fqdn, port, subset, direction, ctype, rule)
        return _row(fqdn, port, subset, direction, ctype, rule)
    if with_name_column and name:
        return _row(f"cluster/{name}", f"cluster/{name}", "-", "-", "-", ctype, rule)
    return _row(name, "-", "-", "-", ctype, rule)


# ---------------------------------------------------------------------------------------------
# pc routes
# ---------------------------------------------------------------------------------------------
def routes_table(route_configs: list[dict], version: Version, *, verbose: bool = True,
                 with_type_prefix: bool = False) -> str:
    """`istioctl pc routes`. Give dynamic route configs first, then static ones (Envoy's order)."""
    if not route_configs:
        raise NothingToShow("no routes found")
    with_vhost = _since(version, VHOST_COLUMN)
    if not verbose:
        text = "NAME\tVIRTUAL HOSTS\n"
    else:
        text = "NAME\tVHOST NAME\tDOMAINS\tMATCH\tVIRTUAL SERVICE\n" if with_vhost else \
            "NAME\tDOMAINS\tMATCH\tVIRTUAL SERVICE\n"
    for config in sort_route_configs(route_configs, version):
        name = _text(config.get("name"))
        name = f"route/{name}" if with_type_prefix else name
        vhosts = [v for v in config.get("virtualHosts") or [] if isinstance(v, dict)]
        if not verbose:
            text += _row(name, len(vhosts))
            continue
        for vhost in vhosts:
            text += _vhost_rows(name, vhost, version, with_vhost)
    return tabwrite(text, padding=5)


def _vhost_rows(name: str, vhost: dict, version: Version, with_vhost: bool) -> str:
    lead = [name, _text(vhost.get("name"))] if with_vhost else [name]
    domains = describe_route_domains([d for d in vhost.get("domains") or [] if isinstance(d, str)])
    routes = [r for r in vhost.get("routes") or [] if isinstance(r, dict)]
    text = ""
    for route in routes:
        if not _is_passthrough(route):
            text += _row(*lead, domains, describe_match(route.get("match"), version),
                         describe_management(route.get("metadata"), version))
    if not routes:
        text += _row(*lead, domains, "/*", "404")
    return text


def _is_passthrough(route: dict) -> bool:
    return dig(route, "route", "cluster") == "PassthroughCluster"


# ---------------------------------------------------------------------------------------------
# pc listeners
# ---------------------------------------------------------------------------------------------
HTTP_CONNECTION_MANAGER = "envoy.filters.network.http_connection_manager"
TCP_PROXY = "envoy.filters.network.tcp_proxy"
BLACK_HOLE_CLUSTER = "BlackHoleCluster"

_APP_PROTOCOL_NAMES = {
    ("http/1.0", "http/1.1", "h2c", "istio-http/1.0", "istio-http/1.1", "istio-h2"): "App: HTTP TLS",
    ("istio", "istio-http/1.0", "istio-http/1.1", "istio-h2"): "App: Istio HTTP Plain",
    ("istio-peer-exchange", "istio"): "App: TCP TLS",
    ("http/1.0", "http/1.1", "h2c"): "App: HTTP",
}


def listeners_table(listeners: list[dict], version: Version, *, verbose: bool = True,
                    with_type_prefix: bool = False) -> str:
    """`istioctl pc listeners`: sorted by port, address, type; one row per filter chain."""
    if not listeners:
        raise NothingToShow("no listeners found")
    ordered = go_sort_slice(listeners, _listener_less, version)
    header = "ADDRESSES\tPORT" if _since(version, ADDRESSES_COLUMN) else "ADDRESS\tPORT"
    header = ("NAME\t" + header) if with_type_prefix else header
    text = header + ("\tMATCH\tDESTINATION\n" if verbose else "\tTYPE\n")
    for listener in ordered:
        text += _listener_rows(listener, version, verbose, with_type_prefix)
    return tabwrite(text, padding=1)


def _listener_less(a: dict, b: dict) -> bool:
    if _listener_port(a) != _listener_port(b):
        return _listener_port(a) < _listener_port(b)
    if _listener_address(a) != _listener_address(b):
        return _listener_address(a) < _listener_address(b)
    return _listener_type(a) < _listener_type(b)


def _listener_rows(listener: dict, version: Version, verbose: bool, with_type_prefix: bool) -> str:
    addresses = [_listener_address(listener)]
    if _since(version, ADDRESSES_COLUMN):
        addresses += _listener_additional_addresses(listener)
    lead = [",".join(addresses), _listener_port(listener)]
    name = _text(listener.get("name"))
    if not verbose:
        return _row(*([f"listener/{name}"] if with_type_prefix else []), *lead, _listener_type(listener))
    chains = [(describe_chain_match(fc.get("filterChainMatch")), _filter_type(fc.get("filters"), version))
              for fc in _filter_chains(listener)]
    chains = go_sort_slice(chains, lambda a, b: a[1] > b[1], version)
    text = ""
    for match, destination in chains:
        if with_type_prefix and _since(version, LISTENER_NAME_FIXED):
            text += _row(f"listener/{name}", *lead, match, destination)
        elif with_type_prefix:
            # 1.19 assigned the prefixed name back to the listener: every row adds one more prefix.
            name = f"listener/{name}"
            text += _row(name, *lead, match, destination)
        else:
            text += _row(*lead, match, destination)
    return text


def _listener_port(listener: dict) -> int:
    return _uint(dig(listener, "address", "socketAddress", "portValue"))


def _listener_address(listener: dict) -> str:
    address = listener.get("address")
    if isinstance(dig(address, "socketAddress"), dict):
        return _text(address["socketAddress"].get("address"))
    if isinstance(dig(address, "pipe"), dict):
        return _text(address["pipe"].get("path"))
    return ""


def _listener_additional_addresses(listener: dict) -> list[str]:
    return [_text(dig(extra, "address", "socketAddress", "address"))
            for extra in listener.get("additionalAddresses") or []]


def _filter_chains(listener: dict) -> list[dict]:
    chains = [fc for fc in listener.get("filterChains") or [] if isinstance(fc, dict)]
    if isinstance(listener.get("defaultFilterChain"), dict):
        chains.append(listener["defaultFilterChain"])
    return chains


def _mentions(value: Any, needle: str) -> bool:
    """Whether a string inside a typed config contains `needle` (istioctl greps the raw proto bytes)."""
    if isinstance(value, str):
        return needle in value
    if isinstance(value, dict):
        return any(needle in k or _mentions(v, needle) for k, v in value.items())
    if isinstance(value, list):
        return any(_mentions(v, needle) for v in value)
    return False


def _listener_type(listener: dict) -> str:
    """HTTP, TCP, HTTP+TCP or UNKNOWN; TCP proxies to the BlackHoleCluster do not count."""
    n_http = n_tcp = 0
    for chain in _filter_chains(listener):
        for item in chain.get("filters") or []:
            name = dig(item, "name")
            if name == HTTP_CONNECTION_MANAGER:
                n_http += 1
            elif name == TCP_PROXY and not _mentions(item.get("typedConfig"), BLACK_HOLE_CLUSTER):
                n_tcp += 1
    if n_http:
        return "HTTP+TCP" if n_tcp else "HTTP"
    return "TCP" if n_tcp else "UNKNOWN"


def describe_chain_match(match: Any) -> str:
    """The MATCH cell of a filter chain: SNI, transport, ALPN, destination address/port, or ALL."""
    match = match if isinstance(match, dict) else {}
    descrs = []
    if match.get("serverNames"):
        descrs.append(f"SNI: {','.join(match['serverNames'])}")
    if _text(match.get("transportProtocol")):
        descrs.append(f"Trans: {match['transportProtocol']}")
    alpn = match.get("applicationProtocols") or []
    if alpn:
        descrs.append(_APP_PROTOCOL_NAMES.get(tuple(alpn), f"App: {','.join(alpn)}"))
    port = f":{_uint(match['destinationPort'])}" if "destinationPort" in match else ""
    ranges = match.get("prefixRanges") or []
    if ranges:
        cidrs = [f"{_text(r.get('addressPrefix'))}/{_uint(r.get('prefixLen'))}" for r in ranges]
        descrs.append(f"Addr: {','.join(cidrs)}{port}")
    elif port:
        descrs.append(f"Addr: *{port}")
    return "; ".join(descrs) if descrs else "ALL"


def _filter_type(filters: Any, version: Version) -> str:
    """The DESTINATION cell: the route or cluster the chain's first HTTP/TCP filter sends to."""
    for item in filters or []:
        name = dig(item, "name")
        config = item.get("typedConfig") if isinstance(item, dict) else None
        config = config if isinstance(config, dict) else {}
        if name == HTTP_CONNECTION_MANAGER:
            if isinstance(config.get("routeConfig"), dict):
                return _describe_inline_routes(config["routeConfig"], version)
            rds = _text(dig(config, "rds", "routeConfigName"))
            return f"Route: {rds}" if rds else "HTTP"
        if name == TCP_PROXY and not _mentions(config, BLACK_HOLE_CLUSTER):
            cluster = _text(config.get("cluster"))
            return cluster if "Cluster" in cluster else f"Cluster: {cluster}"
    return "Non-HTTP/Non-TCP"


def _describe_inline_routes(route_config: dict, version: Version) -> str:
    cluster = _match_all_cluster(route_config)
    if cluster:
        return cluster
    parts = []
    for vhost in route_config.get("virtualHosts") or []:
        domains = vhost.get("domains") or []
        routes = ", ".join(describe_match(r.get("match"), version) for r in vhost.get("routes") or [])
        parts.append(routes if domains == ["*"] else f"{'/'.join(domains)} {routes}")
    return f"Inline Route: {'; '.join(parts)}"


def _match_all_cluster(route_config: dict) -> str:
    """If the inline config is one `*` vhost with one `/` route to a cluster, just that cluster."""
    vhosts = route_config.get("virtualHosts") or []
    if len(vhosts) != 1 or vhosts[0].get("domains") != ["*"]:
        return ""
    routes = vhosts[0].get("routes") or []
    if len(routes) != 1 or dig(routes[0], "match", "prefix") != "/":
        return ""
    cluster = dig(routes[0], "route", "cluster")
    if not isinstance(cluster, str):
        return ""
    return cluster if "Cluster" in cluster else f"Cluster: {cluster}"


# ---------------------------------------------------------------------------------------------
# pc endpoint (Envoy /clusters view) and pc eds / pc all (EDS config dump view)
# ---------------------------------------------------------------------------------------------
def _host_address(host: dict) -> str:
    address = host.get("address")
    if isinstance(dig(address, "socketAddress"), dict):
        return _text(address["socketAddress"].get("address"))
    if isinstance(dig(address, "pipe"), dict):
        return "unix://" + _text(address["pipe"].get("path"))
    internal = dig(address, "envoyInternalAddress")
    if isinstance(internal, dict) and "serverListenerName" in internal:
        return f"envoy://{_text(internal['serverListenerName'])}/{_text(internal.get('endpointId'))}"
    return "unknown"


def _host_matches(host: dict, cluster_name: str, address: str, port: int, cluster: str, status: str) -> bool:
    """clusters.go EndpointFilter.Verify for one host of one cluster."""
    if address and _host_address(host).lower() != address.lower():
        return False
    if port and _uint(dig(host, "address", "socketAddress", "portValue")) != port:
        return False
    if cluster and cluster_name.lower() != cluster.lower():
        return False
    health = _enum_name(dig(host, "healthStatus", "edsHealthStatus"), _HEALTH_STATUSES)
    return not status or health.lower() == status.lower()


def filter_endpoint_statuses(statuses: Iterable[dict], *, address: str = "", port: int = 0,
                             cluster: str = "", status: str = "") -> list[dict]:
    """The ClusterStatuses `istioctl pc endpoint -o json` prints: clusters with a matching host.

    The clusters are printed whole, as istioctl does, not only their matching hosts.
    """
    return [entry for entry in statuses
            if any(_host_matches(h, _text(entry.get("name")), address, port, cluster, status)
                   for h in entry.get("hostStatuses") or [])]


def endpoints_table(endpoint_statuses: list[dict], version: Version, *, address: str = "", port: int = 0,
                    cluster: str = "", status: str = "") -> str:
    """`istioctl pc endpoint`: one row per host of Envoy's /clusters, sorted by address, port, cluster."""
    rows = []
    for entry in endpoint_statuses:
        name = _text(entry.get("name"))
        for host in entry.get("hostStatuses") or []:
            if _host_matches(host, name, address, port, cluster, status):
                rows.append(_endpoint_row(host, name))
    rows = go_sort_slice(rows, _endpoint_row_less, version)
    text = "ENDPOINT\tSTATUS\tOUTLIER CHECK\tCLUSTER\n"
    for addr, host_port, health, outlier, name in rows:
        shown = f"{addr}:{host_port}" if host_port else addr
        text += _row(shown, health, outlier, name)
    return tabwrite(text, padding=5)


def _endpoint_row(host: dict, cluster: str) -> tuple[str, int, str, str, str]:
    health = _enum_name(dig(host, "healthStatus", "edsHealthStatus"), _HEALTH_STATUSES)
    outlier = "FAILED" if dig(host, "healthStatus", "failedOutlierCheck") is True else "OK"
    port = _uint(dig(host, "address", "socketAddress", "portValue"))
    return _host_address(host), port, health, outlier, cluster


def _endpoint_row_less(a: tuple, b: tuple) -> bool:
    if a[0] != b[0]:
        return a[0] < b[0]
    if a[1] != b[1]:
        return a[1] < b[1]
    return a[4] < b[4]


def _lb_endpoint_addresses(lb_endpoint: dict, version: Version) -> list[str]:
    endpoint = lb_endpoint.get("endpoint") if isinstance(lb_endpoint.get("endpoint"), dict) else {}
    addresses = [endpoint.get("address")]
    if _since(version, EDS_MULTI_ADDRESS):
        addresses += [dig(extra, "address") for extra in endpoint.get("additionalAddresses") or []]
    shown = [_eds_address(a) for a in addresses]
    if version[:2] == (1, EDS_MULTI_ADDRESS):      # 1.23 worked around an Envoy bug by de-duplicating
        shown = list(dict.fromkeys(shown))
    return shown


def _eds_address(address: Any) -> str:
    if isinstance(dig(address, "socketAddress"), dict):
        socket = address["socketAddress"]
        return f"{_text(socket.get('address'))}:{_uint(socket.get('portValue'))}"
    if isinstance(dig(address, "pipe"), dict):
        return _text(address["pipe"].get("path"))
    internal = dig(address, "envoyInternalAddress")
    if isinstance(internal, dict) and "serverListenerName" in internal:
        return f"envoy://{_text(internal['serverListenerName'])}/{_text(internal.get('endpointId'))}"
    return "unknown"


def _lb_endpoint_matches(lb_endpoint: dict, cluster_name: str, version: Version, address: str, port: int,
                         cluster: str, status: str) -> bool:
    if address and not any(a.lower() == address.lower() for a in _lb_endpoint_addresses(lb_endpoint, version)):
        return False
    if port and _uint(dig(lb_endpoint, "endpoint", "address", "socketAddress", "portValue")) != port:
        return False
    if cluster and cluster_name.lower() != cluster.lower():
        return False
    health = _enum_name(lb_endpoint.get("healthStatus"), _HEALTH_STATUSES)
    return not status or health.lower() == status.lower()


def eds_entries(assignments: Iterable[dict], version: Version, *, address: str = "", port: int = 0,
                cluster: str = "", status: str = "") -> list[dict]:
    """What `istioctl pc eds -o json` prints: filtered, sorted assignments, none without endpoints.

    Give dynamic (CDS) clusters' assignments first, then static ones, as the EDS dump lists them.
    """
    kept = []
    for cla in assignments:
        name = _text(cla.get("clusterName"))
        copy = dict(cla)
        localities, count = [], 0
        for llb in [g for g in cla.get("endpoints") or [] if isinstance(g, dict)]:
            lbs = [e for e in llb.get("lbEndpoints") or []
                   if isinstance(e, dict) and _lb_endpoint_matches(e, name, version, address, port, cluster, status)]
            count += len(lbs)
            llb = {k: v for k, v in llb.items() if k != "lbEndpoints"}
            localities.append(_with_lb_endpoints(llb, lbs))
        if count:
            copy["endpoints"] = localities
            kept.append(copy)
    return sort_endpoint_configs(kept, version)


def _with_lb_endpoints(llb: dict, lb_endpoints: list[dict]) -> dict:
    """Put lbEndpoints back at its declaration-order place (after locality and metadata)."""
    out: dict = {}
    for key in ("locality", "metadata"):
        if key in llb:
            out[key] = llb[key]
    if lb_endpoints:
        out["lbEndpoints"] = lb_endpoints
    out.update({k: v for k, v in llb.items() if k not in out})
    return out


def eds_table(assignments: list[dict], version: Version, *, with_type_prefix: bool = False,
              address: str = "", port: int = 0, cluster: str = "", status: str = "") -> str:
    """`istioctl pc eds` (and the endpoint part of `pc all`): NAME STATUS LOCALITY CLUSTER."""
    header = "NAME" if _since(version, EDS_NAME_HEADER) else "ENDPOINT"
    text = f"{header}\tSTATUS\tLOCALITY\tCLUSTER\n"
    for cla in eds_entries(assignments, version, address=address, port=port, cluster=cluster, status=status):
        for llb in cla.get("endpoints") or []:
            for lb_endpoint in llb.get("lbEndpoints") or []:
                shown = ",".join(_lb_endpoint_addresses(lb_endpoint, version))
                shown = f"endpoint/{shown}" if with_type_prefix else shown
                text += _row(shown, _enum_name(lb_endpoint.get("healthStatus"), _HEALTH_STATUSES),
                             locality_to_string(llb.get("locality")), _text(cla.get("clusterName")))
    return tabwrite(text, padding=5)


def locality_to_string(locality: Any) -> str:
    """region[/zone[/subzone]] as pilot's util.LocalityToString."""
    if not isinstance(locality, dict):
        return ""
    text = _text(locality.get("region"))
    if not _text(locality.get("zone")):
        return text
    text += "/" + locality["zone"]
    if not _text(locality.get("subZone")):
        return text
    return text + "/" + locality["subZone"]


# ---------------------------------------------------------------------------------------------
# pc secret (items already digested from certificates) and the bootstrap summary
# ---------------------------------------------------------------------------------------------
def secrets_table(items: list[dict] | None, version: Version, *, with_type_prefix: bool = False) -> str:
    """The secret table of `pc all`/`pc secret`. Items: name, type, state, valid, serialNumber,
    notAfter, notBefore, trustDomain (the SecretItem fields). None means the dump had no secrets."""
    if items is None:
        return "No active or warming secrets found.\n"
    if not items:
        return "No secret items to show.\n"
    columns = ["RESOURCE NAME", "TYPE", "STATUS", "VALID CERT", "SERIAL NUMBER", "NOT AFTER", "NOT BEFORE"]
    trust = _since(version, SECRET_TRUST_DOMAIN) and all(_text(i.get("trustDomain")) for i in items)
    text = "\t".join(columns + (["TRUST DOMAIN"] if trust else [])) + "\n"
    for item in items:
        name = _text(item.get("name"))
        cells = [f"secret/{name}" if with_type_prefix else name, _text(item.get("type")),
                 _text(item.get("state")), "true" if item.get("valid") is True else "false",
                 _text(item.get("serialNumber")), _text(item.get("notAfter")), _text(item.get("notBefore"))]
        text += _row(*cells, *([_text(item.get("trustDomain"))] if trust else []))
    return tabwrite(text, padding=5)


def bootstrap_summary(bootstrap: dict) -> str:
    """Istio Version / Istio Proxy Version / Envoy Version lines (configdump.go PrintBootstrapSummary)."""
    node = bootstrap.get("node") if isinstance(bootstrap.get("node"), dict) else {}
    metadata = node.get("metadata") if isinstance(node.get("metadata"), dict) else {}
    istio_version = _text(metadata.get("ISTIO_VERSION"))
    sha = _text(metadata.get("ISTIO_PROXY_SHA"))
    if len(sha.split(":")) > 1:
        sha = sha.split(":")[1]
    text = f"Istio Version:\t{istio_version}\n" if istio_version else ""
    text += f"Istio Proxy Version:\t{sha}\n" if sha else ""
    text += f"Envoy Version:\t{_envoy_version(node.get('userAgentBuildVersion'))}\n"
    return tabwrite(text, padding=1)


def _envoy_version(build: Any) -> str:
    build = build if isinstance(build, dict) else {}
    number = build.get("version") if isinstance(build.get("version"), dict) else {}
    text = f"{_uint(number.get('majorNumber'))}.{_uint(number.get('minorNumber'))}.{_uint(number.get('patch'))}"
    fields = build.get("metadata") if isinstance(build.get("metadata"), dict) else {}
    for key, lead in (("build.label", "-"), ("revision.status", "/"), ("build.type", "/"), ("ssl.version", "/")):
        if key in fields:
            text += lead + _text(fields[key])
    return text


# ---------------------------------------------------------------------------------------------
# pc all
# ---------------------------------------------------------------------------------------------
def all_tables(clusters: list[dict], listeners: list[dict], route_configs: list[dict],
               endpoint_configs: list[dict], version: Version, *, bootstrap: dict | None = None,
               secrets: list[dict] | None = None, verbose: bool = True, with_headers: bool = False) -> str:
    """`istioctl pc all` (-o short): bootstrap, clusters, listeners, routes, secrets, endpoints.

    `endpoint_configs` are ClusterLoadAssignments in the EDS config-dump form (see
    endpoints_view.eds_view): `pc all` reads config_dump?include_eds, not /clusters; admin
    ClusterStatuses (endpoints_view.endpoint_statuses) are accepted too and converted. The bootstrap
    section (1.21+) is printed only when `bootstrap` is given; `secrets` None prints istioctl's
    "No active or warming secrets found.". Section headers exist from 1.29.
    """
    if any(isinstance(e, dict) and "hostStatuses" in e for e in endpoint_configs):
        from mesh_compile.emit.endpoints_view import eds_from_statuses
        endpoint_configs = eds_from_statuses(endpoint_configs)
    named = _since(version, CONFIG_TYPE_NAMES)
    headers = with_headers and _since(version, SECTION_HEADERS)
    sections: list[tuple[str, Callable[[], str]]] = []
    if _since(version, BOOTSTRAP_SUMMARY) and bootstrap is not None:
        sections.append(("BOOTSTRAP INFO", lambda: bootstrap_summary(bootstrap)))
    sections += [
        ("CLUSTER INFO", lambda: clusters_table(clusters, version, with_name_column=named)),
        ("LISTENER INFO", lambda: listeners_table(listeners, version, verbose=verbose, with_type_prefix=named)),
        ("ROUTE INFO", lambda: routes_table(route_configs, version, verbose=verbose, with_type_prefix=named)),
        ("SECRET INFO", lambda: secrets_table(secrets, version, with_type_prefix=named)),
    ]
    if _since(version, EDS_NAME_HEADER):
        sections.append(("ENDPOINTS INFO", lambda: eds_table(endpoint_configs, version, with_type_prefix=named)))
    parts = [(f"------ {title} ------\n\n" if headers else "") + render() for title, render in sections]
    return "\n".join(parts)
