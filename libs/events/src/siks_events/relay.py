"""Outbox relay: publish every stored event to Kafka, in order per stream, at least once.

Gap-free without serialising writers (PgQ's idea). Each event row keeps its writer's
transaction id. The relay keeps a durable watermark W and reads, in one statement (one
snapshot), the rows with ``W <= txid < end``, where end is at most xmin, the oldest
transaction still running: every transaction below xmin has finished, so no row can appear
behind W later. The window ``[W, end)`` is published in position order, in batches, and
only then does W move to end.

Per-stream order. A transaction takes its id at its first write, and that need not be its
event insert (a consumer applies a whole batch in one transaction), so version v+1 can carry
a lower txid than version v when v's writer took its id later but committed first. Such a
v+1 must not be published before v: a window ends below the lowest txid of any event in it
whose previous version lies at or beyond that end (`_OPEN_WINDOW`). Within a window,
position order is stream order: v committed before v+1 was inserted.

Leadership. One relay per store publishes; others wait as standbys. The leader holds an
advisory lock on a connection of its own (`Leadership`), and every state save is fenced by
the epoch it got when it took the lead: a relay that lost its lock without noticing cannot
move the watermark, and the watermark never moves back (save for the leader's deliberate
republish after broker loss). The same connection hears the store's NOTIFY and wakes the
relay; polling stays the fallback.

The store, not Kafka, is the system of record: if a partition no longer holds a record the
broker acknowledged to us, the broker lost data and the relay republishes everything from
the start (consumers deduplicate). An offset below the log start was removed by retention,
which is no loss.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import asyncpg
from aiokafka import AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError
from aiokafka.partitioner import DefaultPartitioner

from siks_events import kafka, telemetry
from siks_events.store import RecordedEvent, recorded

log = logging.getLogger("siks.relay")

Connect = Callable[[], Awaitable[asyncpg.Connection]]

_COLUMNS = "e.position, e.stream_id, e.version, e.event_id, e.type, e.topic, e.subject, e.data, e.metadata, e.recorded_at"

# One statement, hence one snapshot, for the xmin, the window's end and the rows. The end starts
# at xmin and shrinks, step by step, below any event whose previous version is not inside the
# window yet (committed, but written by a transaction numbered at or beyond the end); each step
# is one pass over the window's rows with a lookup on the (stream_id, version) key, and a
# step that finds none ends the recursion, so a window without such events costs one pass.
_OPEN_WINDOW = f"""
WITH RECURSIVE bound(window_end) AS (
    SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint
  UNION ALL
    SELECT (
        SELECT min(e.txid) FROM events AS e
        JOIN events AS previous ON previous.stream_id = e.stream_id AND previous.version = e.version - 1
        WHERE e.txid >= $1 AND e.txid < bound.window_end AND previous.txid >= bound.window_end
    )
    FROM bound WHERE bound.window_end IS NOT NULL
),
chosen AS (SELECT min(window_end) AS window_end FROM bound)
SELECT chosen.window_end, {_COLUMNS}
FROM chosen
LEFT JOIN LATERAL (
    SELECT * FROM events WHERE txid >= $1 AND txid < chosen.window_end ORDER BY position LIMIT $2
) AS e ON true
"""

_CONTINUE_WINDOW = f"""
SELECT {_COLUMNS} FROM events AS e
WHERE e.txid >= $1 AND e.txid < $2 AND e.position > $3
ORDER BY e.position LIMIT $4
"""

# Fenced by the epoch; the watermark only moves forward, and a state for an older watermark
# leaves the stored window alone (it belongs to the newer watermark).
_SAVE_STATE = """
UPDATE relay_state SET
    window_end = CASE WHEN $2 >= watermark THEN $3 ELSE window_end END,
    after_position = CASE WHEN $2 >= watermark THEN $4 ELSE after_position END,
    watermark = GREATEST(watermark, $2),
    acked_offsets = $5::jsonb, published = $6, updated_at = now()
WHERE relay = $1 AND epoch = $7
"""

# The one way back: the leader found the broker lost data and publishes the store again.
_REWIND = """
UPDATE relay_state SET watermark = 0, window_end = NULL, after_position = NULL, acked_offsets = '{}',
    published = $2, updated_at = now()
WHERE relay = $1 AND epoch = $3
"""

_LOCK_KEY = "hashtext(current_schema() || '.relay.' || $1)"

# What a dead or killed connection raises (asyncpg's InternalClientError when it dies mid-query).
_CONNECTION_ERRORS = (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError,
                      asyncpg.exceptions.InternalClientError)


class Deposed(Exception):
    """This relay no longer leads its store (its lock connection died or a newer leader exists)."""


@dataclass
class RelayState:
    """Where the relay stands: below `watermark` all is published; a window may be half done."""

    watermark: int = 0
    window_end: int | None = None
    after_position: int | None = None
    acked_offsets: dict[str, dict] = field(default_factory=dict)
    """Per "topic:partition", the highest offset the broker acknowledged and the event id stored there."""
    published: int = 0


class Leadership:
    """The lead of one relay name in one store: an advisory lock on a connection of the relay's own
    (a pooled one goes back to the pool, or dies unnoticed), and the epoch that fences its saves."""

    def __init__(self, connect: Connect, name: str, on_notify: Callable[[], None]) -> None:
        self._connect = connect
        self.name = name
        self._on_notify = on_notify
        self._connection: asyncpg.Connection | None = None
        self.epoch: int | None = None
        self.lost = False

    async def acquire(self, retry_interval: float) -> int:
        """Wait until this relay holds the lock; bump the epoch and return it."""
        while True:
            try:
                if self._connection is None or self._connection.is_closed():
                    await self._open()
                assert self._connection is not None
                if await self._connection.fetchval(f"SELECT pg_try_advisory_lock({_LOCK_KEY})", self.name):
                    self.lost = False
                    async with self._connection.transaction():
                        await self._connection.execute(
                            "INSERT INTO relay_state (relay) VALUES ($1) ON CONFLICT (relay) DO NOTHING", self.name
                        )
                        self.epoch = await self._connection.fetchval(
                            "UPDATE relay_state SET epoch = epoch + 1 WHERE relay = $1 RETURNING epoch", self.name
                        )
                    log.info("relay took the lead", extra={"relay": self.name, "epoch": self.epoch, "pid": self.server_pid})
                    return self.epoch
            except _CONNECTION_ERRORS as exc:
                log.warning("relay could not reach the store to take the lead", extra={"error": repr(exc)})
                await self.release()
            await asyncio.sleep(retry_interval)

    @property
    def server_pid(self) -> int | None:
        """The PostgreSQL backend that holds the lock (what an operator sees in pg_locks)."""
        connection = self._connection
        return connection.get_server_pid() if connection is not None and not connection.is_closed() else None

    async def still_leading(self) -> bool:
        """Whether the lock connection still answers (a cheap round trip)."""
        connection = self._connection
        if self.lost or self.epoch is None or connection is None or connection.is_closed():
            return False
        try:
            await asyncio.wait_for(connection.fetchval("SELECT 1"), 5)
        except _CONNECTION_ERRORS:
            self.lost = True
        return not self.lost

    async def release(self) -> None:
        """Let go of the lock (closing its connection ends the session that holds it)."""
        connection, self._connection, self.epoch = self._connection, None, None
        if connection is not None and not connection.is_closed():
            try:
                await asyncio.wait_for(connection.close(), 5)
            except _CONNECTION_ERRORS:
                connection.terminate()

    async def _open(self) -> None:
        connection = await self._connect()
        try:
            schema = await connection.fetchval("SELECT current_schema()")
            # the events table's trigger notifies 'siks_events.<schema>' once per writing statement
            await connection.add_listener(f"siks_events.{schema}", lambda *_: self._on_notify())
        except BaseException:
            connection.terminate()
            raise
        connection.add_termination_listener(self._terminated)
        self._connection = connection

    def _terminated(self, connection: asyncpg.Connection) -> None:
        if connection is self._connection:
            self.lost = True
            self._on_notify()  # let the loop notice now rather than after its idle wait


@dataclass
class _Sent:
    """One record batch handed to the producer: acknowledged when `future` resolves to its base offset."""

    future: asyncio.Future
    count: int
    last_event_id: str


class OutboxRelay:
    """Publishes a service's event store to Kafka; one leading relay per store, fenced by an epoch."""

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
        batch_size: int = 1000,
        pipeline_depth: int = 2,
        idle_interval: float = 1.0,
        standby_interval: float = 1.0,
        check_interval: float = 5.0,
        max_backoff: float = 5.0,
        connect: Connect | None = None,
    ) -> None:
        self.pool = pool
        self.bootstrap_servers = bootstrap_servers
        self.source = source
        self.name = name
        self.topic_prefix = topic_prefix
        self.partitions = partitions
        self.replication_factor = replication_factor
        self.batch_size = batch_size
        self.pipeline_depth = pipeline_depth
        self.idle_interval = idle_interval  # NOTIFY wakes the relay; this poll is the fallback
        self.standby_interval = standby_interval
        self.check_interval = check_interval
        self.max_backoff = max_backoff
        self.state = RelayState()
        self.republished = 0  # times the broker was found to have lost data
        self.deposed = 0  # times this relay lost the lead and went back to standby
        self._known_topics: set[str] = set()
        self._producer: AIOKafkaProducer | None = None
        self._partitioner = DefaultPartitioner()
        self._partition_cache: dict[tuple[bytes, int], int] = {}
        self._wake = asyncio.Event()
        self._saving: asyncio.Future | None = None
        self.leadership = Leadership(connect or _connect_like(pool), name, self.wake)

    # --- running -------------------------------------------------------------------

    async def run(self) -> None:
        """Publish until cancelled; waits as a standby while another relay leads, steps down when deposed."""
        while True:
            kafka.stop_if_cancelled()  # a stop request caught while stepping down must not send it back to standby
            try:
                await self.take_lead()
                await self._run_as_leader()
            except Deposed as exc:
                self.deposed += 1
                log.warning("relay stepped down", extra={"relay": self.name, "reason": str(exc)})
            finally:
                await self.step_down()

    async def take_lead(self) -> None:
        """Wait until this relay leads its store, then load where the last leader stopped."""
        await self.leadership.acquire(self.standby_interval)
        async with self.pool.acquire() as connection:
            row = await connection.fetchrow(
                "SELECT watermark, window_end, after_position, acked_offsets, published FROM relay_state"
                " WHERE relay = $1",
                self.name,
            )
        self.state = RelayState(**dict(row))

    async def step_down(self) -> None:
        """Stop publishing and give up the lead (a deposed relay goes back to standby from here)."""
        await self._stop_producer()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.shield(self.leadership.release())

    def wake(self) -> None:
        """A hint that new events were committed; polling finds them anyway."""
        self._wake.set()

    async def _run_as_leader(self) -> None:
        loop = asyncio.get_running_loop()
        next_check = loop.time()
        backoff = 0.1
        while True:
            kafka.stop_if_cancelled()  # aiokafka (and 3.11's wait_for) can swallow a cancellation: stop all the same
            if not await self.leadership.still_leading():
                raise Deposed("the lock connection is gone")
            self._wake.clear()  # before reading: a NOTIFY that arrives meanwhile is kept
            try:
                if loop.time() >= next_check:
                    await self.check_broker()
                    next_check = loop.time() + self.check_interval
                await self.drain()
                backoff = 0.1
            except (TimeoutError, KafkaError, OSError) as exc:
                log.warning("relay could not publish, retrying", extra={"error": repr(exc), "backoff": backoff})
                await self._forget_broker()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self.max_backoff)
                next_check = loop.time()  # after an outage, first make sure the broker kept our data
                continue
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.idle_interval)

    # --- publishing ----------------------------------------------------------------

    async def publish_batch(self) -> int:
        """Publish the next batch and record progress once the broker acknowledged it; returns its size."""
        events, following = await self._read(self.state)
        await self._settle(following, await self._send(events), len(events))
        await self._saved()
        return len(events)

    async def drain(self) -> int:
        """Publish until the store has nothing more to give now; returns how many events were sent.

        The next batch is read while earlier ones are on their way to the broker; the stored state
        moves, batch by batch in order, only past batches the broker acknowledged (at least once)."""
        in_flight: deque[tuple[RelayState, list[_Sent], int]] = deque()
        total = 0
        reading = asyncio.ensure_future(self._read(self.state))
        try:
            while True:
                events, following = await reading
                caught_up = len(events) < self.batch_size
                if not caught_up:  # the database works on the next batch while this process encodes this one
                    reading = asyncio.ensure_future(self._read(following))
                if self.leadership.lost:
                    raise Deposed("the lock connection is gone")
                in_flight.append((following, await self._send(events), len(events)))
                total += len(events)
                while in_flight and (caught_up or len(in_flight) > self.pipeline_depth):
                    await self._settle(*in_flight.popleft())
                if caught_up:
                    await self._saved()
                    return total
        finally:
            if not reading.done():
                reading.cancel()
            reading.add_done_callback(_ignore_outcome)
            if self._saving is not None:  # a failed drain leaves no save behind to surface later
                self._saving.add_done_callback(_ignore_outcome)
                self._saving = None
            for _, sent, _ in in_flight:  # read again from the saved state; their outcome no longer matters
                for batch in sent:
                    batch.future.add_done_callback(_ignore_outcome)

    async def _read(self, cursor: RelayState) -> tuple[list[RecordedEvent], RelayState]:
        """The batch after `cursor`, and the state to save once the broker acknowledged it."""
        async with self.pool.acquire() as connection:
            if cursor.window_end is None:
                rows = await connection.fetch(_OPEN_WINDOW, cursor.watermark, self.batch_size)
                window_end = rows[0]["window_end"]
                events = [recorded(_without(row, "window_end")) for row in rows if row["position"] is not None]
            else:
                window_end = cursor.window_end
                rows = await connection.fetch(
                    _CONTINUE_WINDOW, cursor.watermark, window_end, cursor.after_position, self.batch_size
                )
                events = [recorded(row) for row in rows]
        if len(events) < self.batch_size:
            following = RelayState(watermark=max(window_end, cursor.watermark), acked_offsets=cursor.acked_offsets)
        else:
            following = RelayState(watermark=cursor.watermark, window_end=window_end,
                                   after_position=events[-1].position, acked_offsets=cursor.acked_offsets)
        following.published = cursor.published + len(events)
        return events, following

    async def _send(self, events: list[RecordedEvent]) -> list[_Sent]:
        """Hand the events to the producer as record batches, one open batch per partition, in order.

        Batches rather than `producer.send` per record: no future, no accumulator lookup per record;
        the partition is the one Kafka's default partitioner picks for the key."""
        if not events:
            return []
        producer = await self._ensure_producer()
        await self._ensure_topics({e.topic for e in events})
        partitions = {topic: sorted(await producer.partitions_for(self.topic_prefix + topic))
                      for topic in {e.topic for e in events}}
        open_batches: dict[tuple[str, int], list] = {}  # (topic, partition) -> [builder, count, last id]
        sent: list[_Sent] = []

        async def submit(topic: str, partition: int) -> None:
            builder, count, last_id = open_batches.pop((topic, partition))
            future = await producer.send_batch(builder, topic, partition=partition)
            sent.append(_Sent(future, count, last_id))

        tracing = telemetry.collecting_spans()
        for event in events:
            envelope = event.envelope(self.source)
            if tracing and envelope.traceparent:
                envelope.extensions["traceparent"] = telemetry.publication_traceparent(  # type: ignore[assignment]
                    envelope.traceparent, event.type, event.recorded_at, **{"messaging.destination.name": event.topic})
            key, value, headers = envelope.to_kafka()
            topic = self.topic_prefix + event.topic
            target = (topic, self._partition(key, partitions[event.topic]))
            entry = open_batches.get(target)
            if entry is not None and entry[0].append(timestamp=None, key=key, value=value, headers=headers) is None:
                await submit(*target)  # full: send it and start the next one for this partition
                entry = None
            if entry is None:
                entry = open_batches[target] = [producer.create_batch(), 0, ""]
                entry[0].append(timestamp=None, key=key, value=value, headers=headers)  # a first record always fits
            entry[1] += 1
            entry[2] = event.event_id
        for target in list(open_batches):
            await submit(*target)
        return sent

    def _partition(self, key: bytes | None, partitions: list[int]) -> int:
        """Kafka's default partition for a key (murmur2), remembered: one stream sends many events and
        murmur2 in pure Python costs more than the rest of a record's way to the producer."""
        if key is None:
            return self._partitioner(key, partitions, partitions)
        cache_key = (key, len(partitions))
        found = self._partition_cache.get(cache_key)
        if found is None:
            if len(self._partition_cache) >= 100_000:
                self._partition_cache.clear()
            found = self._partition_cache[cache_key] = self._partitioner(key, partitions, partitions)
        return found

    async def _settle(self, following: RelayState, sent: list[_Sent], count: int) -> None:
        """Wait for the broker's acknowledgements of one read batch, then save the state after it."""
        acked = following.acked_offsets
        for batch in sent:
            metadata = await batch.future
            name = f"{metadata.topic}:{metadata.partition}"
            last = metadata.offset + batch.count - 1
            if last >= acked.get(name, {}).get("offset", -1):
                acked[name] = {"offset": last, "id": batch.last_event_id}
        if count or following.watermark != self.state.watermark:
            # A commit waits for the disk; the next batch need not. Saves stay one at a time, in order.
            await self._saved()
            self._saving = asyncio.ensure_future(self._save_state(following))
        self.state = following

    async def _saved(self) -> None:
        """Wait for the state save in progress (raises Deposed if it was refused)."""
        saving, self._saving = self._saving, None
        if saving is not None:
            await saving

    # --- broker loss ---------------------------------------------------------------

    async def check_broker(self) -> bool:
        """Republish from the start if the broker no longer holds a record it acknowledged to us."""
        last = {TopicPartition(*_split(name)): acked for name, acked in self.state.acked_offsets.items()}
        found = await kafka.probe_many(self.bootstrap_servers, {tp: acked["offset"] for tp, acked in last.items()})
        lost = [
            f"{tp.topic}:{tp.partition}"
            for tp, what in found.items()
            # retention removing old records is no loss; a record we do not recognise is
            if what == kafka.Probe.GONE or (what not in (kafka.Probe.UNKNOWN, kafka.Probe.RETAINED)
                                            and what != last[tp]["id"])
        ]
        if not lost:
            return False
        log.warning("broker lost acknowledged events; republishing from the start of the store",
                    extra={"partitions": lost})
        self.republished += 1
        await self._forget_broker()
        state = RelayState(published=self.state.published)
        async with self.pool.acquire() as connection:
            _fenced(await connection.execute(_REWIND, self.name, state.published, self.leadership.epoch))
        self.state = state
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

    async def _forget_broker(self) -> None:
        """After an outage or a loss the broker may be a new one: a restarted embedded broker recreates a
        topic that a client merely asked about with its own default partition count. So create our topics
        again before anything else asks, and take partition counts from fresh metadata (a producer keeps
        its metadata for minutes, and sending to a partition the topic no longer has looks like loss
        again at every check)."""
        await self._stop_producer()
        self._known_topics.clear()
        self._partition_cache.clear()

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

    async def _save_state(self, state: RelayState) -> None:
        async with self.pool.acquire() as connection:
            _fenced(await connection.execute(
                _SAVE_STATE, self.name, state.watermark, state.window_end, state.after_position,
                state.acked_offsets, state.published, self.leadership.epoch,
            ))

    async def backlog(self) -> int:
        """Events stored but not yet published (the relay's lag)."""
        async with self.pool.acquire() as connection:
            return await connection.fetchval(f"SELECT count(*) {_UNPUBLISHED}", self.state.watermark,
                                             self.state.window_end, self.state.after_position)


_UNPUBLISHED = "FROM events WHERE txid >= $1 AND NOT (txid < coalesce($2, 0) AND position <= coalesce($3, 0))"

# The leader's saved state, so any replica (a standby too) reports the same backlog.
_BACKLOG = f"""
SELECT count(*) AS events, extract(epoch FROM now() - min(recorded_at))::float8 AS oldest_seconds,
       (SELECT published FROM relay_state WHERE relay = $4) AS published
{_UNPUBLISHED}
"""


@dataclass(frozen=True)
class Backlog:
    """What the store holds that the relay has not published yet, by the relay's saved state."""

    events: int
    oldest_seconds: float
    published: int


async def backlog_of(pool: asyncpg.Pool, name: str = "outbox") -> Backlog:
    """The backlog as the relay named `name` last saved its state (at most one batch behind the leader)."""
    async with pool.acquire() as connection:
        state = await connection.fetchrow(
            "SELECT watermark, window_end, after_position FROM relay_state WHERE relay = $1", name)
        watermark, window_end, after = (state["watermark"], state["window_end"], state["after_position"]) \
            if state else (0, None, None)
        row = await connection.fetchrow(_BACKLOG, watermark, window_end, after, name)
    return Backlog(row["events"], row["oldest_seconds"] or 0.0, row["published"] or 0)


def _fenced(status: str) -> None:
    """A fenced UPDATE that changed no row: a newer leader took over (or this relay never led)."""
    if status == "UPDATE 0":
        raise Deposed("a newer leader holds the relay state")


def _connect_like(pool: asyncpg.Pool) -> Connect:
    """New connections with the pool's settings (its schema first), but not taken from it."""
    # asyncpg keeps the arguments it connects with but has no public accessor for them
    return lambda: asyncpg.connect(*pool._connect_args, **pool._connect_kwargs)


def _split(name: str) -> tuple[str, int]:
    topic, partition = name.rsplit(":", 1)
    return topic, int(partition)


def _ignore_outcome(future: asyncio.Future) -> None:
    if not future.cancelled():
        future.exception()


def _without(row: asyncpg.Record, column: str) -> dict:
    values = dict(row)
    values.pop(column)
    return values
