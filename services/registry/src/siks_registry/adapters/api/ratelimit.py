"""A per-client token bucket for public endpoints (in process: each app, and so each replica, counts its own).

A client may ask `capacity` times at once; its bucket then refills steadily, one request every
`per_seconds / capacity` seconds, never above `capacity`. Clients are told apart by `client_address`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from fastapi import Request
from siks_events.model import RateLimited
from siks_events.settings import Settings

IDLE_SECONDS = 3600
MAX_CLIENTS = 100_000


def client_address(request: Request, settings: Settings) -> str:
    """The caller's address: the connection's peer unless the settings trust a header our own proxies set."""
    peer = request.client.host if request.client else "unknown"
    header = settings.client_address_header.lower()
    value = request.headers.get(header) if header else None
    if not value:
        return peer
    if header != "x-forwarded-for":
        return value.strip()
    # Each proxy appends the address it was reached from: only the entries our proxies wrote are true.
    hops = [hop.strip() for hop in value.split(",")]
    if len(hops) < settings.client_address_proxies:
        return peer  # fewer hops than our proxies add: not written by them, so believe none of it
    return hops[-settings.client_address_proxies]


class RateLimit:
    def __init__(self, *, capacity: int, per_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = capacity
        self.per_seconds = per_seconds
        self.rate = capacity / per_seconds
        self.clock = clock

    def __call__(self, request: Request) -> None:
        client = client_address(request, request.app.state.settings)
        all_buckets = request.app.state._state.setdefault("rate_limits", {})
        buckets: dict[str, tuple[float, float]] = all_buckets.setdefault(id(self), {})
        now = self.clock()
        tokens, last = buckets.get(client, (float(self.capacity), now))
        tokens = min(self.capacity, tokens + (now - last) * self.rate)
        if tokens < 1:
            buckets[client] = (tokens, now)
            raise RateLimited(f"at most {self.capacity} requests per {self.per_seconds:g} s per client",
                              retry_after=math.ceil((1 - tokens) / self.rate))
        buckets[client] = (tokens - 1, now)
        if len(buckets) > MAX_CLIENTS:  # forget idle clients rather than grow without bound
            for idle in [k for k, v in buckets.items() if now - v[1] > IDLE_SECONDS]:
                del buckets[idle]
