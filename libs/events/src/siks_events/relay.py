"""Outbox relay: publish every stored event to Kafka, in order per stream, at least once.

Gap-free without serialising writers (PgQ's idea). Each event row keeps its writer's
transaction id. The relay keeps a durable watermark W and reads, in one statement (one
snapshot), the rows with ``W <= txid < xmin`` where xmin is the oldest transaction still
running: every transaction below xmin has finished, so no row can appear behind W later.
The window ``[W, xmin)`` is published in position order, in batches, and only then does W
move to xmin. Per-stream order holds because a stream's next version is written by a
transaction that started its first write after the previous version committed, so it has
a higher id and never lands in an earlier window (the unit of work appends events first).

The store, not Kafka, is the system of record: if a partition's end offset falls below an
offset the broker acknowledged to us, the broker lost data and the relay republishes
everything from the start (consumers deduplicate).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

import asyncpg
from aiokafka import AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError

from siks_events import kafka
from siks_events.store import RecordedEvent, recorded

log = logging.getLogger("siks.relay")

_COLUMNS = "e.position, e.stream_id, e.version, e.event_id, e.type, e.topic, e.subject, e.data, e.metadata, e.recorded_at"

# The snapshot's xmin and the rows are read by one statement, hence in one snapshot.
_OPEN_WINDOW = f"""
WITH snapshot AS (SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS xmin)
SELECT snapshot.xmin AS window_end, {_COLUMNS}
FROM snapshot
LEFT JOIN LATERAL (
    SELECT * FROM events WHERE txid >= $1 AND txid < snapshot.xmin ORDER BY position LIMIT $2
) AS e ON true
"""

_CONTINUE_WINDOW = f"""
SELECT {_COLUMNS} FROM events AS e
WHERE e.txid >= $1 AND e.txid < $2 AND e.position > $3
ORDER BY e.position LIMIT $4
"""


@dataclass
class RelayState:
    """Where the relay stands: below `watermark` all is published; a window may be half done."""

    watermark: int = 0
    window_end: int | None = None
    after_position: int | None = None
    acked_offsets: dict[str, dict] = field(default_factory=dict)
    """Per "topic:partition", the highest offset the broker acknowledged and the event id stored there."""
    published: int = 0


class OutboxRelay:
    """Publishes a service's event store to Kafka; one active relay per store (advisory lock)."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        *,
        bootstrap_servers: str,
        source: str,
        name: str = "outbox",
        topic_prefix: str = "",
        partitions: int = kafka.DEFAULT_PARTITIONS,
        replication_factor: int = 1,
        batch_size: int = 500,
        idle_interval: float = 0.1,
        check_interval: float = 5.0,
        max_backoff: float = 5.0,
    ) -> None:
        self.pool = pool
        self.bootstrap_servers = bootstrap_servers
        self.source = source
        self.name = name
        self.topic_prefix = topic_prefix
        self.partitions = partitions
        self.replication_factor = replication_factor
        self.batch_size = batch_size
        self.idle_interval = idle_interval
        self.check_interval = check_interval
        self.max_backoff = max_backoff
        self.state = RelayState()
        self.republished = 0  # times the broker was found to have lost data
        self._known_topics: set[str] = set()
        self._producer: AIOKafkaProducer | None = None
        self._wake = asyncio.Event()

    # --- running -------------------------------------------------------------------

    async def run(self) -> None:
        """Publish until cancelled; waits as a standby while another relay holds the lock."""
        async with self.pool.acquire() as lock_connection:
            while not await lock_connection.fetchval(
                "SELECT pg_try_advisory_lock(hashtext(current_schema() || '.relay.' || $1))", self.name
            ):
                await asyncio.sleep(1.0)
            try:
                await self._run_as_leader()
            finally:
                await self._stop_producer()
                with contextlib.suppress(Exception):
                    await lock_connection.execute(
                        "SELECT pg_advisory_unlock(hashtext(current_schema() || '.relay.' || $1))", self.name
                    )

    def wake(self) -> None:
        """A hint that new events were committed; polling finds them anyway."""
        self._wake.set()

    async def _run_as_leader(self) -> None:
        self.state = await self._load_state()
        loop = asyncio.get_running_loop()
        next_check = loop.time()
        backoff = 0.1
        while True:
            try:
                if loop.time() >= next_check:
                    await self.check_broker()
                    next_check = loop.time() + self.check_interval
                published = await self.publish_batch()
                backoff = 0.1
            except (TimeoutError, KafkaError, OSError) as exc:
                log.warning("relay could not publish, retrying", extra={"error": repr(exc), "backoff": backoff})
                await self._stop_producer()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self.max_backoff)
                next_check = loop.time()  # after an outage, first make sure the broker kept our data
                continue
            if published < self.batch_size:
                self._wake.clear()
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.idle_interval)

    # --- one step ------------------------------------------------------------------

    async def publish_batch(self) -> int:
        """Publish the next batch of the current window and record progress; returns its size."""
        state = self.state
        async with self.pool.acquire() as connection:
            if state.window_end is None:
                rows = await connection.fetch(_OPEN_WINDOW, state.watermark, self.batch_size)
                window_end = rows[0]["window_end"]
                events = [recorded(_without(row, "window_end")) for row in rows if row["position"] is not None]
            else:
                window_end = state.window_end
                rows = await connection.fetch(
                    _CONTINUE_WINDOW, state.watermark, window_end, state.after_position, self.batch_size
                )
                events = [recorded(row) for row in rows]
        if events:
            await self._publish(events)
        if len(events) < self.batch_size:
            new_state = RelayState(watermark=max(window_end, state.watermark), acked_offsets=state.acked_offsets)
        else:
            new_state = RelayState(
                watermark=state.watermark,
                window_end=window_end,
                after_position=events[-1].position,
                acked_offsets=state.acked_offsets,
            )
        new_state.published = state.published + len(events)
        if events or new_state.watermark != state.watermark:
            await self._save_state(new_state)
        self.state = new_state
        return len(events)

    async def _publish(self, events: list[RecordedEvent]) -> None:
        producer = await self._ensure_producer()
        await self._ensure_topics({e.topic for e in events})
        futures = []
        for event in events:
            key, value, headers = event.envelope(self.source).to_kafka()
            futures.append(await producer.send(self.topic_prefix + event.topic, value, key=key, headers=headers))
        for event, metadata in zip(events, await asyncio.gather(*futures), strict=True):
            name = f"{metadata.topic}:{metadata.partition}"
            if metadata.offset >= self.state.acked_offsets.get(name, {}).get("offset", -1):
                self.state.acked_offsets[name] = {"offset": metadata.offset, "id": event.event_id}

    # --- broker loss ---------------------------------------------------------------

    async def check_broker(self) -> bool:
        """Republish from the start if the broker no longer holds a record it acknowledged to us."""
        lost = []
        for name, last in self.state.acked_offsets.items():
            topic, partition = name.rsplit(":", 1)
            found = await kafka.probe(self.bootstrap_servers, TopicPartition(topic, int(partition)), last["offset"])
            if found == kafka.Probe.GONE or (found != kafka.Probe.UNKNOWN and found != last["id"]):
                lost.append(name)
        if not lost:
            return False
        log.warning("broker lost acknowledged events; republishing from the start of the store",
                    extra={"partitions": lost})
        self.republished += 1
        self._known_topics.clear()
        self.state = RelayState(published=self.state.published)
        await self._save_state(self.state)
        return True

    # --- plumbing ------------------------------------------------------------------

    async def _ensure_producer(self) -> AIOKafkaProducer:
        if self._producer is None:
            producer = kafka.new_producer(self.bootstrap_servers)
            try:
                await producer.start()
            except BaseException:
                await producer.stop()
                raise
            self._producer = producer
        return self._producer

    async def _stop_producer(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(producer.stop(), 10)

    async def _ensure_topics(self, topics: set[str]) -> None:
        missing = {self.topic_prefix + t for t in topics} - self._known_topics
        if missing:
            await kafka.ensure_topics(self.bootstrap_servers, sorted(missing), partitions=self.partitions,
                                      replication_factor=self.replication_factor)
            self._known_topics |= missing

    async def _load_state(self) -> RelayState:
        async with self.pool.acquire() as connection:
            await connection.execute(
                "INSERT INTO relay_state (relay) VALUES ($1) ON CONFLICT (relay) DO NOTHING", self.name
            )
            row = await connection.fetchrow(
                "SELECT watermark, window_end, after_position, acked_offsets, published"
                " FROM relay_state WHERE relay = $1",
                self.name,
            )
        return RelayState(**dict(row))

    async def _save_state(self, state: RelayState) -> None:
        async with self.pool.acquire() as connection:
            await connection.execute(
                "UPDATE relay_state SET watermark = $2, window_end = $3, after_position = $4,"
                " acked_offsets = $5::jsonb, published = $6, updated_at = now() WHERE relay = $1",
                self.name,
                state.watermark,
                state.window_end,
                state.after_position,
                state.acked_offsets,
                state.published,
            )

    async def backlog(self) -> int:
        """Events stored but not yet published (the relay's lag)."""
        async with self.pool.acquire() as connection:
            return await connection.fetchval(
                "SELECT count(*) FROM events WHERE txid >= $1"
                " AND NOT (txid < coalesce($2, 0) AND position <= coalesce($3, 0))",
                self.state.watermark,
                self.state.window_end,
                self.state.after_position,
            )


def _without(row: asyncpg.Record, column: str) -> dict:
    values = dict(row)
    values.pop(column)
    return values
