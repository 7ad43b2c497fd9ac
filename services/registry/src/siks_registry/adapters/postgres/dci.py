"""The DCI interface's tables: partners, transactions with their answers, subscriptions, and the outbox of
signed callbacks and notifications."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg

LEASE_SECONDS = 60


async def save_partner(pool: asyncpg.Pool, *, sender_id: str, callback_base: str, jwks: dict | None,
                       jwks_url: str | None, disclose: list[str], registered_by: str) -> None:
    await pool.execute(
        """INSERT INTO dci_partners (sender_id, callback_base, jwks, jwks_url, disclose, registered_by)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (sender_id) DO UPDATE SET callback_base = excluded.callback_base, jwks = excluded.jwks,
               jwks_url = excluded.jwks_url, disclose = excluded.disclose, registered_at = now(),
               registered_by = excluded.registered_by""",
        sender_id, callback_base, jwks, jwks_url, disclose, registered_by)


async def partner(pool: asyncpg.Pool, sender_id: str) -> dict[str, Any] | None:
    row = await pool.fetchrow("SELECT * FROM dci_partners WHERE sender_id = $1", sender_id)
    return dict(row) if row else None


async def open_transaction(connection: asyncpg.Connection | asyncpg.Pool, *, correlation_id: str, sender_id: str,
                           message_id: str, transaction_id: str, action: str, reply_to: str | None,
                           actor_region: str, request: dict, answer: dict | None, status: str) -> bool:
    """Record a received message; False when the sender already sent this message id."""
    inserted = await connection.fetchval(
        """INSERT INTO dci_transactions (correlation_id, sender_id, message_id, transaction_id, action, reply_to,
                                         actor_region, request, answer, status, answered_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, CASE WHEN $9::jsonb IS NULL THEN NULL ELSE now() END)
           ON CONFLICT (sender_id, message_id) DO NOTHING RETURNING true""",
        correlation_id, sender_id, message_id, transaction_id, action, reply_to, actor_region, request, answer, status)
    return bool(inserted)


_CLAIM_PENDING = f"""
WITH due AS (
    SELECT correlation_id FROM dci_transactions WHERE status = 'pdng' AND leased_until <= now()
    ORDER BY leased_until LIMIT $1 FOR UPDATE SKIP LOCKED
)
UPDATE dci_transactions t SET leased_until = now() + interval '{LEASE_SECONDS} seconds'
FROM due WHERE t.correlation_id = due.correlation_id
RETURNING t.*
"""


async def claim_pending(pool: asyncpg.Pool, limit: int) -> list[dict[str, Any]]:
    """Received async requests not answered yet, leased to this worker for a minute."""
    return [dict(r) for r in await pool.fetch(_CLAIM_PENDING, limit)]


async def answer_transaction(connection: asyncpg.Connection | asyncpg.Pool, correlation_id: str, answer: dict,
                             status: str) -> None:
    await connection.execute(
        "UPDATE dci_transactions SET answer = $2, status = $3, answered_at = now() WHERE correlation_id = $1",
        correlation_id, answer, status)


async def transactions_of(pool: asyncpg.Pool | asyncpg.Connection, sender_id: str, attribute: str,
                          values: list[str]) -> list[dict[str, Any]]:
    """A sender's transactions by transaction id, correlation id or reference ids, newest first."""
    column = {"transaction_id": "transaction_id = ANY($2::text[])",
              "correlation_id": "correlation_id = ANY($2::text[])",
              "reference_id_list": "EXISTS (SELECT 1 FROM jsonb_array_elements(COALESCE("
                                   "request->'message'->'search_request', request->'message'->'subscribe_request',"
                                   " '[]'::jsonb)) r WHERE r->>'reference_id' = ANY($2::text[]))"}[attribute]
    rows = await pool.fetch(f"SELECT * FROM dci_transactions WHERE sender_id = $1 AND {column} ORDER BY created_at DESC",
                            sender_id, values)
    return [dict(r) for r in rows]


async def enqueue(connection: asyncpg.Connection | asyncpg.Pool, *, url: str, header: dict, message: dict,
                  correlation_id: str | None = None, subscription_code: str | None = None,
                  event_id: str | None = None) -> bool:
    """Queue a callback or notification to send; a notification of an event already queued is not queued again."""
    inserted = await connection.fetchval(
        """INSERT INTO dci_outbox (url, header, message, correlation_id, subscription_code, event_id)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (subscription_code, event_id) WHERE event_id IS NOT NULL DO NOTHING RETURNING true""",
        url, header, message, correlation_id, subscription_code, event_id)
    return bool(inserted)


_CLAIM_OUTBOX = f"""
WITH due AS (
    SELECT id FROM dci_outbox WHERE status = 'pending' AND next_attempt_at <= now()
    ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED
)
UPDATE dci_outbox o SET next_attempt_at = now() + interval '{LEASE_SECONDS} seconds'
FROM due WHERE o.id = due.id
RETURNING o.id, o.url, o.header, o.message, o.attempts
"""


async def claim_outbox(pool: asyncpg.Pool, limit: int) -> list[dict[str, Any]]:
    return [dict(r) for r in await pool.fetch(_CLAIM_OUTBOX, limit)]


async def delivered(pool: asyncpg.Pool, outbox_id: int, attempts: int) -> None:
    await pool.execute("UPDATE dci_outbox SET status = 'delivered', attempts = $2, delivered_at = now(),"
                       " last_error = NULL WHERE id = $1", outbox_id, attempts)


async def failed(pool: asyncpg.Pool, outbox_id: int, attempts: int, error: str, retry_in: float) -> None:
    await pool.execute("UPDATE dci_outbox SET attempts = $2, last_error = $3,"
                       " next_attempt_at = now() + make_interval(secs => $4) WHERE id = $1",
                       outbox_id, attempts, error, retry_in)


async def add_subscription(connection: asyncpg.Connection, *, code: str, sender_id: str, correlation_id: str,
                           reference_id: str, reg_event_type: str, criteria: dict, actor_region: str,
                           notify_uri: str, start_time: datetime | None, end_time: datetime | None) -> None:
    await connection.execute(
        """INSERT INTO dci_subscriptions (code, sender_id, correlation_id, reference_id, reg_event_type, criteria,
                                          actor_region, notify_uri, start_time, end_time, status, replay_pending)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'subscribe', $9::timestamptz IS NOT NULL)""",
        code, sender_id, correlation_id, reference_id, reg_event_type, criteria, actor_region, notify_uri,
        start_time, end_time)


async def subscription(connection: asyncpg.Connection | asyncpg.Pool, code: str) -> dict[str, Any] | None:
    row = await connection.fetchrow("SELECT * FROM dci_subscriptions WHERE code = $1", code)
    return dict(row) if row else None


async def replays_pending(pool: asyncpg.Pool, limit: int) -> list[dict[str, Any]]:
    """Subscriptions whose replay from a past date is not queued yet (a replay is idempotent: two workers may
    run the same one, the outbox keeps one notification per event)."""
    rows = await pool.fetch("SELECT * FROM dci_subscriptions WHERE replay_pending ORDER BY created_at LIMIT $1", limit)
    return [dict(r) for r in rows]


async def replayed(pool: asyncpg.Pool, code: str) -> None:
    await pool.execute("UPDATE dci_subscriptions SET replay_pending = false WHERE code = $1", code)


async def unsubscribe(connection: asyncpg.Connection | asyncpg.Pool, code: str) -> None:
    await connection.execute("UPDATE dci_subscriptions SET status = 'unsubscribe', unsubscribed_at = now()"
                             " WHERE code = $1", code)


async def active_subscriptions(connection: asyncpg.Connection, reg_event_types: list[str],
                               at: datetime) -> list[dict[str, Any]]:
    """Subscriptions open at `at` to one of these event types."""
    rows = await connection.fetch(
        """SELECT * FROM dci_subscriptions WHERE status = 'subscribe' AND reg_event_type = ANY($1::text[])
           AND (end_time IS NULL OR end_time >= $2)""", reg_event_types, at)
    return [dict(r) for r in rows]


async def recorded_since(pool: asyncpg.Pool, types: list[str], since: datetime, after_position: int,
                         limit: int) -> list[dict[str, Any]]:
    """Stored DTKS events of these types recorded since a moment, in store order, a page at a time."""
    rows = await pool.fetch(
        """SELECT position, event_id, type, data, recorded_at FROM events
           WHERE recorded_at >= $1 AND type = ANY($2::text[]) AND position > $3 ORDER BY position LIMIT $4""",
        since, types, after_position, limit)
    return [dict(r) for r in rows]


async def person_row(connection: asyncpg.Connection | asyncpg.Pool, household_id: str, nik: str) -> dict | None:
    row = await connection.fetchrow("SELECT * FROM persons WHERE household_id = $1 AND nik = $2", household_id, nik)
    return dict(row) if row else None


async def household_rows(connection: asyncpg.Connection | asyncpg.Pool,
                         household_id: str) -> tuple[dict | None, list[dict]]:
    household = await connection.fetchrow("SELECT * FROM households WHERE household_id = $1", household_id)
    persons = await connection.fetch("SELECT * FROM persons WHERE household_id = $1 ORDER BY nik", household_id)
    return (dict(household) if household else None), [dict(p) for p in persons]
