"""Point 1: one relay leads; a leader that lost its lock connection is fenced out by the epoch,
nothing is skipped and the watermark never moves back."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from siks_events.model import Cause, PendingEvent
from siks_events.relay import Deposed, OutboxRelay, RelayState
from siks_events.store import PostgresEventStore
from siks_events.testing import SampleRecorded

from .relay_support import TOPIC, order_violations, read_topic, write_concurrently


def new_relay(store_pool, bootstrap: str, topic_prefix: str) -> OutboxRelay:
    return OutboxRelay(store_pool, bootstrap_servers=bootstrap, source="/siks-ng/test", topic_prefix=topic_prefix,
                       partitions=3, batch_size=100, idle_interval=0.2, standby_interval=0.2, check_interval=60)


async def append(store_pool, stream: str, expected_version: int, count: int) -> list[str]:
    events = [PendingEvent(event=SampleRecorded(n=i)) for i in range(count)]
    async with store_pool.acquire() as connection, connection.transaction():
        await PostgresEventStore(connection).append(stream, expected_version, events, Cause())
    return [e.id for e in events]


async def stored_state(store_pool) -> tuple[int, int]:
    row = await store_pool.fetchrow("SELECT watermark, epoch FROM relay_state WHERE relay = 'outbox'")
    return row["watermark"], row["epoch"]


async def test_a_relay_whose_lock_connection_died_cannot_save_once_another_leads(
    store_pool, siks_bootstrap_servers, topic_prefix
):
    first = new_relay(store_pool, siks_bootstrap_servers, topic_prefix)
    second = new_relay(store_pool, siks_bootstrap_servers, topic_prefix)
    await first.take_lead()
    await append(store_pool, "S", 0, 3)
    assert await first.publish_batch() == 3
    watermark, epoch = await stored_state(store_pool)

    with pytest.raises(TimeoutError):  # a standby waits while the leader holds the lock
        await asyncio.wait_for(second.take_lead(), 0.6)
    await store_pool.execute("SELECT pg_terminate_backend($1)", first.leadership.server_pid)
    await asyncio.wait_for(second.take_lead(), 10)
    assert second.leadership.epoch == epoch + 1

    await append(store_pool, "S", 3, 2)
    with pytest.raises(Deposed):
        await first.publish_batch()  # it may send (at least once), but it may not move the state
    assert await stored_state(store_pool) == (watermark, epoch + 1)

    assert await second.publish_batch() == 2
    moved, _ = await stored_state(store_pool)
    assert moved > watermark
    second.state = RelayState(watermark=0, acked_offsets=second.state.acked_offsets)
    await second._save_state(second.state)  # even the leader cannot move the watermark back
    assert await stored_state(store_pool) == (moved, epoch + 1)
    await first.step_down()
    await second.step_down()


async def test_killing_the_leaders_lock_connection_under_load_skips_nothing_and_never_moves_the_watermark_back(
    store_pool, siks_bootstrap_servers, topic_prefix
):
    relays = [new_relay(store_pool, siks_bootstrap_servers, topic_prefix) for _ in range(2)]
    watermarks: list[int] = []
    kills = 0

    async def poll_watermark() -> None:
        while True:
            value = await store_pool.fetchval("SELECT watermark FROM relay_state WHERE relay = 'outbox'")
            if value is not None:
                watermarks.append(value)
            await asyncio.sleep(0.01)

    async def kill_leaders() -> None:
        nonlocal kills
        for _ in range(3):
            await asyncio.sleep(0.7)
            leader = next((r for r in relays if r.leadership.server_pid is not None and r.leadership.epoch), None)
            if leader is not None:
                await store_pool.execute("SELECT pg_terminate_backend($1)", leader.leadership.server_pid)
                kills += 1

    tasks = [asyncio.create_task(r.run()) for r in relays] + [asyncio.create_task(poll_watermark())]
    try:
        killer = asyncio.create_task(kill_leaders())
        ids = await write_concurrently(store_pool, writers=8, total=1200, streams=[f"s-{i}" for i in range(20)])
        await killer
        seen, found = await read_topic(siks_bootstrap_servers, topic_prefix + TOPIC, set(ids), timeout=60)
    finally:
        for task in tasks:
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*tasks)

    assert kills >= 2
    assert sum(r.deposed for r in relays) >= kills, "a relay whose lock died went on leading"
    assert found == set(ids), f"{len(set(ids) - found)} events never reached Kafka"
    assert order_violations(seen) == []
    assert watermarks == sorted(watermarks), "the watermark moved back"


async def test_a_relay_stopped_while_it_steps_down_stops_instead_of_leading_again(
    store_pool, siks_bootstrap_servers, topic_prefix
):
    relay = new_relay(store_pool, siks_bootstrap_servers, topic_prefix)
    releasing = asyncio.Event()
    release = relay.leadership.release

    async def slow_release() -> None:  # the stop request arrives while the lock is let go (shielded)
        releasing.set()
        await asyncio.sleep(0.5)
        await release()

    relay.leadership.release = slow_release
    task = asyncio.create_task(relay.run())
    try:
        for _ in range(100):
            if relay.leadership.server_pid is not None:
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError("the relay never took the lead")
        await store_pool.execute("SELECT pg_terminate_backend($1)", relay.leadership.server_pid)  # deposed
        await asyncio.wait_for(releasing.wait(), 10)
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=10)
        assert task in done, "the stop request was lost while stepping down: the relay went back to take the lead"
        assert task.cancelled()
    finally:
        relay.leadership.release = release
        task.cancel()
        await asyncio.wait({task}, timeout=10)
        await relay.leadership.release()
