"""Helpers shared by the relay tests: concurrent writers, and a reader of what reached Kafka."""

from __future__ import annotations

import asyncio
import random
from collections import defaultdict

from aiokafka import AIOKafkaConsumer
from siks_events.model import Cause, PendingEvent, StreamVersionConflict
from siks_events.store import PostgresEventStore
from siks_events.testing import SampleRecorded

TOPIC = SampleRecorded.topic


async def write_concurrently(pool, *, writers: int, total: int, streams: list[str], seed: int = 7) -> list[str]:
    """`writers` tasks append `total` events in all, with transactions committing out of order."""
    rng = random.Random(seed)
    remaining = [total]
    ids: list[str] = []

    async def writer() -> None:
        while remaining[0] > 0:
            n = min(remaining[0], rng.randint(1, 3))
            remaining[0] -= n
            stream = rng.choice(streams)
            events = [PendingEvent(event=SampleRecorded(n=i)) for i in range(n)]
            while True:
                async with pool.acquire() as connection:
                    store = PostgresEventStore(connection)
                    version = await connection.fetchval(
                        "SELECT coalesce(max(version), 0) FROM events WHERE stream_id = $1", stream
                    )
                    try:
                        async with connection.transaction():
                            await store.append(stream, version, events, Cause())
                            # hold the transaction so later writers commit before earlier ones
                            await asyncio.sleep(rng.random() * 0.01)
                        break
                    except StreamVersionConflict:
                        await asyncio.sleep(rng.random() * 0.005)
            ids.extend(p.id for p in events)

    await asyncio.gather(*(writer() for _ in range(writers)))
    return ids


async def read_topic(bootstrap: str, topic: str, expected_ids: set[str], timeout: float = 120.0):
    """Read until every expected id arrived; returns [(stream_id, version, event_id)] in partition order."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                                enable_auto_commit=False, metadata_max_age_ms=1000)
    await consumer.start()
    seen: dict[int, list[tuple[str, int, str]]] = defaultdict(list)
    found: set[str] = set()
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while not expected_ids <= found and asyncio.get_running_loop().time() < deadline:
            batches = await consumer.getmany(timeout_ms=500)
            for tp, records in batches.items():
                for r in records:
                    headers = dict(r.headers)
                    item = (headers["ce_streamid"].decode(), int(headers["ce_streamversion"]), headers["ce_id"].decode())
                    seen[tp.partition].append(item)
                    found.add(item[2])
    finally:
        await consumer.stop()
    return seen, found


def order_violations(seen: dict[int, list[tuple[str, int, str]]]) -> list[str]:
    """Streams whose versions arrive out of order on their partition (redeliveries allowed)."""
    problems = []
    for records in seen.values():
        last: dict[str, int] = {}
        for stream, version, _ in records:
            if version > last.get(stream, 0) + 1:
                problems.append(f"{stream}: version {version} after {last.get(stream, 0)}")
            last[stream] = max(last.get(stream, 0), version)
    return problems
