"""The relay wakes on the store's NOTIFY; polling is only the fallback."""

from __future__ import annotations

import asyncio
import contextlib

from siks_events.model import Cause, PendingEvent
from siks_events.relay import OutboxRelay
from siks_events.store import PostgresEventStore
from siks_events.testing import SampleRecorded


async def wait_for(predicate, timeout: float, what: str) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def test_an_appended_event_is_published_long_before_the_idle_poll(store_pool, siks_bootstrap_servers, topic_prefix):
    relay = OutboxRelay(store_pool, bootstrap_servers=siks_bootstrap_servers, source="/siks-ng/test",
                        topic_prefix=topic_prefix, partitions=1, idle_interval=30, check_interval=600)
    task = asyncio.create_task(relay.run())
    try:
        await wait_for(lambda: relay.leadership.epoch is not None, 10, "the relay to lead")
        await asyncio.sleep(1)  # it has drained the empty store and sleeps for up to 30 s
        async with store_pool.acquire() as connection, connection.transaction():
            await PostgresEventStore(connection).append("S", 0, [PendingEvent(event=SampleRecorded(n=1))], Cause())
        await wait_for(lambda: relay.state.published == 1, 10, "the event to be published")
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_the_relay_listens_again_after_its_connection_is_killed(store_pool, siks_bootstrap_servers, topic_prefix):
    relay = OutboxRelay(store_pool, bootstrap_servers=siks_bootstrap_servers, source="/siks-ng/test",
                        topic_prefix=topic_prefix, partitions=1, idle_interval=30, standby_interval=0.2,
                        check_interval=600)
    task = asyncio.create_task(relay.run())
    try:
        await wait_for(lambda: relay.leadership.epoch is not None, 10, "the relay to lead")
        await asyncio.sleep(0.5)
        killed = relay.leadership.server_pid
        await store_pool.execute("SELECT pg_terminate_backend($1)", killed)
        await wait_for(lambda: relay.deposed == 1 and relay.leadership.epoch is not None, 10, "the relay to lead again")
        await asyncio.sleep(1)
        async with store_pool.acquire() as connection, connection.transaction():
            await PostgresEventStore(connection).append("S", 0, [PendingEvent(event=SampleRecorded(n=1))], Cause())
        await wait_for(lambda: relay.state.published == 1, 10, "the event to be published")
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
