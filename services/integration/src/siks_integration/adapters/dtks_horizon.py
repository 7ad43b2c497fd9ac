"""Keeps watch on how far the registry has published, so a report naming nobody in our copy of
DTKS is `unmatched` only once the copy is known to hold everything the registry had published
when the report arrived, and `pending` until then.

Twice a second: note the database clock, then the end offsets of the registry's topic (read
after the clock, so they cover at least everything published before that moment; each read from the
partition's last record, `siks_events.kafka.last_offsets`); keep them
in memory (each process that runs this loop keeps its own; settling a report twice is harmless);
find the newest such observation the copy has read up to; and decide every pending report
received, with a margin for the registry's own relay, before it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from datetime import datetime, timedelta

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError
from siks_events import kafka
from siks_events.model import Cause, DomainError

from siks_integration.adapters.postgres import horizon
from siks_integration.adapters.postgres.uow import PostgresIntegrationUnitOfWork
from siks_integration.application import handlers
from siks_integration.settings import IntakeSettings

log = logging.getLogger("siks.integration.horizon")

Observation = tuple[datetime, dict[int, int]]


class RegistryHorizon:
    """Observes the registry's topic ends and settles pending reports once the copy has caught up."""

    def __init__(self, pool: asyncpg.Pool, *, bootstrap_servers: str, topic: str, settings: IntakeSettings) -> None:
        self.pool = pool
        self.bootstrap_servers = bootstrap_servers
        self.topic = topic
        self.settings = settings
        self.observations: deque[Observation] = deque(maxlen=1000)
        self.settled = 0

    async def run(self) -> None:
        client = AIOKafkaConsumer(**kafka.connection(self.bootstrap_servers), enable_auto_commit=False,
                                  request_timeout_ms=10_000, metadata_max_age_ms=5_000)
        try:
            await client.start()
            while True:
                try:
                    await self.observe(client)
                except (KafkaError, TimeoutError) as exc:
                    # No observation means no report turns unmatched: they stay pending, which is honest.
                    log.info("could not observe the registry's topic", extra={"error": repr(exc)})
                kafka.stop_if_cancelled()  # the client can catch the stop request; shutdown must not wait on it
                await self.settle()
                await asyncio.sleep(self.settings.horizon_poll_seconds)
        finally:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.stop(), 5)

    async def observe(self, client: AIOKafkaConsumer) -> None:
        """Note the registry topic's end offsets, after the database clock they are stamped with."""
        async with self.pool.acquire() as connection:
            observed_at = await horizon.now(connection)
        if self.topic not in await asyncio.wait_for(client.topics(), 10):
            return  # the registry has published nothing yet
        partitions = [TopicPartition(self.topic, p) for p in client.partitions_for_topic(self.topic) or ()]
        # The true ends, read from the last records: the embedded broker reports the start of the last batch,
        # and a copy that had read only that far would settle reports as unmatched too early.
        ends = await asyncio.wait_for(kafka.last_offsets(client, partitions), 10) if partitions else {}
        self.observations.append((observed_at, {tp.partition: end for tp, end in ends.items()}))

    def caught_up_to(self, positions: dict[int, int]) -> datetime | None:
        """The time of the newest observation the copy has read up to (dropping older ones)."""
        covered = None
        while self.observations:
            observed_at, ends = self.observations[0]
            if any(positions.get(p, 0) < end for p, end in ends.items()):
                break
            covered = observed_at
            self.observations.popleft()
        if covered is not None:
            # keep it: the next round needs a covered observation even if nothing new was published
            self.observations.appendleft((covered, {}))
        return covered

    async def settle(self, limit: int = 500) -> int:
        """Decide pending reports whose question the copy can now answer; returns how many."""
        async with self.pool.acquire() as connection:
            positions = await horizon.copy_positions(connection, self.topic)
        covered = self.caught_up_to(positions)
        if covered is None:
            return 0
        margin = timedelta(seconds=self.settings.pending_settle_seconds)
        async with self.pool.acquire() as connection:
            report_ids = await horizon.pending_reports(connection, covered - margin, limit)
        for report_id in report_ids:
            uow = PostgresIntegrationUnitOfWork(self.pool, Cause(actor="integration", command="SettlePendingReport"))
            try:
                await handlers.handle_dtks_caught_up(report_id, uow)
            except DomainError as exc:  # a race with the registry's confirmation: next round
                log.info("pending report not settled yet", extra={"report_id": report_id, "error": exc.code})
                continue
            self.settled += 1
        return len(report_ids)


async def run_registry_horizon(runtime) -> None:
    """The service's watch on the registry's topic (a `ServiceDefinition` worker)."""
    settings = runtime.settings
    await RegistryHorizon(runtime.pool, bootstrap_servers=settings.kafka_bootstrap_servers,
                          topic=horizon.registry_topic(settings.topic_prefix), settings=IntakeSettings()).run()
