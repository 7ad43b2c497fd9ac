"""Idempotent consumer: apply each event once, keep positions beside the effects, dead-letter the rest.

The inbox row (consumer, event id) and the partition position are written in the same
transaction as the handler's effect (after its events, see uow.py), so a redelivered event
is acknowledged and changes nothing. Positions live in PostgreSQL, not only in Kafka:
the embedded broker forgets everything on restart, and we detect that from what we know
(a partition that ends below our position, or a group whose committed offsets vanished)
and rewind to the beginning; the inbox drops what was already applied.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import KafkaError
from aiokafka.structs import ConsumerRecord

from siks_events import kafka, telemetry
from siks_events.catalog import EventRejected
from siks_events.envelope import Envelope
from siks_events.model import Cause, Conflict, DomainError, Event, StreamVersionConflict
from siks_events.uow import PostgresUnitOfWork, UnitOfWork

log = logging.getLogger("siks.consumer")

Handler = Callable[[Event, Envelope, UnitOfWork], Awaitable[None]]
"""Applies one event: enters the unit of work, changes aggregates, commits."""

UnitOfWorkFactory = Callable[[Cause], PostgresUnitOfWork]

_OUTAGES = (OSError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError, asyncpg.CannotConnectNowError)


def inbox_key(envelope: Envelope) -> str:
    """CloudEvents ids are unique per source, so the inbox remembers both."""
    return f"{envelope.source}#{envelope.id}"


class IdempotentConsumer:
    """Consumes topics as one group member and applies each event exactly once in effect."""

    def __init__(
        self,
        *,
        name: str,
        pool: asyncpg.Pool,
        bootstrap_servers: str,
        topics: list[str],
        handler: Handler,
        uow_factory: UnitOfWorkFactory | None = None,
        topic_prefix: str = "",
        max_attempts: int = 3,
        retry_delay: float = 0.2,
        check_interval: float = 5.0,
        batch_size: int = 500,
        partitions: int = kafka.DEFAULT_PARTITIONS,
        replication_factor: int = 1,
    ) -> None:
        self.name = name
        # The prefix names an environment; groups of different environments must not meet.
        self.group = topic_prefix + name
        self.partitions = partitions
        self.replication_factor = replication_factor
        self.pool = pool
        self.bootstrap_servers = bootstrap_servers
        self.topics = [topic_prefix + t for t in topics]
        self.handler = handler
        self.uow_factory = uow_factory or (lambda cause: PostgresUnitOfWork(pool, cause))
        self.max_attempts = max_attempts
        self.retry_delay = retry_delay
        self.check_interval = check_interval
        self.batch_size = batch_size
        self.positions: dict[TopicPartition, int] = {}
        self.fingerprints: dict[TopicPartition, str | None] = {}
        self.applied = 0
        self.duplicates = 0
        self.dead_lettered = 0
        self.rewinds = 0
        self._to_check: set[TopicPartition] = set()
        self._consumer: AIOKafkaConsumer | None = None
        self._producer: AIOKafkaProducer | None = None

    # --- running -------------------------------------------------------------------

    async def run(self) -> None:
        """Consume until cancelled."""
        await kafka.ensure_topics(self.bootstrap_servers, self.topics, partitions=self.partitions,
                                  replication_factor=self.replication_factor, with_dlq=True)
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap_servers,
            group_id=self.group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            # also the rebalance timeout: a member that vanished holds a rebalance up this long
            max_poll_interval_ms=60_000,
            metadata_max_age_ms=5_000,
        )
        self._producer = kafka.new_producer(self.bootstrap_servers)
        self._consumer.subscribe(self.topics, listener=_Rebalance(self))
        await self._consumer.start()
        await self._producer.start()
        loop = asyncio.get_running_loop()
        next_check = loop.time() + self.check_interval
        try:
            while True:
                batches = await self._consumer.getmany(timeout_ms=500, max_records=self.batch_size)
                if self._to_check:
                    to_check, self._to_check = list(self._to_check), set()
                    rewound = await self._check_for_loss(to_check)
                    batches = {tp: records for tp, records in batches.items() if tp not in rewound}
                # Partitions are independent: apply them side by side, each in its own order.
                await asyncio.gather(*(self._process_partition(tp, records) for tp, records in batches.items()))
                if batches:
                    await self._commit_to_kafka()
                if loop.time() >= next_check:
                    await self._check_for_loss(list(self._consumer.assignment()))
                    next_check = loop.time() + self.check_interval
        finally:
            # Leaving the group needs the broker; a broker that does not answer must not hold shutdown.
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._consumer.stop(), 10)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._producer.stop(), 10)

    # --- one record ----------------------------------------------------------------

    async def _process_partition(self, tp: TopicPartition, records: list[ConsumerRecord]) -> None:
        for record in records:
            if record.offset < self.positions.get(tp, 0):
                continue  # already past it (a rewind decision raced the fetch)
            await self._process(tp, record)

    async def _process(self, tp: TopicPartition, record: ConsumerRecord) -> None:
        try:
            envelope = Envelope.from_kafka(record.key, record.value, record.headers)
            event = envelope.event()
        except EventRejected as rejected:
            await self._dead_letter(tp, record, rejected.reason_code, rejected.reason, None)
            return
        with telemetry.consumer_span(envelope, self.name):
            await self._apply(tp, record, envelope, event)

    async def _apply(self, tp: TopicPartition, record: ConsumerRecord, envelope: Envelope, event: Event) -> None:
        next_offset = record.offset + 1
        key = inbox_key(envelope)
        attempt, outage_backoff, races = 0, 0.5, 0
        while attempt < self.max_attempts:
            attempt += 1
            try:
                if await self._already_applied(key):
                    self.duplicates += 1
                    await self._store_position(tp, next_offset, _fingerprint(record))
                    return
                uow = self.uow_factory(cause_of(envelope, self.name))
                remember = self._inbox_writer(key, tp, record)
                uow.after_events(remember)
                await self.handler(event, envelope, uow)
                if not uow.committed:
                    # The handler changed nothing; still remember the event and the position.
                    async with uow:
                        uow.after_events(remember)
                        await uow.commit()
            except _OUTAGES as exc:
                # Our own database is away: that is no fault of the event, so wait, never dead-letter.
                log.warning("database unavailable, retrying", extra={"consumer": self.name, "error": repr(exc)})
                await asyncio.sleep(outage_backoff)
                outage_backoff = min(outage_backoff * 2, 10.0)
                attempt -= 1
                continue
            except asyncpg.UniqueViolationError as exc:
                if exc.table_name == "inbox":  # a twin delivery committed first
                    self.duplicates += 1
                    await self._store_position(tp, next_offset, _fingerprint(record))
                    return
                reason = f"database rejected the effect: {exc}"
            except StreamVersionConflict as exc:
                # Another writer (often another partition's event about the same household) got there
                # first: reload and try again; that is no fault of the event.
                races += 1
                if races <= 20:
                    attempt -= 1
                    await asyncio.sleep(0.01 * races)
                    continue
                reason = f"conflict: {exc.detail}"
            except Conflict as exc:
                reason = f"conflict: {exc.detail}"
            except DomainError as exc:
                # A rule the event breaks will break again: no retry.
                await self._dead_letter(tp, record, exc.code, exc.detail, envelope.id)
                return
            except Exception as exc:  # noqa: BLE001 - an unknown fault must not stop the partition
                log.exception("handler failed", extra={"consumer": self.name, "attempt": attempt})
                reason = f"handler failed: {exc!r}"
            else:
                self.positions[tp] = next_offset
                self.applied += 1
                return
            if attempt < self.max_attempts:
                await asyncio.sleep(self.retry_delay * attempt)
        await self._dead_letter(tp, record, "handler-failed", reason, envelope.id)

    def _inbox_writer(self, key: str, tp: TopicPartition, record: ConsumerRecord):
        async def write(uow: UnitOfWork) -> None:
            connection = uow.connection  # type: ignore[attr-defined]
            await connection.execute("INSERT INTO inbox (consumer, event_id) VALUES ($1, $2)", self.name, key)
            await _upsert_position(connection, self.name, tp, next_offset, fingerprint)
            self.fingerprints[tp] = fingerprint

        next_offset, fingerprint = record.offset + 1, _fingerprint(record)
        return write

    async def _already_applied(self, key: str) -> bool:
        return bool(
            await self.pool.fetchval("SELECT 1 FROM inbox WHERE consumer = $1 AND event_id = $2", self.name, key)
        )

    async def _dead_letter(
        self, tp: TopicPartition, record: ConsumerRecord, code: str, reason: str, event_id: str | None
    ) -> None:
        """Send the original bytes with the reason to `<topic>.dlq`, then move past the record."""
        assert self._producer is not None
        headers = list(record.headers or ()) + [
            ("dlq_reason", reason.encode()),
            ("dlq_reason_code", code.encode()),
            ("dlq_consumer", self.name.encode()),
            ("dlq_topic", tp.topic.encode()),
            ("dlq_partition", str(tp.partition).encode()),
            ("dlq_offset", str(record.offset).encode()),
        ]
        while True:
            try:
                await self._producer.send_and_wait(
                    kafka.dlq_topic(tp.topic), record.value, key=record.key, headers=headers
                )
                break
            except KafkaError as exc:  # never skip the record without its dead letter
                log.warning("dead-letter topic unreachable, retrying", extra={"error": repr(exc)})
                await asyncio.sleep(1.0)
        log.warning(
            "event dead-lettered",
            extra={"consumer": self.name, "topic": tp.topic, "offset": record.offset, "reason": reason},
        )
        async with self.pool.acquire() as connection, connection.transaction():
            await connection.execute(
                'INSERT INTO dead_letters (consumer, topic, partition, "offset", reason, event_id)'
                " VALUES ($1, $2, $3, $4, $5, $6)",
                self.name,
                tp.topic,
                tp.partition,
                record.offset,
                reason,
                event_id,
            )
            await _upsert_position(connection, self.name, tp, record.offset + 1, _fingerprint(record))
        self.positions[tp] = record.offset + 1
        self.fingerprints[tp] = _fingerprint(record)
        self.dead_lettered += 1

    async def _store_position(self, tp: TopicPartition, next_offset: int, fingerprint: str | None) -> None:
        async with self.pool.acquire() as connection:
            await _upsert_position(connection, self.name, tp, next_offset, fingerprint)
        self.positions[tp] = next_offset
        self.fingerprints[tp] = fingerprint

    async def _commit_to_kafka(self) -> None:
        """Mirror positions into Kafka: for standard tooling, and as our loss detector."""
        assert self._consumer is not None
        assigned = self._consumer.assignment()
        offsets = {tp: pos for tp, pos in self.positions.items() if tp in assigned and pos > 0}
        if offsets:
            with contextlib.suppress(KafkaError):
                await self._consumer.commit(offsets)

    # --- positions and loss --------------------------------------------------------

    async def _on_assigned(self, partitions: list[TopicPartition]) -> None:
        """Seek to the positions kept beside the inbox; the loss check runs before the next batch."""
        assert self._consumer is not None
        rows = await self.pool.fetch(
            "SELECT topic, partition, next_offset, last_fingerprint FROM consumer_positions WHERE consumer = $1",
            self.name,
        )
        stored = {TopicPartition(r["topic"], r["partition"]): (r["next_offset"], r["last_fingerprint"]) for r in rows}
        for tp in partitions:
            self.positions[tp], self.fingerprints[tp] = stored.get(tp, (0, None))
            self._consumer.seek(tp, self.positions[tp])
        self._to_check.update(partitions)

    async def _check_for_loss(self, partitions: list[TopicPartition]) -> set[TopicPartition]:
        """Rewind any partition the broker has forgotten: nothing is skipped, the inbox dedups."""
        assert self._consumer is not None
        watched = [tp for tp in partitions if self.positions.get(tp, 0) > 0]
        rewound: set[TopicPartition] = set()
        if not watched:
            return rewound
        try:
            committed = {tp: await self._consumer.committed(tp) for tp in watched}
        except KafkaError as exc:
            log.info("could not check partitions for loss yet", extra={"error": repr(exc)})
            self._to_check.update(watched)
            return rewound
        for tp in watched:
            position, expected = self.positions[tp], self.fingerprints.get(tp)
            if committed.get(tp) is not None:
                # The group's offsets survived; the record before our position must still be there.
                found = await kafka.probe(self.bootstrap_servers, tp, position - 1)
                if found == kafka.Probe.UNKNOWN or (found != kafka.Probe.GONE and (expected is None or found == expected)):
                    continue
            log.warning(
                "broker lost data behind our position; rewinding",
                extra={"consumer": self.name, "topic": tp.topic, "partition": tp.partition},
            )
            self.rewinds += 1
            await self._store_position(tp, 0, None)
            self._consumer.seek(tp, 0)
            rewound.add(tp)
        return rewound

    async def lag(self) -> dict[TopicPartition, int]:
        """Records behind the end of each assigned partition (consumer lag)."""
        assert self._consumer is not None
        assigned = list(self._consumer.assignment())
        ends = await self._consumer.end_offsets(assigned) if assigned else {}
        return {tp: max(0, ends[tp] - self.positions.get(tp, 0)) for tp in assigned}


class _Rebalance(ConsumerRebalanceListener):
    def __init__(self, consumer: IdempotentConsumer) -> None:
        self.consumer = consumer

    async def on_partitions_revoked(self, revoked) -> None:
        await self.consumer._commit_to_kafka()

    async def on_partitions_assigned(self, assigned) -> None:
        await self.consumer._on_assigned(list(assigned))


async def _upsert_position(
    connection: asyncpg.Connection, consumer: str, tp: TopicPartition, offset: int, last_fingerprint: str | None
) -> None:
    await connection.execute(
        "INSERT INTO consumer_positions (consumer, topic, partition, next_offset, last_fingerprint)"
        " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (consumer, topic, partition) DO UPDATE"
        " SET next_offset = excluded.next_offset, last_fingerprint = excluded.last_fingerprint, updated_at = now()",
        consumer,
        tp.topic,
        tp.partition,
        offset,
        last_fingerprint,
    )


def _fingerprint(record: ConsumerRecord) -> str:
    return kafka.fingerprint(record.key, record.value, record.headers)


def cause_of(envelope: Envelope, consumer: str) -> Cause:
    """Who caused the effects of applying an event: its actor, and the event as the cause."""
    ext = envelope.extensions
    return Cause(
        actor=ext.get("actor") or envelope.source,
        role=ext.get("actorrole") or "system",
        region=ext.get("actorregion") or "",
        command=f"{consumer}:{envelope.type}",
        request_id=ext.get("requestid"),
        causation_id=envelope.id,
        traceparent=telemetry.current_traceparent() or envelope.traceparent,
    )
