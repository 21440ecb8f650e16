"""Incremental ADS (DeltaAggregatedResources): only what changed goes out, removals named.

Per type Envoy subscribes with names (CDS/LDS: none or "*", meaning everything), says on a
reconnect which versions it already holds (initial_resource_versions), and ACKs/NACKs each
response by its nonce. The rules kept here:
* a resource goes out when Envoy does not hold its current version, or when Envoy (re)subscribes
  to it by name; a resource Envoy holds that no longer exists goes out in removed_resources, and
  so does a name it subscribes to that does not exist (so it stops waiting for it);
* the first request of each type is always answered, even with nothing, so Envoy can initialise;
* an ACK is not answered unless it also changes the subscription; the ACK/NACK part of a request
  whose nonce is not one in flight is stale and ignored;
* a NACK is logged with error_detail and the rejected versions are parked (never resent);
* pushes go CDS, EDS, LDS, RDS; after a cluster is pushed its endpoints are pushed too, since
  Envoy warms the new cluster until it gets them.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from envoy.service.discovery.v3.discovery_pb2 import (
    DeltaDiscoveryRequest, DeltaDiscoveryResponse, Resource as ResourceProto)

from . import typeurls
from .snapshot import Resource, combined_version
from .stream import AdsStream


@dataclass
class _Pending:
    updated: list[Resource]
    removed: list[str]


@dataclass
class _TypeState:
    wildcard: bool
    names: set[str] = field(default_factory=set)
    held: dict[str, str] = field(default_factory=dict)       # name -> version Envoy holds (ACKed)
    sent: dict[str, str] = field(default_factory=dict)       # ... once it takes what is in flight
    pending: dict[str, _Pending] = field(default_factory=dict)
    force: set[str] = field(default_factory=set)             # send these even if Envoy holds them


class DeltaStream(AdsStream[_TypeState]):
    """One DeltaAggregatedResources stream: the rules in the module docstring."""

    # -- events --------------------------------------------------------------------------------

    def on_request(self, req: DeltaDiscoveryRequest) -> list[DeltaDiscoveryResponse]:
        type_url = req.type_url
        state = self._types.get(type_url)
        if state is None:
            state = self._subscribe_first(req)
            return self._answer(type_url, state, always=True)
        if req.response_nonce:
            pending = state.pending.pop(req.response_nonce, None)
            if pending is None:
                self._stale(type_url, req.response_nonce)
            elif req.HasField("error_detail"):
                self._nack(type_url, state, pending, req.error_detail.message)
            else:
                self._ack(type_url, state, pending)
        if self._resubscribe(state, req):
            return self._answer(type_url, state)
        return []

    def on_change(self) -> list[DeltaDiscoveryResponse]:
        out = []
        for type_url in typeurls.PUSH_ORDER:
            state = self._types.get(type_url)
            if state is None:
                continue
            sent = self._answer(type_url, state)
            out += sent
            dependent = self._types.get(typeurls.DEPENDENT.get(type_url, ""))
            if sent and dependent is not None:
                # Istio names an EDS cluster's assignment after the cluster (serviceName = name).
                dependent.force |= {r.name for r in sent[0].resources} & dependent.names
        return out

    # -- subscriptions -------------------------------------------------------------------------

    def _subscribe_first(self, req: DeltaDiscoveryRequest) -> _TypeState:
        subscribe = set(req.resource_names_subscribe)
        wildcard = "*" in subscribe or (not subscribe and req.type_url in typeurls.WILDCARD_TYPES)
        held = dict(req.initial_resource_versions)
        state = _TypeState(wildcard, subscribe - {"*"}, held=held, sent=dict(held))
        state.force = state.names - set(held)   # named and not already held: send, or say it does not exist
        self._types[req.type_url] = state
        self.log.debug(f"{self._who()}: {typeurls.short(req.type_url)} subscribe "
                       f"{'(all)' if wildcard else sorted(state.names)}, holding {len(held)}")
        return state

    @staticmethod
    def _resubscribe(state: _TypeState, req: DeltaDiscoveryRequest) -> bool:
        subscribe = set(req.resource_names_subscribe)
        unsubscribe = set(req.resource_names_unsubscribe)
        if not subscribe and not unsubscribe:
            return False
        if "*" in unsubscribe:
            state.wildcard = False
        for name in unsubscribe - {"*"}:
            state.names.discard(name)
            state.held.pop(name, None)   # Envoy forgets what it no longer watches
            state.sent.pop(name, None)
        if "*" in subscribe:
            state.wildcard = True
        added = subscribe - {"*"}
        state.names |= added
        state.force |= added
        return bool(subscribe)

    # -- ACK / NACK ----------------------------------------------------------------------------

    def _ack(self, type_url: str, state: _TypeState, pending: _Pending) -> None:
        for res in pending.updated:
            state.held[res.name] = res.version
        for name in pending.removed:
            state.held.pop(name, None)
        self._record_ack(type_url, pending.updated, dict(state.held), pending.removed)

    def _nack(self, type_url: str, state: _TypeState, pending: _Pending, message: str) -> None:
        changed = [r for r in pending.updated if state.held.get(r.name) != r.version]
        for res in pending.updated:  # Envoy kept what it had
            if res.name in state.held:
                state.sent[res.name] = state.held[res.name]
            else:
                state.sent.pop(res.name, None)
        self._record_nack(type_url, changed, message)

    # -- responses -----------------------------------------------------------------------------

    def _answer(self, type_url: str, state: _TypeState, *, always: bool = False) -> list[DeltaDiscoveryResponse]:
        available = self.view.servable(type_url)
        scope = available if state.wildcard else {}
        scope = {**scope, **{n: available[n] for n in state.names if n in available}}
        updated = [r for n, r in scope.items() if state.sent.get(n) != r.version or n in state.force]
        removed = [n for n in state.sent if n not in scope]
        removed += [n for n in state.force if n not in scope and n not in state.sent]
        state.force.clear()
        if not updated and not removed and not always:
            return []
        for res in updated:
            state.sent[res.name] = res.version
        for name in removed:
            state.sent.pop(name, None)
        nonce = self._next_nonce()
        state.pending[nonce] = _Pending(updated, removed)
        resp = DeltaDiscoveryResponse(system_version_info=combined_version(r.key() for r in scope.values()),
                                      type_url=type_url, nonce=nonce, removed_resources=sorted(removed))
        resp.resources.extend(ResourceProto(name=r.name, version=r.version, resource=r.body) for r in updated)
        self._count_response(type_url, resp)
        self.log.debug(f"{self._who()}: {typeurls.short(type_url)} sent {len(updated)}, removed {len(removed)} "
                       f"(nonce {nonce})")
        return [resp]
