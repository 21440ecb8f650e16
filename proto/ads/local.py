"""Serve-only rewrites that let a stock Envoy on one machine run what istiod would send a proxy.

`mesh-compile pc` prints the config exactly as istiod builds it; these rewrites apply only to what
`mesh-compile serve` sends, and each one is reported:

* Listener binding. A sidecar's outbound listeners are `bindToPort: false` (iptables sends traffic
  to them). With a bind address, every listener is bound at BIND:port+OFFSET instead, e.g.
  0.0.0.0_80 -> 127.0.0.1:10080, so curl can reach it. Two listeners that would land on the same
  address stay unbound (the second one is reported). virtualOutbound (15001) and virtualInbound (15006)
  stay unbound: they only work behind iptables (without it their original destination is themselves,
  and their passthrough clusters would connect back to them in a loop).
* Plaintext upstreams. Istio mTLS (auto-mTLS `transportSocketMatches`, ISTIO_MUTUAL, SIMPLE TLS
  whose certificates come from istio-agent's SDS cluster `sds-grpc`) needs secrets a stock Envoy
  does not have; such transport sockets are removed, so those connections are plaintext. So are
  gateway listeners' credentialName secrets, which istiod serves over ADS (`sdsConfig: {ads: {}}`)
  and this server does not: Envoy would hold those listeners warming for 15s and then fail them.
* Istio-only extensions (istio.metadata_exchange, istio.stats, ...) that stock Envoy cannot load
  are removed, as `mesh-compile validate` does.
"""
from __future__ import annotations

import copy
from functools import partial
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

from .reuse import ReuseCache
from .splice import reuse_key

ISTIO_SDS_CLUSTER = "sds-grpc"
RAW_BUFFER = "envoy.transport_sockets.raw_buffer"
IPTABLES_ONLY = ("virtualOutbound", "virtualInbound")   # sidecar listeners iptables redirects to


@dataclass(frozen=True)
class LocalOptions:
    bind_address: Optional[str] = "127.0.0.1"  # None: listeners as compiled (reachable only via iptables)
    port_offset: int = 0
    plaintext: bool = True      # drop transport sockets that need istio-agent's SDS
    stock_envoy: bool = True    # drop Istio-only extensions

    def with_overrides(self, bind_address: Optional[str], port_offset: Optional[int]) -> "LocalOptions":
        return LocalOptions(bind_address if bind_address is not None else self.bind_address,
                            port_offset if port_offset is not None else self.port_offset,
                            self.plaintext, self.stock_envoy)


@dataclass
class Localised:
    resources: dict[str, list[dict]]                    # "clusters"/"listeners"/"routes"/"endpoints"
    notes: list[str] = field(default_factory=list)      # one line per kind of rewrite
    bound: list[tuple[str, str]] = field(default_factory=list)   # (listener name, "ip:port")


def localise(resources: Mapping[str, list[dict]], opts: LocalOptions,
             cache: Optional[ReuseCache] = None) -> Localised:
    """Copies of the resources with the serve-only rewrites applied. With a cache (one per view, kept
    between builds) a resource already rewritten in the previous build is not rewritten again; cached
    results are shared, never changed afterwards (binding works on a shallow copy of the listener)."""
    cache = cache if cache is not None else ReuseCache()
    out: dict[str, list[dict]] = {}
    found: dict[str, list[Any]] = {}
    touched: dict[str, list[str]] = {}
    for kind, items in resources.items():
        variant = ("list", kind, opts.stock_envoy, opts.plaintext)
        # a list the compiler kept whole (build/keep.py) is found by identity
        same = cache.reuse(items, variant, lambda: None, partial(_rewrite_list, kind, items, opts, cache))
        out[kind] = same[0]
        found.setdefault(kind, []).extend(same[1])
        if same[2]:
            touched.setdefault(kind, []).extend(same[2])
    cache.finish()
    result = Localised(out)
    if opts.stock_envoy:
        from mesh_compile_xds.bootstrap import summarise
        result.notes.extend(summarise([n for kind in _STRIPPED for n in found.get(kind, [])]))
    if opts.plaintext:
        _plaintext_note([n for kind in _PLAINTEXT for n in touched.get(kind, [])], result.notes)
    if opts.bind_address is not None and "listeners" in out:
        out["listeners"] = [dict(lis) for lis in out["listeners"]]
        _bind_listeners(out["listeners"], opts, result)
    return result


# ---------------------------------------------------------------------------------------------

_STRIPPED = ("clusters", "listeners", "routes")   # kinds that may hold Istio-only extensions
_PLAINTEXT = ("clusters", "listeners")            # kinds that may hold transport sockets


@dataclass(frozen=True)
class _Rewritten:
    resource: dict
    found: tuple = ()          # bootstrap Notes: Istio-only extensions removed
    touched: bool = False      # Istio TLS removed


def _rewrite_list(kind: str, items: list[dict], opts: LocalOptions,
                  cache: ReuseCache) -> tuple[list[dict], list[Any], list[str]]:
    """(rewritten resources, what was stripped, names of resources whose TLS was dropped)."""
    kept: list[dict] = []
    found: list[Any] = []
    touched: list[str] = []
    for res in items:
        done = _rewrite_cached(kind, res, opts, cache)
        kept.append(done.resource)
        found.extend(done.found)
        if done.touched:
            touched.append(res.get("name", "?"))
    return kept, found, touched


def _rewrite_cached(kind: str, res: dict, opts: LocalOptions, cache: ReuseCache) -> _Rewritten:
    if kind not in _STRIPPED:
        return _Rewritten(res)  # endpoints: nothing to rewrite, and nothing changes them
    variant = (opts.stock_envoy, opts.plaintext)

    def key_of() -> Optional[tuple]:
        key = reuse_key(kind, res, kind == "routes")   # a spliced route config's hosts: by identity
        return None if key is None else (*variant, key)
    return cache.reuse(res, variant, key_of, partial(_rewrite, kind, res, opts, cache))


def _rewrite(kind: str, res: dict, opts: LocalOptions, cache: Optional[ReuseCache] = None) -> _Rewritten:
    found: list[Any] = []
    if opts.stock_envoy:
        from mesh_compile_xds.bootstrap import strip_istio_only
        res = strip_istio_only(res, f"{kind[:-1]} {res.get('name', '?')}", found, cache)  # a new copy
    elif opts.plaintext and kind in _PLAINTEXT:
        res = copy.deepcopy(res)
    touched = opts.plaintext and kind in _PLAINTEXT and _drop_istio_tls(res)
    return _Rewritten(res, tuple(found), bool(touched))


def _plaintext_note(touched: list[str], notes: list[str]) -> None:
    if touched:
        shown = ", ".join(touched[:3]) + (f" and {len(touched) - 3} more" if len(touched) > 3 else "")
        notes.append(f"plaintext instead of Istio mTLS/SDS TLS (no istio-agent secrets here): {shown}")


def _needs_istio_sds(obj: Any) -> bool:
    """True when obj names a secret from istio-agent (cluster sds-grpc) or from istiod over ADS."""
    if isinstance(obj, dict):
        grpc = obj.get("envoyGrpc")
        if isinstance(grpc, dict) and grpc.get("clusterName") == ISTIO_SDS_CLUSTER:
            return True
        sds = obj.get("sdsConfig")
        if isinstance(sds, dict) and "ads" in sds:
            return True
        return any(_needs_istio_sds(v) for v in obj.values())
    if isinstance(obj, list):
        return any(_needs_istio_sds(v) for v in obj)
    return False


def _drop_istio_tls(obj: Any) -> bool:
    """Remove transport sockets that need istio-agent's SDS, anywhere inside obj. True if any."""
    changed = False
    if isinstance(obj, list):
        for item in obj:
            changed |= _drop_istio_tls(item)
        return changed
    if not isinstance(obj, dict):
        return False
    if "transportSocket" in obj and _needs_istio_sds(obj["transportSocket"]):
        del obj["transportSocket"]
        changed = True
    matches = obj.get("transportSocketMatches")
    if isinstance(matches, list) and _needs_istio_sds(matches):
        kept = [m for m in matches if not _needs_istio_sds(m)]
        # Only raw_buffer left means "plaintext for everyone": the default without any match.
        if all((m.get("transportSocket") or {}).get("name") == RAW_BUFFER for m in kept):
            del obj["transportSocketMatches"]
        else:
            obj["transportSocketMatches"] = kept
        changed = True
    for value in obj.values():
        changed |= _drop_istio_tls(value)
    return changed


def _bind_listeners(listeners: list[dict], opts: LocalOptions, result: Localised) -> None:
    used: set[tuple[str, int]] = set()
    unbound: list[str] = []
    behind_iptables: list[str] = []
    for lis in listeners:
        if lis.get("name") in IPTABLES_ONLY:
            lis["bindToPort"] = False
            behind_iptables.append(lis["name"])
            continue
        sock = (lis.get("address") or {}).get("socketAddress")
        if not isinstance(sock, dict) or not isinstance(sock.get("portValue"), int):
            continue  # pipes, internal listeners: nothing to bind
        port = sock["portValue"] + opts.port_offset
        key = (opts.bind_address, port)
        if port > 65535 or key in used:
            lis["bindToPort"] = False
            unbound.append(lis.get("name", "?"))
            continue
        used.add(key)
        lis["address"] = {"socketAddress": {**sock, "address": opts.bind_address, "portValue": port}}
        lis.pop("bindToPort", None)
        lis.pop("additionalAddresses", None)
        result.bound.append((lis.get("name", "?"), f"{opts.bind_address}:{port}"))
    if result.bound:
        result.notes.append("listeners bound for local traffic: "
                            + ", ".join(f"{name} -> {addr}" for name, addr in result.bound))
    if unbound:
        result.notes.append("left unbound (address already taken by another listener): " + ", ".join(unbound))
    if behind_iptables:
        result.notes.append("left unbound (they only work behind iptables): " + ", ".join(behind_iptables))
