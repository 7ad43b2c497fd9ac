"""Acceptance 1: concurrent appends at one expected version - one wins, no gap, no duplicate."""

from __future__ import annotations

import asyncio

from siks_events.model import Cause, PendingEvent, StreamVersionConflict
from siks_events.store import PostgresEventStore
from siks_events.testing import SampleRecorded


async def _append_in_transaction(pool, stream_id: str, expected: int, n: int, started: asyncio.Barrier):
    async with pool.acquire() as connection, connection.transaction():
        await started.wait()  # both transactions are open before either appends
        store = PostgresEventStore(connection)
        await store.append(stream_id, expected, [PendingEvent(event=SampleRecorded(n=n))] * 1, Cause())
        await asyncio.sleep(0.2)  # hold the transaction open so the other writer must wait on us


async def test_two_concurrent_appends_at_the_same_version_one_wins_the_other_conflicts(store_pool):
    async with store_pool.acquire() as connection:
        await PostgresEventStore(connection).append("h-1", 0, [PendingEvent(event=SampleRecorded(n=0))], Cause())
    started = asyncio.Barrier(2)
    results = await asyncio.gather(
        _append_in_transaction(store_pool, "h-1", 1, 1, started),
        _append_in_transaction(store_pool, "h-1", 1, 2, started),
        return_exceptions=True,
    )
    conflicts = [r for r in results if isinstance(r, StreamVersionConflict)]
    assert len(conflicts) == 1 and results.count(None) == 1
    rows = await store_pool.fetch("SELECT version, data FROM events WHERE stream_id = 'h-1' ORDER BY version")
    assert [r["version"] for r in rows] == [1, 2]


async def test_many_writers_on_one_stream_leave_no_gap_and_no_duplicate(store_pool):
    async def writer(k: int) -> int:
        wins = 0
        for _ in range(20):
            async with store_pool.acquire() as connection:
                store = PostgresEventStore(connection)
                version = len(await store.read_stream("hot"))
                try:
                    async with connection.transaction():
                        await store.append("hot", version, [PendingEvent(event=SampleRecorded(n=k))], Cause())
                    wins += 1
                except StreamVersionConflict:
                    pass
        return wins

    wins = sum(await asyncio.gather(*(writer(k) for k in range(8))))
    versions = [r["version"] for r in await store_pool.fetch("SELECT version FROM events WHERE stream_id='hot' ORDER BY 1")]
    assert versions == list(range(1, wins + 1))
