"""In-memory event store and unit of work for domain and handler tests, and sample events."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import ClassVar

from siks_events.catalog import register
from siks_events.model import Cause, Event, PendingEvent, StreamVersionConflict
from siks_events.store import DuplicateEvent, EventStore, RecordedEvent, rows_for
from siks_events.uow import UnitOfWork


class InMemoryEventStore(EventStore):
    """The event store contract kept in a list; for tests of handlers and of the contract."""

    def __init__(self) -> None:
        self.events: list[RecordedEvent] = []
        self._positions = itertools.count(1)

    async def append(
        self, stream_id: str, expected_version: int, events: Sequence[PendingEvent], cause: Cause
    ) -> list[RecordedEvent]:
        if not events:
            return []
        current = sum(1 for e in self.events if e.stream_id == stream_id)
        if current != expected_version:
            raise StreamVersionConflict(stream_id, expected_version)
        known = {e.event_id for e in self.events}
        columns = rows_for(stream_id, events, cause)
        if known & set(columns["event_id"]) or len(set(columns["event_id"])) < len(events):
            raise DuplicateEvent("an event with this id is already recorded")
        now = datetime.now(UTC)
        new = [
            RecordedEvent(
                position=next(self._positions),
                stream_id=stream_id,
                version=expected_version + i + 1,
                event_id=columns["event_id"][i],
                type=columns["type"][i],
                topic=columns["topic"][i],
                subject=columns["subject"][i],
                data=columns["data"][i],
                metadata=columns["metadata"][i],
                recorded_at=now,
            )
            for i in range(len(events))
        ]
        self.events.extend(new)
        return new

    async def read_stream(self, stream_id: str, *, recorded_until: datetime | None = None) -> list[RecordedEvent]:
        return [
            e
            for e in self.events
            if e.stream_id == stream_id and (recorded_until is None or e.recorded_at <= recorded_until)
        ]

    async def read_all(self, *, after_position: int = 0, limit: int = 1000) -> list[RecordedEvent]:
        return [e for e in self.events if e.position > after_position][:limit]


class InMemoryUnitOfWork(UnitOfWork):
    """A unit of work over an in-memory store: commit keeps the appends, rollback drops them."""

    def __init__(self, store: InMemoryEventStore | None = None, cause: Cause | None = None) -> None:
        super().__init__(cause)
        self.events = store or InMemoryEventStore()
        self.commits = 0

    async def _begin(self) -> None:
        self._mark = len(self.events.events)

    async def _commit(self) -> None:
        self.commits += 1

    async def _rollback(self) -> None:
        del self.events.events[self._mark :]


@register
class SampleRecorded(Event):
    """A sample event for the library's own tests."""

    type: ClassVar[str] = "siks.testing.sample-recorded.v1"
    topic: ClassVar[str] = "siks.testing.events"

    n: int
    note: str = ""
