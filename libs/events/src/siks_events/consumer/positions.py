"""Where each partition stands: kept in PostgreSQL beside the effects, not only in Kafka.

The embedded broker forgets everything on restart, so the position a consumer resumes from is
the one stored with the effects; the fingerprint of the record just before it lets us notice a
broker that lost that record.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg
from aiokafka import TopicPartition
from aiokafka.structs import ConsumerRecord

from siks_events import kafka


@dataclass(frozen=True)
class Position:
    """The next offset to apply, and the fingerprint of the record before it (None at the start)."""

    next_offset: int = 0
    fingerprint: str | None = None

    @classmethod
    def after(cls, record: ConsumerRecord) -> Position:
        return cls(record.offset + 1, fingerprint(record))


def fingerprint(record: ConsumerRecord) -> str:
    return kafka.fingerprint(record.key, record.value, record.headers)


async def store(connection: asyncpg.Connection, consumer: str, tp: TopicPartition, position: Position) -> None:
    await connection.execute(
        "INSERT INTO consumer_positions (consumer, topic, partition, next_offset, last_fingerprint)"
        " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (consumer, topic, partition) DO UPDATE"
        " SET next_offset = excluded.next_offset, last_fingerprint = excluded.last_fingerprint, updated_at = now()",
        consumer, tp.topic, tp.partition, position.next_offset, position.fingerprint,
    )


async def load(pool: asyncpg.Pool, consumer: str) -> dict[TopicPartition, Position]:
    rows = await pool.fetch(
        "SELECT topic, partition, next_offset, last_fingerprint FROM consumer_positions WHERE consumer = $1", consumer)
    return {TopicPartition(r["topic"], r["partition"]): Position(r["next_offset"], r["last_fingerprint"]) for r in rows}
