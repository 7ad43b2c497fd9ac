"""Aggregates change only through events; the unit of work commits them all or none."""

from __future__ import annotations

import pytest
from siks_events.model import Aggregate, StreamVersionConflict
from siks_events.testing import InMemoryEventStore, InMemoryUnitOfWork, SampleRecorded


class Tally(Aggregate):
    def __init__(self, id: str) -> None:
        super().__init__(id)
        self.total = 0

    def add(self, n: int) -> None:
        self._record(SampleRecorded(n=n))

    def _apply(self, event) -> None:
        self.total += event.n


async def test_a_committed_aggregate_is_rebuilt_from_its_events():
    store = InMemoryEventStore()
    async with InMemoryUnitOfWork(store) as uow:
        tally = Tally("t-1")
        tally.add(2)
        tally.add(3)
        uow.add(tally)
        await uow.commit()
    async with InMemoryUnitOfWork(store) as uow:
        again = await uow.load(Tally, "t-1")
    assert again.total == 5 and again.version == 2


async def test_without_commit_nothing_is_stored():
    store = InMemoryEventStore()
    async with InMemoryUnitOfWork(store) as uow:
        tally = Tally("t-1")
        tally.add(1)
        uow.add(tally)
    assert store.events == []


async def test_a_stale_aggregate_conflicts_and_its_events_are_dropped():
    store = InMemoryEventStore()
    async with InMemoryUnitOfWork(store) as uow:
        first = Tally("t-1")
        first.add(1)
        uow.add(first)
        await uow.commit()
    stale = Tally.rehydrate("t-1", [])  # believes the stream is empty
    stale.add(9)
    with pytest.raises(StreamVersionConflict):
        async with InMemoryUnitOfWork(store) as uow:
            uow.add(stale)
            await uow.commit()
    assert [e.event().n for e in store.events] == [1]
