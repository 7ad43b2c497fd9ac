"""Delivers queued notifications: to BPJS, and signed to subscribers; retried with backoff until
acknowledged, each attempt logged."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import time

import asyncpg
import httpx
from prometheus_client import Counter
from siks_events import metrics, telemetry
from siks_events.sealing import SecretSealer

from siks_integration.adapters.postgres.deliveries import BPJS
from siks_integration.adapters.postgres.subscriptions import secret_context
from siks_integration.settings import PartnerSettings

log = logging.getLogger("siks.integration.delivery")

SIGNATURE_HEADER = "X-Siks-Signature"
TIMESTAMP_HEADER = "X-Siks-Timestamp"
DELIVERY_HEADER = "X-Siks-Delivery"
LEASE_SECONDS = 60

_CLAIM = f"""
WITH due AS (
    SELECT delivery_id FROM outbound_deliveries
    WHERE status = 'pending' AND next_attempt_at <= now() AND (kind <> 'bpjs' OR $1)
    ORDER BY delivery_id LIMIT $2 FOR UPDATE SKIP LOCKED
)
UPDATE outbound_deliveries d SET next_attempt_at = now() + interval '{LEASE_SECONDS} seconds'
FROM due WHERE d.delivery_id = due.delivery_id
RETURNING d.delivery_id, d.kind, d.payload, d.attempts, d.traceparent,
    (SELECT callback_url FROM subscriptions s WHERE s.subscription_id = d.subscription_id) AS callback_url,
    (SELECT secret FROM subscriptions s WHERE s.subscription_id = d.subscription_id) AS secret,
    d.subscription_id
"""


deliveries_failed = Counter("siks_deliveries_failed", "Outbound delivery attempts (BPJS, subscribers) that failed.",
                            ["service"])


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The subscriber checks `sha256=HMAC(secret, timestamp + "." + body)` before trusting a delivery."""
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def backoff(attempts: int, most: float) -> float:
    return min(most, 2.0 ** min(attempts, 20))


class DeliveryWorker:
    """Claims due deliveries (several workers may run: rows are leased), sends them, records the outcome."""

    def __init__(self, pool: asyncpg.Pool, settings: PartnerSettings, sealer: SecretSealer, *, batch: int = 20) -> None:
        self.pool = pool
        self.settings = settings
        self.sealer = sealer
        self.batch = batch

    async def run(self) -> None:
        deliveries_failed.labels(metrics.service_name.get())  # the series exists, at 0, before the first failure
        async with httpx.AsyncClient(timeout=10.0) as client:
            while True:
                due = await self.pool.fetch(_CLAIM, bool(self.settings.bpjs_url), self.batch)
                if due:
                    await asyncio.gather(*(self._deliver(client, row) for row in due))
                else:
                    await asyncio.sleep(self.settings.delivery_poll_seconds)

    def _secret(self, row: asyncpg.Record) -> str:
        return self.sealer.open(row["secret"], context=secret_context(row["subscription_id"]))

    async def _deliver(self, client: httpx.AsyncClient, row: asyncpg.Record) -> None:
        body = json.dumps(row["payload"], separators=(",", ":"), sort_keys=True).encode()
        headers = {"content-type": "application/json", DELIVERY_HEADER: str(row["delivery_id"])}
        if row["kind"] == BPJS:
            url = self.settings.bpjs_url
        else:
            url = row["callback_url"]
            timestamp = str(int(time.time()))
            headers |= {"content-type": "application/cloudevents+json", TIMESTAMP_HEADER: timestamp,
                        SIGNATURE_HEADER: sign(self._secret(row), timestamp, body)}
        status_code, error = None, None
        with telemetry.client_span(f"POST {row['kind']}", row["traceparent"], **{
                "http.request.method": "POST", "siks.delivery_id": row["delivery_id"],
                "siks.delivery.kind": row["kind"]}) as trace_headers:
            try:
                response = await client.post(url, content=body, headers=headers | trace_headers)
                status_code = response.status_code
                if not response.is_success:
                    error = f"HTTP {status_code}"
            except httpx.HTTPError as exc:
                error = repr(exc)
        attempt = row["attempts"] + 1
        async with self.pool.acquire() as connection, connection.transaction():
            await connection.execute(
                "INSERT INTO delivery_attempts (delivery_id, attempt, status_code, error) VALUES ($1, $2, $3, $4)",
                row["delivery_id"], attempt, status_code, error)
            if error is None:
                await connection.execute(
                    "UPDATE outbound_deliveries SET status = 'delivered', attempts = $2, delivered_at = now(),"
                    " last_error = NULL WHERE delivery_id = $1", row["delivery_id"], attempt)
            else:
                deliveries_failed.labels(metrics.service_name.get()).inc()
                await connection.execute(
                    "UPDATE outbound_deliveries SET attempts = $2, last_error = $3,"
                    " next_attempt_at = now() + make_interval(secs => $4) WHERE delivery_id = $1",
                    row["delivery_id"], attempt, error,
                    backoff(attempt, self.settings.delivery_max_backoff_seconds))
                log.info("delivery failed; will retry", extra={"delivery_id": row["delivery_id"], "error": error})


async def run_deliveries(runtime) -> None:
    """The service's delivery loop (a `ServiceDefinition` worker)."""
    await DeliveryWorker(runtime.pool, PartnerSettings(), SecretSealer.from_settings(runtime.settings)).run()
