"""One contract for the event store, run against the in-memory and the PostgreSQL implementation."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from siks_events.model import Cause, PendingEvent, StreamVersionConflict
from siks_events.store import DuplicateEvent, PostgresEventStore
from siks_events.testing import InMemoryEventStore, SampleRecorded

CAUSE = Cause(actor="op-1", role="village_operator", region="3571011001", command="test")


def pending(*numbers: int) -> list[PendingEvent]:
    return [PendingEvent(event=SampleRecorded(n=n)) for n in numbers]


class EventStoreContract:
    """Subclasses provide `store` as an async context manager yielding an EventStore."""

    async def test_appends_are_read_back_in_version_order_with_their_cause(self, store):
        async with store() as s:
            await s.append("s-1", 0, pending(1, 2), CAUSE)
            await s.append("s-1", 2, pending(3), CAUSE)
            events = await s.read_stream("s-1")
        assert [e.version for e in events] == [1, 2, 3]
        assert [e.event().n for e in events] == [1, 2, 3]
        assert events[0].metadata["actor"] == "op-1" and events[0].metadata["region"] == "3571011001"

    async def test_a_stale_expected_version_is_a_conflict_and_writes_nothing(self, store):
        async with store() as s:
            await s.append("s-1", 0, pending(1), CAUSE)
            with pytest.raises(StreamVersionConflict):
                await s.append("s-1", 0, pending(2, 3), CAUSE)
        async with store() as s:
            assert [e.version for e in await s.read_stream("s-1")] == [1]

    async def test_an_expected_version_ahead_of_the_stream_is_a_conflict(self, store):
        async with store() as s:
            with pytest.raises(StreamVersionConflict):
                await s.append("s-1", 3, pending(1), CAUSE)

    async def test_an_event_id_is_recorded_once(self, store):
        twin = PendingEvent(event=SampleRecorded(n=1))
        async with store() as s:
            await s.append("s-1", 0, [twin], CAUSE)
            with pytest.raises(DuplicateEvent):
                await s.append("s-2", 0, [twin], CAUSE)

    async def test_read_all_is_in_store_order_across_streams(self, store):
        async with store() as s:
            await s.append("a", 0, pending(1), CAUSE)
            await s.append("b", 0, pending(2), CAUSE)
            await s.append("a", 1, pending(3), CAUSE)
            everything = await s.read_all()
            after_first = await s.read_all(after_position=everything[0].position, limit=1)
        assert [e.event().n for e in everything] == [1, 2, 3]
        assert [e.event().n for e in after_first] == [2]

    async def test_a_stream_can_be_read_as_of_a_recorded_time(self, store):
        async with store() as s:
            await s.append("s-1", 0, pending(1), CAUSE)
        await asyncio.sleep(0.05)
        between = datetime.now(UTC)
        await asyncio.sleep(0.05)
        async with store() as s:
            await s.append("s-1", 1, pending(2), CAUSE)
            then = await s.read_stream("s-1", recorded_until=between)
            now = await s.read_stream("s-1")
        assert [e.event().n for e in then] == [1]
        assert [e.event().n for e in now] == [1, 2]


class TestInMemoryEventStore(EventStoreContract):
    @pytest.fixture
    def store(self):
        memory = InMemoryEventStore()

        class _Open:
            async def __aenter__(self):
                return memory

            async def __aexit__(self, *exc):
                return None

        return _Open


class TestPostgresEventStore(EventStoreContract):
    @pytest.fixture
    def store(self, store_pool):
        class _Open:
            async def __aenter__(self):
                self.connection = await store_pool.acquire()
                return PostgresEventStore(self.connection)

            async def __aexit__(self, *exc):
                await store_pool.release(self.connection)

        return _Open
