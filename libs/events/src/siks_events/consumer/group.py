"""The idempotent consumer: one group member, each assigned partition applied by its own worker.

The poll loop only fetches and hands records to per-partition queues. A partition's worker applies
them in batches (see batch.py); while it waits out a transient failure (the database away, a race),
only that partition is paused. Positions live in PostgreSQL beside the effects; Kafka's committed
offsets mirror them for standard tooling. A housekeeping loop checks, without holding up polling,
that the broker still has the record just before each position (the embedded broker forgets
everything on restart), rewinding a partition that lost it; records removed by retention are not
loss. It also commits to Kafka, prunes the inbox and sends dead letters.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

import asyncpg
from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import KafkaError
from aiokafka.structs import ConsumerRecord

from siks_events import kafka, metrics
from siks_events.consumer import inbox, positions
from siks_events.consumer.batch import BatchApplier, BatchHandler, Handler, Outcome, UnitOfWorkFactory, until_done
from siks_events.consumer.dead_letters import DeadLetterSender
from siks_events.consumer.positions import Position
from siks_events.uow import PostgresUnitOfWork

log = logging.getLogger("siks.consumer")

_QUEUED_BATCHES = 3
"""Batches fetched ahead per partition before its fetching pauses."""


class IdempotentConsumer:
    """Consumes topics as one group member and applies each event exactly once in effect."""

    def __init__(
        self,
        *,
        name: str,
        pool: asyncpg.Pool,
        bootstrap_servers: str,
        topics: list[str],
        handler: Handler | BatchHandler,
        uow_factory: UnitOfWorkFactory | None = None,
        topic_prefix: str = "",
        max_attempts: int = 3,
        retry_delay: float = 0.2,
        check_interval: float = 5.0,
        batch_size: int = 500,
        session_timeout_ms: int = 10_000,
        max_backoff: float = 10.0,
        inbox_retention: timedelta | None = None,
        partitions: int = kafka.DEFAULT_PARTITIONS,
        replication_factor: int = 1,
        service: str = "",
    ) -> None:
        self.name = name
        # The prefix names an environment; groups of different environments must not meet.
        self.group = topic_prefix + name
        self.partitions = partitions
        self.replication_factor = replication_factor
        self.pool = pool
        self.bootstrap_servers = bootstrap_servers
        self.topics = [topic_prefix + t for t in topics]
        self.check_interval = check_interval
        self.batch_size = batch_size
        self.session_timeout_ms = session_timeout_ms
        self.max_backoff = max_backoff
        self.inbox_retention = inbox_retention
        self.applier = BatchApplier(
            consumer=name, pool=pool, handler=handler,
            uow_factory=uow_factory or (lambda cause: PostgresUnitOfWork(pool, cause)),
            max_attempts=max_attempts, retry_delay=retry_delay, topic_prefix=topic_prefix,
        )
        self.dead_letter_sender = DeadLetterSender(pool, name, bootstrap_servers)
        self.positions: dict[TopicPartition, Position] = {}
        self.applied = 0
        self.duplicates = 0
        self.dead_lettered = 0
        self.rewinds = 0
        self.retries = 0
        """Batches retried after a transient failure."""
        self.split_batches = 0
        self._queues: dict[TopicPartition, asyncio.Queue[list[ConsumerRecord]]] = {}
        self._workers: dict[TopicPartition, asyncio.Task] = {}
        self._to_check: set[TopicPartition] = set()
        self._consumer: AIOKafkaConsumer | None = None
        self._lag_client: AIOKafkaConsumer | None = None
        """A group-less client that reads partitions' last records for `lag` (the member's own fetch stays put)."""
        self._lag_lock = asyncio.Lock()
        self.service = service or name.split(".")[0]

    # --- running -------------------------------------------------------------------

    async def run(self) -> None:
        """Consume until cancelled."""
        await kafka.ensure_topics(self.bootstrap_servers, self.topics, partitions=self.partitions,
                                  replication_factor=self.replication_factor, with_dlq=True)
        self._consumer = AIOKafkaConsumer(
            **kafka.connection(self.bootstrap_servers),
            group_id=self.group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            # also the rebalance timeout: a member that vanished holds a rebalance up this long
            max_poll_interval_ms=60_000,
            session_timeout_ms=self.session_timeout_ms,
            heartbeat_interval_ms=max(100, self.session_timeout_ms // 4),
            metadata_max_age_ms=5_000,
            max_partition_fetch_bytes=4 * 1024 * 1024,
            fetch_max_wait_ms=kafka.FETCH_MAX_WAIT_MS,
        )
        self._consumer.subscribe(self.topics, listener=_Rebalance(self))
        await self._consumer.start()
        housekeeping = [asyncio.create_task(self._housekeeping(), name=f"{self.name} housekeeping"),
                        asyncio.create_task(self.dead_letter_sender.run(), name=f"{self.name} dead letters")]
        try:
            while True:
                # A worker resuming its partition cannot wake a fetch already waiting: wait briefly then.
                waiting = 50 if self._consumer.paused() else 500
                batches = await self._consumer.getmany(timeout_ms=waiting, max_records=self.batch_size * 4)
                kafka.stop_if_cancelled()
                for tp, records in batches.items():
                    queue = self._queues.get(tp)
                    if queue is None:
                        continue  # revoked while the fetch was on its way
                    queue.put_nowait(records)
                    if queue.qsize() >= _QUEUED_BATCHES:
                        self._consumer.pause(tp)
        finally:
            for task in housekeeping:
                task.cancel()
            await self._stop_workers(list(self._workers))
            await asyncio.gather(*housekeeping, return_exceptions=True)
            # Leaving the group needs the broker; a broker that does not answer must not hold shutdown.
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._commit_to_kafka(), 5)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._consumer.stop(), 10)
            await self._stop_lag_client()

    # --- a partition's worker ------------------------------------------------------

    async def _work(self, tp: TopicPartition, queue: asyncio.Queue[list[ConsumerRecord]]) -> None:
        while True:
            records = await queue.get()
            while not queue.empty() and len(records) < self.batch_size:
                records = records + queue.get_nowait()
            if queue.qsize() < _QUEUED_BATCHES and self._consumer is not None and tp in self._consumer.assignment():
                self._consumer.resume(tp)
            start = self.positions.get(tp, Position()).next_offset
            # Skip what a rewind or a stored position already passed.
            records = [r for r in records if r.offset >= start]
            for i in range(0, len(records), self.batch_size):
                await self._apply_until_done(tp, records[i:i + self.batch_size])

    async def _apply_until_done(self, tp: TopicPartition, records: list[ConsumerRecord]) -> None:
        """Apply one batch, waiting out failures for as long as they last."""
        outcome = await until_done(lambda: self.applier.apply(tp, records), consumer=self.name,
                                   max_backoff=self.max_backoff, on_retry=self._retried,
                                   topic=tp.topic, partition=tp.partition)
        self._account(tp, outcome)

    def _retried(self) -> None:
        self.retries += 1

    def _account(self, tp: TopicPartition, outcome: Outcome) -> None:
        self.positions[tp] = outcome.position
        self.applied += outcome.applied
        self.duplicates += outcome.duplicates
        self.dead_lettered += len(outcome.dead_letters)
        self.split_batches += outcome.split
        metrics.consumer_applied.labels(self.service, self.group).inc(outcome.applied)
        for letter in outcome.dead_letters:
            metrics.dead_letters.labels(self.service, tp.topic, letter.reason_code).inc()
            log.warning("event dead-lettered", extra={
                "consumer": self.name, "topic": tp.topic, "offset": letter.record.offset,
                "reason_code": letter.reason_code, "reason": letter.reason})
        if outcome.dead_letters:
            self.dead_letter_sender.wake()

    def _start_worker(self, tp: TopicPartition) -> None:
        queue: asyncio.Queue[list[ConsumerRecord]] = asyncio.Queue()
        self._queues[tp] = queue
        self._workers[tp] = asyncio.create_task(self._work(tp, queue), name=f"{self.name} {tp.topic}:{tp.partition}")

    async def _stop_workers(self, partitions: list[TopicPartition]) -> None:
        """Cancel the workers (an open batch transaction rolls back: it is applied again later)."""
        tasks = [self._workers.pop(tp) for tp in partitions if tp in self._workers]
        for tp in partitions:
            self._queues.pop(tp, None)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=30)

    # --- positions and loss --------------------------------------------------------

    async def _on_assigned(self, partitions: list[TopicPartition]) -> None:
        """Seek to the positions kept beside the inbox; the loss check runs before long."""
        assert self._consumer is not None
        stored = await positions.load(self.pool, self.name)
        for tp in partitions:
            self.positions[tp] = stored.get(tp, Position())
            self._consumer.seek(tp, self.positions[tp].next_offset)
            if tp not in self._workers:
                self._start_worker(tp)
        self._to_check.update(partitions)

    async def _on_revoked(self, partitions: list[TopicPartition]) -> None:
        await self._stop_workers(partitions)
        with contextlib.suppress(KafkaError, asyncio.TimeoutError):
            await asyncio.wait_for(self._commit_to_kafka(), 5)

    async def _housekeeping(self) -> None:
        loop = asyncio.get_running_loop()
        next_check = next_prune = loop.time()
        while True:
            await asyncio.sleep(min(1.0, self.check_interval))
            try:
                await self._commit_to_kafka()
                if self._to_check or loop.time() >= next_check:
                    to_check = set(self._to_check)
                    self._to_check.clear()
                    if loop.time() >= next_check:
                        to_check |= set(self._consumer.assignment()) if self._consumer else set()
                        next_check = loop.time() + self.check_interval
                    await self._check_for_loss(list(to_check))
                if self.inbox_retention is not None and loop.time() >= next_prune:
                    removed = await inbox.prune(self.pool, self.name, self.inbox_retention)
                    if removed:
                        log.info("inbox pruned", extra={"consumer": self.name, "removed": removed})
                    next_prune = loop.time() + 3600
            except Exception as exc:  # noqa: BLE001 - housekeeping tries again next round
                log.info("housekeeping postponed", extra={"consumer": self.name, "error": repr(exc)})
            kafka.stop_if_cancelled()  # a fetch or commit that caught the stop request must not keep it looping

    async def _commit_to_kafka(self) -> None:
        """Mirror positions into Kafka, for standard tooling."""
        if self._consumer is None:
            return
        assigned = self._consumer.assignment()
        offsets = {tp: p.next_offset for tp, p in self.positions.items() if tp in assigned and p.next_offset > 0}
        if offsets:
            with contextlib.suppress(KafkaError):
                await self._consumer.commit(offsets)

    async def _check_for_loss(self, partitions: list[TopicPartition]) -> set[TopicPartition]:
        """Rewind any partition whose broker lost the record before our position (the inbox dedups)."""
        assert self._consumer is not None
        # The workers move on while the probes run: judge each partition by the position it was probed at.
        watched = {tp: self.positions[tp] for tp in partitions if self.positions.get(tp, Position()).next_offset > 0}
        found = await kafka.probe_many(self.bootstrap_servers, {tp: p.next_offset - 1 for tp, p in watched.items()})
        rewound = set()
        for tp, position in watched.items():
            lost = await self._lost(tp, position, found[tp])
            if lost is None:
                self._to_check.add(tp)  # the broker did not say: ask again next round
            elif lost and tp in self._consumer.assignment():
                await self._rewind(tp)
                rewound.add(tp)
        return rewound

    async def _lost(self, tp: TopicPartition, position: Position, found: str) -> bool | None:
        """True if the broker lost the record just before `position`, None if it could not tell."""
        if found == kafka.Probe.UNKNOWN:
            return None
        if found == kafka.Probe.RETAINED:
            return False  # removed by the topic's retention, not lost
        if position.fingerprint is not None:
            return found != position.fingerprint
        if found == kafka.Probe.GONE:
            return True
        # A position stored before fingerprints: trust it while the group's offsets agree it exists.
        try:
            return await self._consumer.committed(tp) is None  # type: ignore[union-attr]
        except KafkaError:
            return None

    async def _rewind(self, tp: TopicPartition) -> None:
        log.warning("broker lost data behind our position; rewinding",
                    extra={"consumer": self.name, "topic": tp.topic, "partition": tp.partition})
        self.rewinds += 1
        await self._stop_workers([tp])
        async with self.pool.acquire() as connection:
            await positions.store(connection, self.name, tp, Position())
        self.positions[tp] = Position()
        assert self._consumer is not None
        self._consumer.seek(tp, 0)
        self._consumer.resume(tp)
        self._start_worker(tp)

    async def lag(self) -> dict[TopicPartition, int]:
        """Records after the stored position of each assigned partition, up to its last record (consumer lag)."""
        if self._consumer is None:
            return {}
        assigned = list(self._consumer.assignment())
        async with self._lag_lock:
            if self._lag_client is None:
                client = AIOKafkaConsumer(**kafka.connection(self.bootstrap_servers), enable_auto_commit=False,
                                          auto_offset_reset="latest", request_timeout_ms=10_000)
                await client.start()
                self._lag_client = client
            try:
                ends = await kafka.last_offsets(self._lag_client, assigned)
            except KafkaError:
                await self._stop_lag_client()
                raise
        return {tp: max(0, ends[tp] - self.positions.get(tp, Position()).next_offset) for tp in assigned}

    async def _stop_lag_client(self) -> None:
        client, self._lag_client = self._lag_client, None
        if client is not None:
            await kafka.stop_quietly(client)


class _Rebalance(ConsumerRebalanceListener):
    def __init__(self, consumer: IdempotentConsumer) -> None:
        self.consumer = consumer

    async def on_partitions_revoked(self, revoked) -> None:
        await self.consumer._on_revoked(list(revoked))

    async def on_partitions_assigned(self, assigned) -> None:
        await self.consumer._on_assigned(list(assigned))
