"""Acceptance 1: concurrent appends at one expected version - exactly one wins, the rest conflict, no gap.

Each test asserts a winner exists: a store that refused every writer would otherwise pass.
"""

from __future__ import annotations

import asyncio

from siks_events.model import Cause, PendingEvent, StreamVersionConflict
from siks_events.store import PostgresEventStore
from siks_events.testing import SampleRecorded

WON = "won"


def events_of(writer: int, count: int = 2) -> list[PendingEvent]:
    # Several events per writer, numbered by writer, so the stream shows whose append survived, and whole.
    return [PendingEvent(event=SampleRecorded(n=writer * 100 + i)) for i in range(count)]


async def stream_contents(pool, stream_id: str) -> list[tuple[int, int]]:
    rows = await pool.fetch("SELECT version, data FROM events WHERE stream_id = $1 ORDER BY version", stream_id)
    return [(r["version"], r["data"]["n"]) for r in rows]


async def _append_in_transaction(pool, stream_id: str, expected: int, writer: int, started: asyncio.Barrier):
    """WON, or the StreamVersionConflict this writer got; any other error fails the test."""
    try:
        async with pool.acquire() as connection, connection.transaction():
            await started.wait()  # every transaction is open before any appends
            await PostgresEventStore(connection).append(stream_id, expected, events_of(writer), Cause())
            await asyncio.sleep(0.2)  # hold the transaction open so the others must wait on us
        return WON
    except StreamVersionConflict as conflict:
        return conflict


async def test_two_concurrent_appends_at_the_same_version_one_wins_the_other_conflicts(store_pool):
    async with store_pool.acquire() as connection:
        await PostgresEventStore(connection).append("h-1", 0, [PendingEvent(event=SampleRecorded(n=0))], Cause())
    started = asyncio.Barrier(2)
    results = await asyncio.gather(*(_append_in_transaction(store_pool, "h-1", 1, w, started) for w in (1, 2)))

    assert results.count(WON) == 1, results
    (winner,) = [w for w, result in zip((1, 2), results, strict=True) if result == WON]
    (conflict,) = [r for r in results if r != WON]
    assert isinstance(conflict, StreamVersionConflict)
    assert (conflict.stream_id, conflict.expected_version) == ("h-1", 1)
    assert await stream_contents(store_pool, "h-1") == [(1, 0), (2, winner * 100), (3, winner * 100 + 1)]


async def test_in_every_round_of_many_writers_exactly_one_wins_and_the_stream_holds_only_the_winners(store_pool):
    writers, rounds = 8, 10
    winners: list[int] = []
    for _ in range(rounds):
        # Every writer reads the same version before any appends, so each round is a real race.
        read = asyncio.Barrier(writers)

        async def writer(k: int, read: asyncio.Barrier = read):
            async with store_pool.acquire() as connection:
                store = PostgresEventStore(connection)
                version = len(await store.read_stream("hot"))
                await read.wait()
                try:
                    async with connection.transaction():
                        await store.append("hot", version, events_of(k), Cause())
                    return WON
                except StreamVersionConflict as conflict:
                    return conflict

        results = await asyncio.gather(*(writer(k) for k in range(writers)))
        assert results.count(WON) == 1, results
        assert all(isinstance(r, StreamVersionConflict) for r in results if r != WON), results
        winners.append(results.index(WON))

    expected = [w * 100 + i for w in winners for i in range(2)]
    assert await stream_contents(store_pool, "hot") == list(enumerate(expected, start=1))
