"""A per-client token bucket for public endpoints (in process: each app, and so each replica, counts its own)."""

from __future__ import annotations

import time

from fastapi import Request
from siks_events.model import RateLimited


class RateLimit:
    def __init__(self, *, capacity: int, per_seconds: float) -> None:
        self.capacity = capacity
        self.rate = capacity / per_seconds

    def __call__(self, request: Request) -> None:
        client = request.client.host if request.client else "unknown"
        all_buckets = request.app.state._state.setdefault("rate_limits", {})
        buckets: dict[str, tuple[float, float]] = all_buckets.setdefault(id(self), {})
        now = time.monotonic()
        tokens, last = buckets.get(client, (float(self.capacity), now))
        tokens = min(self.capacity, tokens + (now - last) * self.rate)
        if tokens < 1:
            buckets[client] = (tokens, now)
            raise RateLimited(f"at most {self.capacity} checks per {self.capacity / self.rate:.0f} s per client")
        buckets[client] = (tokens - 1, now)
        if len(buckets) > 100_000:  # forget idle clients rather than grow without bound
            for idle in [k for k, v in buckets.items() if now - v[1] > 3600]:
                del buckets[idle]
