"""What each ADS stream has seen, for logs, `wait_for` in tests and the demo's narration."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from . import typeurls


@dataclass
class TypeStatus:
    responses: int = 0              # DiscoveryResponses sent
    acks: int = 0
    nacks: int = 0
    stale: int = 0                  # requests ignored for a stale nonce
    acked: dict[str, str] = field(default_factory=dict)   # name -> version Envoy accepted
    last_error: str = ""            # error_detail of the last NACK


@dataclass
class StreamStatus:
    stream_id: int
    protocol: str                   # "sotw" or "delta"
    node_id: str = ""
    target: str = ""
    connected: bool = True
    view: Any = None                # the store View it is served from
    started: float = field(default_factory=time.monotonic)
    types: dict[str, TypeStatus] = field(default_factory=dict)

    def of(self, type_url: str) -> TypeStatus:
        return self.types.setdefault(type_url, TypeStatus())

    def summary(self) -> str:
        parts = []
        for t in typeurls.PUSH_ORDER:
            s = self.types.get(t)
            if s is not None:
                parts.append(f"{typeurls.short(t)} {len(s.acked)} acked/{s.nacks} nacked")
        return ", ".join(parts)


class StatusBoard:
    """All streams, past and present; `wait_for` blocks until a predicate over them holds."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._streams: list[StreamStatus] = []
        self._next_id = 0

    def new_stream(self, protocol: str) -> StreamStatus:
        with self._cond:
            self._next_id += 1
            status = StreamStatus(self._next_id, protocol)
            self._streams.append(status)
            self._cond.notify_all()
            return status

    def changed(self) -> None:
        with self._cond:
            self._cond.notify_all()

    def streams(self, *, connected_only: bool = False) -> list[StreamStatus]:
        with self._cond:
            return [s for s in self._streams if s.connected or not connected_only]

    def wait_for(self, predicate: Callable[[list[StreamStatus]], bool], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                if predicate(list(self._streams)):
                    return True
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(min(left, 0.2))

    def find(self, target: Optional[str] = None, *, connected: bool = True) -> list[StreamStatus]:
        return [s for s in self.streams(connected_only=connected) if target is None or s.target == target]
