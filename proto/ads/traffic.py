"""Sending requests through Envoy's bound listeners and summarising who answered."""
from __future__ import annotations

import http.client
import json
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Optional


@dataclass(frozen=True)
class Reply:
    status: int                      # 0 when no HTTP response came back
    version: str = ""                # of the workload that answered ("" if Envoy answered itself)
    app: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    error: str = ""

    @property
    def overflow(self) -> bool:
        """Envoy's own 503 for a tripped circuit breaker (x-envoy-overloaded)."""
        return self.status == 503 and "x-envoy-overloaded" in self.headers


def get(address: str, host: str, path: str = "/", headers: Optional[dict[str, str]] = None,
        timeout: float = 5.0) -> Reply:
    ip, _, port = address.rpartition(":")
    conn = http.client.HTTPConnection(ip, int(port), timeout=timeout)
    try:
        conn.request("GET", path, headers={"Host": host, **(headers or {})})
        resp = conn.getresponse()
        body = resp.read()
        hdrs = {k.lower(): v for k, v in resp.getheaders()}
    except (OSError, http.client.HTTPException) as err:
        return Reply(0, error=str(err) or type(err).__name__)
    finally:
        conn.close()
    info = _json(body) if resp.status == 200 else {}
    return Reply(resp.status, info.get("version", ""), info.get("app", ""), hdrs)


def many(address: str, host: str, count: int, *, path: str = "/", headers: Optional[dict[str, str]] = None,
         concurrency: int = 1, timeout: float = 5.0) -> list[Reply]:
    if concurrency <= 1:
        return [get(address, host, path, headers, timeout) for _ in range(count)]
    pool = ThreadPoolExecutor(max_workers=concurrency)
    try:
        return list(pool.map(lambda _: get(address, host, path, headers, timeout), range(count)))
    finally:
        # On Ctrl-C the queued requests are dropped: a `with` block would wait for all of them (thousands
        # in the demo's 90/10 scenario) before the interrupt could stop anything.
        pool.shutdown(wait=True, cancel_futures=True)


def tally(replies: list[Reply]) -> Counter:
    """Counter of outcomes: the answering version ("v1"), "503 overflow", "HTTP 404", "error"."""
    out: Counter = Counter()
    for r in replies:
        if r.status == 200:
            out[r.version or r.app or "200"] += 1
        elif r.overflow:
            out["503 overflow"] += 1
        elif r.status:
            out[f"HTTP {r.status}"] += 1
        else:
            out["error"] += 1
    return out


def _json(body: bytes) -> dict:
    try:
        value = json.loads(body)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
