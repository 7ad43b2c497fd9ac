"""Subscriptions of other government systems, each owned by the token subject that created it."""

from __future__ import annotations

import asyncpg
from siks_events.sealing import SecretSealer

COLUMNS = "subscription_id, subscriber, event_types, region_prefix, callback_url, created_by AS owner, created_at"
"""What a subscription shows; never its secret."""


def secret_context(subscription_id: str) -> str:
    """What a subscription's sealed secret is bound to: copied to another subscription, it does not open."""
    return f"subscriptions.secret:{subscription_id}"


async def add(pool: asyncpg.Pool, sealer: SecretSealer, *, subscription_id: str, subscriber: str, event_types: list[str],
              region_prefix: str, callback_url: str, secret: str, owner: str) -> None:
    """Store a subscription; its secret only sealed."""
    await pool.execute(
        "INSERT INTO subscriptions (subscription_id, subscriber, event_types, region_prefix, callback_url, secret,"
        " created_by) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        subscription_id, subscriber, event_types, region_prefix, callback_url,
        sealer.seal(secret, context=secret_context(subscription_id)), owner)


async def find_owner(pool: asyncpg.Pool, subscription_id: str) -> str | None:
    """The subject that owns the subscription; None when there is no such subscription."""
    return await pool.fetchval("SELECT created_by FROM subscriptions WHERE subscription_id = $1", subscription_id)


async def get(pool: asyncpg.Pool, subscription_id: str) -> asyncpg.Record:
    return await pool.fetchrow(f"SELECT {COLUMNS} FROM subscriptions WHERE subscription_id = $1", subscription_id)


async def listed(pool: asyncpg.Pool, *, owner: str | None, limit: int, offset: int) -> list[asyncpg.Record]:
    """Subscriptions oldest first: the owner's, or everyone's when `owner` is None."""
    return await pool.fetch(
        f"SELECT {COLUMNS} FROM subscriptions WHERE $1::text IS NULL OR created_by = $1"
        " ORDER BY created_at, subscription_id LIMIT $2 OFFSET $3", owner, limit, offset)


async def deliveries(pool: asyncpg.Pool, subscription_id: str, *, missed: bool, limit: int) -> list[asyncpg.Record]:
    """The subscription's deliveries, oldest first; with `missed`, those not delivered yet."""
    return await pool.fetch(
        "SELECT * FROM outbound_deliveries WHERE subscription_id = $1 AND (NOT $2 OR status <> 'delivered')"
        " ORDER BY delivery_id LIMIT $3", subscription_id, missed, limit)
