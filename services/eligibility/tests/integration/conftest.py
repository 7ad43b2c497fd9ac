"""The eligibility projection on the session's real PostgreSQL and broker: a migrated schema of its own per test,
a registry topic of its own (the test's prefix), and a generated registry published as the relay would."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from pathlib import Path

import asyncpg
import pytest
from siks_eligibility.lifecycle import Lifecycle
from siks_events import kafka, migrations
from siks_events.catalog.registry import TOPIC
from siks_events.database import asyncpg_dsn, create_pool
from siks_events.pytest_plugin import SESSION_TIMEOUT_MS
from siks_events.store import RecordedEvent

from .registry import LoggedRegistryEvent

MIGRATIONS = Path(__file__).parents[2] / "src" / "siks_eligibility" / "migrations"
PARTITIONS = 3


@pytest.fixture
async def eligibility_pool(siks_database_url, schema_name):
    await asyncio.to_thread(migrations.upgrade, MIGRATIONS, siks_database_url, schema_name)
    pool = await create_pool(siks_database_url, schema_name, max_size=12)
    yield pool
    await pool.close()
    connection = await asyncpg.connect(asyncpg_dsn(siks_database_url))
    try:
        await connection.execute(f"DROP SCHEMA IF EXISTS {schema_name} CASCADE")
    finally:
        await connection.close()


@pytest.fixture
def lifecycle(eligibility_pool, siks_bootstrap_servers, topic_prefix) -> Lifecycle:
    # small batches: a few hundred households still make dozens of batch transactions per partition
    return Lifecycle(eligibility_pool, siks_bootstrap_servers, topic_prefix=topic_prefix, partitions=PARTITIONS,
                     session_timeout_ms=SESSION_TIMEOUT_MS, batch_size=50)


@pytest.fixture
def publish(siks_bootstrap_servers, topic_prefix):
    """`await publish(events)`: the registry's relay publishing stored events as CloudEvents, keyed by stream."""
    async def send(events: Sequence[LoggedRegistryEvent]) -> None:
        topic = topic_prefix + TOPIC
        await kafka.ensure_topics(siks_bootstrap_servers, [topic], partitions=PARTITIONS)
        producer = kafka.new_producer(siks_bootstrap_servers)
        await producer.start()
        try:
            for logged in events:
                recorded = RecordedEvent(
                    position=logged.position, stream_id=logged.household_id, version=logged.version,
                    event_id=str(uuid.uuid4()), type=logged.event.type, topic=TOPIC, subject=logged.household_id,
                    data=logged.event.model_dump(mode="json"), metadata={"actor": "registry-test"},
                    recorded_at=logged.recorded_at)
                key, value, headers = recorded.envelope("/siks-ng/registry").to_kafka()
                await producer.send(topic, key=key, value=value, headers=headers)
            await producer.flush()
        finally:
            await producer.stop()

    return send
