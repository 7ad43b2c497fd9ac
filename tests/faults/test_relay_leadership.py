"""Fault scenario 6: two relays for one service, the leader's connection killed: nothing skipped,
the watermark never moves back.

Both relays run against one store while writers append; the leader's lock connection is killed with
pg_terminate_backend (what a failed-over pooler or a network cut does to it) three times. Prints the
outcome and, per kill, how long until the watermark moved again under a leader."""

from __future__ import annotations

import asyncio
import contextlib
import random
import time

from aiokafka import AIOKafkaConsumer
from siks_events.model import Cause, PendingEvent, StreamVersionConflict
from siks_events.relay import OutboxRelay
from siks_events.store import PostgresEventStore
from siks_events.testing import SampleRecorded

EVENTS = 2000
KILLS = 3


async def write(store_pool, total: int, streams: int, writers: int = 8) -> list[str]:
    rng, ids, remaining = random.Random(6), [], [total]

    async def writer() -> None:
        while remaining[0] > 0:
            remaining[0] -= 1
            stream, pending = f"s-{rng.randrange(streams)}", PendingEvent(event=SampleRecorded(n=1))
            while True:
                async with store_pool.acquire() as connection:
                    version = await connection.fetchval(
                        "SELECT coalesce(max(version), 0) FROM events WHERE stream_id = $1", stream)
                    try:
                        async with connection.transaction():
                            await PostgresEventStore(connection).append(stream, version, [pending], Cause())
                        break
                    except StreamVersionConflict:
                        await asyncio.sleep(0.001)
            ids.append(pending.id)
            await asyncio.sleep(rng.random() * 0.004)

    await asyncio.gather(*(writer() for _ in range(writers)))
    return ids


async def read_all(bootstrap: str, topic: str, expected: set[str], timeout: float = 60) -> tuple[set[str], list[str]]:
    """Ids found on the topic, and streams whose versions arrived out of order (redeliveries allowed)."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                                enable_auto_commit=False)
    await consumer.start()
    found: set[str] = set()
    last: dict[str, int] = {}
    inversions: list[str] = []
    try:
        deadline = time.monotonic() + timeout
        while not expected <= found and time.monotonic() < deadline:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                for record in records:
                    headers = dict(record.headers)
                    stream, version = headers["ce_streamid"].decode(), int(headers["ce_streamversion"])
                    if version > last.get(stream, 0) + 1:
                        inversions.append(f"{stream} v{version} after v{last.get(stream, 0)}")
                    last[stream] = max(last.get(stream, 0), version)
                    found.add(headers["ce_id"].decode())
    finally:
        await consumer.stop()
    return found, inversions


async def test_two_relays_the_leaders_connection_killed_nothing_skipped_watermark_never_back(
    store_pool, siks_bootstrap_servers, topic_prefix
):
    relays = [
        OutboxRelay(store_pool, bootstrap_servers=siks_bootstrap_servers, source="/siks-ng/faults",
                    topic_prefix=topic_prefix, partitions=3, batch_size=200, standby_interval=0.5)
        for _ in range(2)
    ]
    watermarks: list[tuple[float, int]] = []
    kills: list[float] = []

    async def poll_watermark() -> None:
        while True:
            value = await store_pool.fetchval("SELECT watermark FROM relay_state WHERE relay = 'outbox'")
            if value is not None:
                watermarks.append((time.monotonic(), value))
            await asyncio.sleep(0.01)

    async def kill_the_leader() -> None:
        killed_epoch = 0
        for _ in range(KILLS):
            await asyncio.sleep(1.0)
            # the next leader, not the one just killed: on a loaded machine it may not have noticed yet
            deadline = time.monotonic() + 30
            while not (leader := next((r for r in relays if (r.leadership.epoch or 0) > killed_epoch
                                       and r.leadership.server_pid), None)):
                assert time.monotonic() < deadline, "no relay took the lead within 30 s of the last kill"
                await asyncio.sleep(0.05)
            killed_epoch = leader.leadership.epoch
            kills.append(time.monotonic())
            assert await store_pool.fetchval("SELECT pg_terminate_backend($1)", leader.leadership.server_pid)

    tasks = [asyncio.create_task(r.run()) for r in relays] + [asyncio.create_task(poll_watermark())]
    started = time.monotonic()
    try:
        killer = asyncio.create_task(kill_the_leader())
        ids = await write(store_pool, EVENTS, streams=40)
        await killer
        found, inversions = await read_all(siks_bootstrap_servers, topic_prefix + SampleRecorded.topic, set(ids))
        # a relay notices a dead lock connection at its next round (within its idle interval): give the last one time
        deadline = time.monotonic() + 15
        while sum(r.deposed for r in relays) < len(kills) and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
    finally:
        for task in tasks:
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*tasks)

    values = [w for _, w in watermarks]
    went_back = [(a, b) for a, b in zip(values, values[1:], strict=False) if b < a]
    recoveries = []
    for killed_at in kills:
        before = max((w for t, w in watermarks if t <= killed_at), default=0)
        moved = next((t for t, w in watermarks if t > killed_at and w > before), None)
        recoveries.append(None if moved is None else moved - killed_at)
    epoch = await store_pool.fetchval("SELECT epoch FROM relay_state WHERE relay = 'outbox'")
    print(f"\nscenario 6: {len(ids)} events, {len(kills)} leader connections killed, "
          f"{sum(r.deposed for r in relays)} step-downs, epoch {epoch}; "
          f"{len(set(ids) - found)} missing, {len(inversions)} out of order, {len(went_back)} watermark moves back; "
          f"recovery after each kill (s): {', '.join('-' if r is None else f'{r:.2f}' for r in recoveries)}; "
          f"total {time.monotonic() - started:.1f} s")

    assert len(kills) == KILLS
    assert sum(r.deposed for r in relays) >= KILLS, "a relay whose lock connection died went on leading"
    assert found == set(ids), f"{len(set(ids) - found)} events never reached Kafka"
    assert inversions == []
    assert went_back == [], "the watermark moved back"
