"""A rebuild's replay: each partition of the registry topic read from where it began to the end it had when the
version was started, its household events kept in bulk.

Not through the version's stream: faust's own cost per record, a group's join, an inbox row per event and
a transaction per 500 records cost far more than keeping the events (the consumer replayed at 5,200 events/s, a
raw read runs at 100,000+). Here a group-less client reads the partitions with large fetches, and
each chunk commits in one transaction, as a consumer batch does: its events (one statement; an event
already kept at its household's stream version is left as it is, so a record read twice changes
nothing), its dead letters and the partitions' positions, under the version's consumer name. The
positions stand in for inbox rows: the version's faust app (adapters/stream.py) starts from them once
the replay is done, after the last record replayed, and the status shows the replay's progress from
them meanwhile. Records are decoded as the library's consumer
decodes them: one it refuses becomes a dead letter, never a silent gap.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.structs import ConsumerRecord
from siks_events import kafka
from siks_events.consumer import dead_letters, positions
from siks_events.consumer.batch import decode
from siks_events.consumer.dead_letters import DeadLetter
from siks_events.consumer.positions import Position
from siks_events.model import DomainError

from siks_eligibility.adapters.postgres import rows, versions
from siks_eligibility.adapters.postgres.rows import StoredEvent
from siks_eligibility.adapters.postgres.versions import ProjectionVersion, VersionState
from siks_eligibility.adapters.projection import household_event

log = logging.getLogger("siks.eligibility")

CHUNK = 5_000
"""Records per transaction: big enough that a commit is rare, small enough that progress moves often."""

_QUEUED_CHUNKS = 2
"""Chunks decoded ahead of the one being written: decoding (here) and writing (in PostgreSQL) overlap."""


@dataclass
class Chunk:
    """Decoded records of some partitions, to be kept in one transaction."""

    events: list[StoredEvent] = field(default_factory=list)
    letters: list[DeadLetter] = field(default_factory=list)
    positions: dict[TopicPartition, Position] = field(default_factory=dict)
    records: int = 0


async def replay(pool: asyncpg.Pool, bootstrap_servers: str, topic: str, version: ProjectionVersion, *,
                 topic_prefix: str = "", chunk: int = CHUNK) -> int:
    """Keep the household events of every partition up to the version's target offsets (from the positions already
    stored, if an earlier replay of this version got that far); returns the records read."""
    consumer = version.tables.consumer
    stored = await positions.load(pool, consumer)
    todo: dict[TopicPartition, tuple[int, int]] = {}
    for partition, (begin, end) in version.target_offsets.items():
        tp = TopicPartition(topic, partition)
        start = max(begin, stored.get(tp, Position()).next_offset)
        if start < end:
            todo[tp] = (start, end)
    if not todo:
        return 0
    chunks: asyncio.Queue[Chunk | None] = asyncio.Queue(maxsize=_QUEUED_CHUNKS)
    reader = asyncio.create_task(_read(bootstrap_servers, todo, chunks, topic_prefix=topic_prefix, chunk=chunk),
                                 name=f"replay {consumer}")
    read = 0
    try:
        while (decoded := await _next(chunks, reader)) is not None:
            if not await _keep(pool, version, decoded):
                break  # the version was retired meanwhile: nothing more to keep
            read += decoded.records
        else:
            await reader  # it said it was done: this only hands over what it raised on its way out, if anything
    finally:
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reader
    return read


async def _next(chunks: asyncio.Queue[Chunk | None], reader: asyncio.Task) -> Chunk | None:
    """The next decoded chunk; raises what stopped the reader if it stopped without saying it was done."""
    getting = asyncio.ensure_future(chunks.get())
    await asyncio.wait([getting, reader], return_when=asyncio.FIRST_COMPLETED)
    if getting.done():
        return getting.result()
    getting.cancel()
    if not chunks.empty():
        return chunks.get_nowait()
    reader.result()  # raises what stopped it
    raise RuntimeError("the replay's reader stopped before the end")


async def _read(bootstrap_servers: str, todo: dict[TopicPartition, tuple[int, int]],
                chunks: asyncio.Queue[Chunk | None], *, topic_prefix: str, chunk: int) -> None:
    """Fetch and decode the partitions' records from start to end, a chunk at a time; None when all are read."""
    client = AIOKafkaConsumer(
        **kafka.connection(bootstrap_servers), group_id=None, enable_auto_commit=False,
        auto_offset_reset="earliest",  # retention may have removed the first offsets since the version began
        max_partition_fetch_bytes=16 * 1024 * 1024, fetch_max_bytes=64 * 1024 * 1024)
    await client.start()
    try:
        client.assign(list(todo))
        for tp, (start, _) in todo.items():
            client.seek(tp, start)
        left = dict(todo)
        current = Chunk()
        while left:
            fetched = await client.getmany(*left, timeout_ms=1_000, max_records=chunk)
            for tp, records in fetched.items():
                end = left[tp][1] if tp in left else 0
                _decode(current, tp, [r for r in records if r.offset < end], topic_prefix)
            for tp in list(left):
                reached = current.positions.get(tp)
                if (reached is not None and reached.next_offset >= left[tp][1]) or await client.position(tp) >= left[tp][1]:
                    client.pause(tp)
                    del left[tp]
            if current.records >= chunk or (not left and current.records):
                await chunks.put(current)
                current = Chunk()
        await chunks.put(None)
    finally:
        await kafka.stop_quietly(client)


def _decode(chunk: Chunk, tp: TopicPartition, records: list[ConsumerRecord], topic_prefix: str) -> None:
    """Add the records to the chunk as the consumer's batch would apply them: household events kept, events of
    other streams passed over, refused records and household events without a stream version dead-lettered."""
    if not records:
        return
    for record in records:
        item = decode(record, topic_prefix)
        if item.rejected is not None:
            chunk.letters.append(item.dead_letter())
            continue
        try:
            kept = household_event(item.event, item.envelope)
        except DomainError as exc:
            chunk.letters.append(DeadLetter(record, exc.code, f"rule: {exc.detail}", item.envelope.id))
            continue
        if kept is not None:
            chunk.events.append(kept)
    chunk.positions[tp] = Position.after(records[-1])
    chunk.records += len(records)


async def _keep(pool: asyncpg.Pool, version: ProjectionVersion, chunk: Chunk) -> bool:
    """Keep a chunk's events, dead letters and positions in one transaction; False if the version is building no
    more (retired by another rebuild), when nothing is kept."""
    consumer = version.tables.consumer
    async with pool.acquire() as connection, connection.transaction():
        if await versions.state_for_batch(connection, version.version) is not VersionState.BUILDING:
            return False
        if chunk.events:
            await rows.insert_events(connection, version.tables, chunk.events)
        await dead_letters.record(connection, consumer, chunk.letters)
        for tp, position in chunk.positions.items():
            await positions.store(connection, consumer, tp, position)
    for letter in chunk.letters:
        log.warning("event dead-lettered", extra={"consumer": consumer, "topic": letter.record.topic,
                                                  "offset": letter.record.offset, "reason_code": letter.reason_code})
    return True
