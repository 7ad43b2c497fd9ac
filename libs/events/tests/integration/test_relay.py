"""Acceptance 2: many concurrent writers; the relay publishes every event, in order per stream."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from siks_events.relay import OutboxRelay

from .relay_support import TOPIC, order_violations, read_topic, write_concurrently


@contextlib.asynccontextmanager
async def running(relay: OutboxRelay):
    task = asyncio.create_task(relay.run())
    try:
        yield relay
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _open_unrelated_transaction(pool, stop: asyncio.Event) -> None:
    # An open transaction with an id holds the snapshot's xmin back: the relay must wait, not skip.
    async with pool.acquire() as connection, connection.transaction():
        await connection.execute("CREATE TEMP TABLE unrelated (x int) ON COMMIT DROP")
        await stop.wait()


# One hot stream serialises its writers, so it gets fewer events to stay quick.
@pytest.mark.parametrize(("streams", "total"), [(1, 1000), (50, 5000)], ids=["one-stream", "fifty-streams"])
async def test_relay_publishes_every_event_of_twenty_concurrent_writers_in_stream_order(
    store_pool, siks_bootstrap_servers, topic_prefix, streams, total
):
    relay = OutboxRelay(store_pool, bootstrap_servers=siks_bootstrap_servers, source="/siks-ng/test",
                        topic_prefix=topic_prefix, partitions=3, batch_size=200)
    stop = asyncio.Event()
    async with running(relay):
        blocker = asyncio.create_task(_open_unrelated_transaction(store_pool, stop))
        ids = await write_concurrently(
            store_pool, writers=20, total=total, streams=[f"stream-{i}" for i in range(streams)]
        )
        await asyncio.sleep(0.5)
        stop.set()
        await blocker
        seen, found = await read_topic(siks_bootstrap_servers, topic_prefix + TOPIC, set(ids))
        # a healthy broker that took batches is not mistaken for one that lost data
        assert await relay.check_broker() is False and relay.republished == 0
    assert len(ids) == total
    assert found == set(ids), f"{len(set(ids) - found)} events never reached Kafka"
    assert order_violations(seen) == []
