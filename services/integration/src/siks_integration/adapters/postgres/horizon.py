"""How far our copy of DTKS has read the registry's topic, and which reports wait for it.

The mirror consumer stores its positions beside its effects (`consumer_positions`);
`adapters.dtks_horizon` compares them with the registry topic's end offsets it observes.
"""

from __future__ import annotations

from datetime import datetime

import asyncpg
from siks_events.catalog.registry import TOPIC as REGISTRY_TOPIC

MIRROR_CONSUMER = "integration.siks-events"
"""The consumer group that keeps the copy (`<service>.<consumer>`, see main.py)."""


def registry_topic(topic_prefix: str) -> str:
    return topic_prefix + REGISTRY_TOPIC


async def copy_positions(connection: asyncpg.Connection, topic: str) -> dict[int, int]:
    """The next offset the copy will read in each partition of the registry's topic."""
    rows = await connection.fetch(
        "SELECT partition, next_offset FROM consumer_positions WHERE consumer = $1 AND topic = $2",
        MIRROR_CONSUMER, topic)
    return {r["partition"]: r["next_offset"] for r in rows}


async def pending_reports(connection: asyncpg.Connection, received_until: datetime, limit: int) -> list[str]:
    """Pending reports received up to `received_until`, oldest first."""
    rows = await connection.fetch(
        "SELECT report_id FROM civil_reports WHERE status = 'pending' AND received_at <= $1"
        " ORDER BY received_at LIMIT $2", received_until, limit)
    return [r["report_id"] for r in rows]


async def now(connection: asyncpg.Connection) -> datetime:
    """The database's clock: the one `civil_reports.received_at` is written with."""
    return await connection.fetchval("SELECT clock_timestamp()")
