"""A per-client token bucket for public endpoints (in process: each replica counts its own)."""

from __future__ import annotations

import time

from fastapi import Request
from siks_events.model import RateLimited


class RateLimit:
    def __init__(self, *, capacity: int, per_seconds: float) -> None:
        self.capacity = capacity
        self.rate = capacity / per_seconds
        self._buckets: dict[str, tuple[float, float]] = {}

    def __call__(self, request: Request) -> None:
        client = request.client.host if request.client else "unknown"
        now = time.monotonic()
        tokens, last = self._buckets.get(client, (float(self.capacity), now))
        tokens = min(self.capacity, tokens + (now - last) * self.rate)
        if tokens < 1:
            self._buckets[client] = (tokens, now)
            raise RateLimited(f"at most {self.capacity} checks per {self.capacity / self.rate:.0f} s per client")
        self._buckets[client] = (tokens - 1, now)
        if len(self._buckets) > 100_000:  # forget idle clients rather than grow without bound
            self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < 3600}
