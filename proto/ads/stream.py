"""What the state-of-the-world (sotw.py) and incremental (delta.py) ADS streams do alike.

Both keep one nonce counter per stream, ignore requests that carry a stale nonce, count ACKs/NACKs and
responses on the stream's status, record ACKed versions in the view, park the versions a NACK
rejected (never resent) and log each step with the stream's id. Only the per-type bookkeeping (what
Envoy holds, what is in flight) differs, and stays in the two modules.
"""
from __future__ import annotations

from typing import Generic, Iterable, TypeVar

from . import typeurls
from .log import Log
from .nack import condense, rejected
from .snapshot import Resource, describe
from .status import StreamStatus
from .store import View

CONTROL_PLANE = "mesh-compile"
StateT = TypeVar("StateT")   # the per-type-URL bookkeeping of one protocol


class AdsStream(Generic[StateT]):
    """The part of an ADS stream both protocols share; subclasses keep their own per-type `_types`."""

    def __init__(self, view: View, status: StreamStatus, log: Log) -> None:
        self.view = view
        self.status = status
        self.log = log
        self._types: dict[str, StateT] = {}
        self._nonce = 0

    def _next_nonce(self) -> str:
        self._nonce += 1
        return str(self._nonce)

    def _stale(self, type_url: str, nonce: str) -> None:
        """A request answering a response that is no longer the latest (or in flight): ignored."""
        self.status.of(type_url).stale += 1
        self.log.debug(f"{self._who()}: {typeurls.short(type_url)} stale nonce {nonce} ignored")

    def _record_ack(self, type_url: str, fresh: list[Resource], acked: dict[str, str],
                    removed: Iterable[str] = ()) -> None:
        """Envoy took `fresh` (and dropped `removed`); `acked` is every name -> version it now holds."""
        self.view.record_ack(fresh)
        st = self.status.of(type_url)
        st.acks += 1
        st.acked = acked
        removed = list(removed)
        if fresh or removed:
            gone = f" removed {', '.join(removed)}" if removed else ""
            self.log.info(f"{self._who()}: {typeurls.short(type_url)} ACK {describe(fresh)}{gone}")

    def _record_nack(self, type_url: str, changed: list[Resource], message: str) -> None:
        """Envoy rejected `changed`: park those versions so they are never sent again."""
        parked = self.view.park(rejected(changed, message))
        st = self.status.of(type_url)
        st.nacks += 1
        st.last_error = message
        self.log.error(f"{self._who()}: {typeurls.short(type_url)} NACK: {condense(message)}")
        if parked:
            self.log.error(f"{self._who()}: parked (not sent again): {describe(parked)}; "
                           "Envoy keeps what it had")

    def _count_response(self, type_url: str, resp) -> None:
        """Stamp a (Delta)DiscoveryResponse with our identity and count it."""
        resp.control_plane.identifier = CONTROL_PLANE
        self.status.of(type_url).responses += 1

    def _who(self) -> str:
        return f"[{self.status.stream_id} {self.status.target}]"
