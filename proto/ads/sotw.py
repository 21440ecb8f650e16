"""State-of-the-world ADS (StreamAggregatedResources): what to answer to each request and change.

Per type Envoy sends DiscoveryRequests: the first (no nonce) subscribes, later ones carry the nonce
of the response they ACK (no error_detail) or NACK (error_detail). The rules kept here:
* every first request is answered, also after a reconnect (Envoy must finish initialising);
* an ACK is answered only when its resource names changed the subscription;
* a request whose nonce is not the latest one sent for its type is stale and ignored;
* a NACK is logged with error_detail; the rejected versions are parked in the view (never resent);
* on a config change only types with a changed resource are pushed, CDS, EDS, LDS, RDS in order;
  CDS/LDS responses hold every resource (they are wildcard), EDS/RDS only the changed ones;
* after CDS is pushed, EDS is pushed/answered in full once (Envoy re-requests the endpoints of
  clusters it is warming and waits forever for them, initialFetchTimeout being 0s); likewise RDS
  after LDS.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from envoy.service.discovery.v3.discovery_pb2 import DiscoveryRequest, DiscoveryResponse

from . import typeurls
from .snapshot import Resource, combined_version
from .stream import AdsStream


@dataclass
class _TypeState:
    names: Optional[frozenset[str]]                       # None: wildcard (everything)
    nonce: str = ""                                       # of the latest response
    acked: dict[str, Resource] = field(default_factory=dict)   # what Envoy holds, as far as we know
    sent: dict[str, Resource] = field(default_factory=dict)    # what it holds once it takes the latest
    respond_in_full: bool = False                         # a dependency was just pushed


class SotwStream(AdsStream[_TypeState]):
    """One StreamAggregatedResources stream: the rules in the module docstring."""

    # -- events --------------------------------------------------------------------------------

    def on_request(self, req: DiscoveryRequest) -> list[DiscoveryResponse]:
        type_url = req.type_url
        state = self._types.get(type_url)
        names = self._names(type_url, req.resource_names)
        if state is None or not req.response_nonce:
            self._types[type_url] = state = _TypeState(names, acked=state.acked if state else {})
            self.log.debug(f"{self._who()}: {typeurls.short(type_url)} request {self._fmt(names)}")
            return self._answer(type_url, state, full=True)
        if req.response_nonce != state.nonce:
            self._stale(type_url, req.response_nonce)
            return []
        if req.HasField("error_detail"):
            self._nack(type_url, state, req.error_detail.message)
            if names != state.names:  # parked versions are left out, so this cannot loop
                state.names = names
                return self._answer(type_url, state, full=True)
            return []
        self._ack(type_url, state)
        if names != state.names:
            state.names = names
            return self._answer(type_url, state, full=True)
        if state.respond_in_full:
            return self._answer(type_url, state, full=True)
        return []

    def on_change(self) -> list[DiscoveryResponse]:
        out = []
        for type_url in typeurls.PUSH_ORDER:
            state = self._types.get(type_url)
            if state is not None:
                out += self._answer(type_url, state, full=state.respond_in_full, push=True)
        return out

    # -- ACK / NACK ----------------------------------------------------------------------------

    def _ack(self, type_url: str, state: _TypeState) -> None:
        fresh = [r for n, r in state.sent.items() if _differs(state.acked.get(n), r)]
        state.acked = dict(state.sent)
        self._record_ack(type_url, fresh, {n: r.version for n, r in state.acked.items()})

    def _nack(self, type_url: str, state: _TypeState, message: str) -> None:
        changed = [r for n, r in state.sent.items() if _differs(state.acked.get(n), r)]
        state.sent = dict(state.acked)
        self._record_nack(type_url, changed, message)

    # -- responses -----------------------------------------------------------------------------

    def _answer(self, type_url: str, state: _TypeState, *, full: bool, push: bool = False) -> list[DiscoveryResponse]:
        available = self.view.servable(type_url)
        if state.names is None:
            target = available
            send = target
            if push and not full and _same(target, state.sent):
                return []
        else:
            target = {n: available[n] for n in state.names if n in available}
            send = target if full else {n: r for n, r in target.items() if _differs(state.sent.get(n), r)}
            if push and not send and not full:
                return []
            target = {**{n: r for n, r in state.sent.items() if n in state.names}, **send}
        state.sent = target
        state.respond_in_full = False
        state.nonce = self._next_nonce()
        resp = DiscoveryResponse(version_info=combined_version(r.key() for r in target.values()),
                                 type_url=type_url, nonce=state.nonce)
        resp.resources.extend(r.body for r in send.values())
        self._count_response(type_url, resp)
        dependent = typeurls.DEPENDENT.get(type_url)
        if dependent in self._types:
            self._types[dependent].respond_in_full = True
        self.log.debug(f"{self._who()}: {typeurls.short(type_url)} sent {len(send)} "
                       f"(version {resp.version_info}, nonce {state.nonce})")
        return [resp]

    # -- helpers -------------------------------------------------------------------------------

    @staticmethod
    def _names(type_url: str, names) -> Optional[frozenset[str]]:
        names = frozenset(names)
        if "*" in names or (not names and type_url in typeurls.WILDCARD_TYPES):
            return None
        return names

    @staticmethod
    def _fmt(names: Optional[frozenset[str]]) -> str:
        return "(all)" if names is None else "(" + ", ".join(sorted(names)) + ")"


def _same(a: dict[str, Resource], b: dict[str, Resource]) -> bool:
    return a.keys() == b.keys() and all(a[k].version == b[k].version for k in a)


def _differs(old: Optional[Resource], new: Resource) -> bool:
    return old is None or old.version != new.version
