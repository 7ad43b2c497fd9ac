"""The inbox: which events a consumer has applied, kept in the transaction of their effects."""

from __future__ import annotations

from datetime import timedelta

import asyncpg

from siks_events.envelope import Envelope


def inbox_key(envelope: Envelope) -> str:
    """CloudEvents ids are unique per source, so the inbox remembers both."""
    return f"{envelope.source}#{envelope.id}"


async def already_applied(connection: asyncpg.Connection, consumer: str, keys: list[str]) -> set[str]:
    """Which of `keys` this consumer has applied (one query for a whole batch)."""
    if not keys:
        return set()
    rows = await connection.fetch(
        "SELECT event_id FROM inbox WHERE consumer = $1 AND event_id = ANY($2::text[])", consumer, keys)
    return {r["event_id"] for r in rows}


async def remember(connection: asyncpg.Connection, consumer: str, keys: list[str]) -> None:
    """Record `keys` as applied; a twin that committed first makes this raise (the batch is retried)."""
    if keys:
        await connection.execute(
            "INSERT INTO inbox (consumer, event_id) SELECT $1, k FROM unnest($2::text[]) AS k", consumer, keys)


async def prune(pool: asyncpg.Pool, consumer: str, retention: timedelta, *, chunk: int = 5000) -> int:
    """Forget events applied longer ago than `retention`, a chunk per transaction; returns rows removed.

    An event redelivered after its row is gone would be applied again, so the retention must exceed
    the longest time a record can be redelivered (the broker's retention, or a republish after loss).
    """
    removed = 0
    while True:
        deleted = await pool.fetchval(
            """
            WITH old AS (
                SELECT consumer, event_id FROM inbox
                WHERE consumer = $1 AND applied_at < now() - $2::interval LIMIT $3
            ), gone AS (
                DELETE FROM inbox AS i USING old WHERE i.consumer = old.consumer AND i.event_id = old.event_id
                RETURNING 1
            )
            SELECT count(*) FROM gone
            """,
            consumer, retention, chunk,
        )
        removed += deleted
        if deleted < chunk:
            return removed
