"""The eligibility worker with its outbox relay, and a subscriber of its topic, running for the length of a test."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import date

from aiokafka import AIOKafkaConsumer
from siks_eligibility import worker
from siks_eligibility.lifecycle import Lifecycle
from siks_events import kafka
from siks_events.catalog.eligibility import TOPIC
from siks_events.envelope import Envelope
from siks_events.pytest_plugin import eventually
from siks_events.relay import OutboxRelay


class Subscriber:
    """A plain Kafka consumer of the eligibility topic, as BPJS or any other subscriber would read it."""

    def __init__(self, bootstrap_servers: str, topic: str) -> None:
        self.client = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap_servers, group_id=None,
                                       auto_offset_reset="earliest", enable_auto_commit=False, metadata_max_age_ms=500)
        self.received: list[Envelope] = []

    async def run(self) -> None:
        await self.client.start()
        try:
            while True:
                for records in (await self.client.getmany(timeout_ms=200)).values():
                    self.received.extend(Envelope.from_kafka(r.key, r.value, r.headers) for r in records)
        finally:
            await self.client.stop()

    def events(self, since: int = 0) -> list:
        return [e.event() for e in self.received[since:]]

    async def heard_everything(self, pool) -> int:
        """Wait until every event the service stored has reached the subscriber; returns how many it heard."""
        stored = await pool.fetchval("SELECT count(*) FROM events")
        await eventually(lambda: asyncio.sleep(0, len(self.received)), until=lambda n: n == stored, timeout=30)
        return len(self.received)


@contextlib.asynccontextmanager
async def running(lifecycle: Lifecycle, *, on: date) -> AsyncIterator[tuple[Subscriber, int]]:
    """The worker deciding `on` with its relay, caught up with the registry's topic; yields the subscriber and the
    version served."""
    topic = lifecycle.topic_prefix + TOPIC
    await kafka.ensure_topics(lifecycle.bootstrap_servers, [topic], partitions=lifecycle.partitions)
    subscriber = Subscriber(lifecycle.bootstrap_servers, topic)
    relay = OutboxRelay(lifecycle.pool, bootstrap_servers=lifecycle.bootstrap_servers, source="/siks-ng/eligibility",
                        topic_prefix=lifecycle.topic_prefix, partitions=lifecycle.partitions, idle_interval=0.1)
    tasks = [asyncio.create_task(t) for t in (subscriber.run(), relay.run(), worker.run(lifecycle, on=on, poll=0.2))]
    try:
        served = await eventually(lambda: lifecycle.pool.fetchval("SELECT version FROM eligibility_pointer"),
                                  until=lambda v: v is not None, timeout=20)
        await eventually(lambda: lifecycle.caught_up_with_now(served), timeout=40)
        yield subscriber, served
    finally:
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
