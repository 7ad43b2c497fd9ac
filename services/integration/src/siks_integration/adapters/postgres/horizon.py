"""How far the registry had published, as last observed, and how far our copy of DTKS has read.

The registry's topic end offsets are observed by `adapters.dtks_horizon` (a background loop);
the mirror consumer stores its positions beside its effects (`consumer_positions`). The copy is
current when it has read up to the observed ends, and the observation is recent.
"""

from __future__ import annotations

from datetime import datetime

import asyncpg
from siks_events.catalog.registry import TOPIC as REGISTRY_TOPIC

MIRROR_CONSUMER = "integration.siks-events"
"""The consumer group that keeps the copy (`<service>.<consumer>`, see main.py)."""


def registry_topic(topic_prefix: str) -> str:
    return topic_prefix + REGISTRY_TOPIC


async def record_observation(connection: asyncpg.Connection, topic: str, observed_at: datetime,
                             ends: dict[int, int]) -> None:
    """Keep the latest end offset of each partition of the registry's topic and when it was observed."""
    await connection.executemany(
        "INSERT INTO registry_horizon (topic, partition, end_offset, observed_at) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (topic, partition) DO UPDATE SET end_offset = excluded.end_offset,"
        " observed_at = excluded.observed_at",
        [(topic, partition, end, observed_at) for partition, end in ends.items()])


async def copy_current(connection: asyncpg.Connection, max_age_seconds: float) -> bool:
    """Whether the copy has read everything the registry had published at the last observation,
    and that observation is at most `max_age_seconds` old (no observation: not current)."""
    return bool(await connection.fetchval(
        """
        SELECT count(*) > 0 AND bool_and(COALESCE(p.next_offset, 0) >= h.end_offset)
               AND min(h.observed_at) > clock_timestamp() - make_interval(secs => $2)
        FROM registry_horizon h
        LEFT JOIN consumer_positions p ON p.consumer = $1 AND p.topic = h.topic AND p.partition = h.partition
        """, MIRROR_CONSUMER, max_age_seconds))


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
