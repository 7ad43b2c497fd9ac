"""The event store: streams of events with optimistic concurrency, on PostgreSQL.

The store is also the outbox: the relay reads the same table. Each row keeps the id of
the transaction that wrote it (`txid`) so the relay can publish gap-free without
serialising writers; see `siks_events.relay`.
"""

from __future__ import annotations

import abc
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from siks_events import catalog
from siks_events.envelope import Envelope
from siks_events.model import Cause, Conflict, Event, PendingEvent, StreamVersionConflict


class DuplicateEvent(Conflict):
    """An event with this id is already in the store."""

    code = "duplicate-event"


@dataclass(frozen=True)
class RecordedEvent:
    """An event as the store keeps it: its place in its stream and in the store, and its cause."""

    position: int
    stream_id: str
    version: int
    event_id: str
    type: str
    topic: str
    subject: str
    data: dict[str, Any]
    metadata: dict[str, Any]
    recorded_at: datetime

    def event(self) -> Event:
        return catalog.decode(self.type, self.data)

    def envelope(self, source: str) -> Envelope:
        """The CloudEvent that carries this event on the wire."""
        meta = self.metadata
        extensions = {
            "streamid": self.stream_id,
            "streamversion": str(self.version),
            "actor": meta.get("actor", "system"),
            "actorrole": meta.get("role", "system"),
            "actorregion": meta.get("region", ""),
        }
        for name, attribute in (
            ("traceparent", "traceparent"),
            ("request_id", "requestid"),
            ("causation_id", "causationid"),
            ("command", "command"),
        ):
            if meta.get(name):
                extensions[attribute] = str(meta[name])
        return Envelope(
            id=self.event_id,
            source=source,
            type=self.type,
            subject=self.subject,
            time=self.recorded_at,
            data=self.data,
            key=self.stream_id,
            extensions=extensions,
        )


class EventStore(abc.ABC):
    """Streams of events, each appended to only at the version its writer read."""

    @abc.abstractmethod
    async def append(
        self, stream_id: str, expected_version: int, events: Sequence[PendingEvent], cause: Cause
    ) -> list[RecordedEvent]:
        """Append all events atomically after `expected_version`, or raise StreamVersionConflict."""

    @abc.abstractmethod
    async def read_stream(self, stream_id: str, *, recorded_until: datetime | None = None) -> list[RecordedEvent]:
        """A stream's events in version order; with `recorded_until`, only those the store had then."""

    @abc.abstractmethod
    async def read_all(self, *, after_position: int = 0, limit: int = 1000) -> list[RecordedEvent]:
        """Events of every stream in store order, after a position."""


def rows_for(stream_id: str, events: Sequence[PendingEvent], cause: Cause) -> dict[str, list[Any]]:
    """Column arrays for one append; shared by every store implementation."""
    columns: dict[str, list[Any]] = {k: [] for k in ("event_id", "type", "topic", "subject", "data", "metadata")}
    metadata = cause.as_metadata()
    for pending in events:
        event = pending.event
        columns["event_id"].append(pending.id)
        columns["type"].append(event.type)
        columns["topic"].append(event.topic)
        columns["subject"].append(event.subject() or stream_id)
        columns["data"].append(event.model_dump(mode="json"))
        columns["metadata"].append(metadata)
    return columns


# The insert is the transaction's first write (see relay.py); the version check and the
# insert are one statement, and the (stream_id, version) key stops a concurrent twin.
_APPEND = """
INSERT INTO events (stream_id, version, event_id, type, topic, subject, data, metadata)
SELECT $1, current.version + e.ord, e.event_id, e.type, e.topic, e.subject, e.data::jsonb, e.metadata::jsonb
FROM (SELECT coalesce(max(version), 0) AS version FROM events WHERE stream_id = $1) AS current,
     unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
         WITH ORDINALITY AS e(event_id, type, topic, subject, data, metadata, ord)
WHERE current.version = $2
RETURNING position, stream_id, version, event_id, type, topic, subject, data, metadata, recorded_at
"""

_COLUMNS = "position, stream_id, version, event_id, type, topic, subject, data, metadata, recorded_at"


def recorded(row: asyncpg.Record) -> RecordedEvent:
    return RecordedEvent(**dict(row))


class PostgresEventStore(EventStore):
    """The event store on one asyncpg connection, inside the caller's transaction."""

    def __init__(self, connection: asyncpg.Connection) -> None:
        self.connection = connection

    async def append(
        self, stream_id: str, expected_version: int, events: Sequence[PendingEvent], cause: Cause
    ) -> list[RecordedEvent]:
        if not events:
            return []
        columns = rows_for(stream_id, events, cause)
        try:
            rows = await self.connection.fetch(
                _APPEND,
                stream_id,
                expected_version,
                columns["event_id"],
                columns["type"],
                columns["topic"],
                columns["subject"],
                [json.dumps(d) for d in columns["data"]],
                [json.dumps(m) for m in columns["metadata"]],
            )
        except asyncpg.UniqueViolationError as exc:
            if exc.constraint_name == "events_event_id_key":
                raise DuplicateEvent("an event with this id is already recorded") from None
            raise StreamVersionConflict(stream_id, expected_version) from None
        if not rows:
            raise StreamVersionConflict(stream_id, expected_version)
        return [recorded(row) for row in rows]

    async def read_stream(self, stream_id: str, *, recorded_until: datetime | None = None) -> list[RecordedEvent]:
        if recorded_until is None:
            rows = await self.connection.fetch(
                f"SELECT {_COLUMNS} FROM events WHERE stream_id = $1 ORDER BY version", stream_id
            )
        else:
            rows = await self.connection.fetch(
                f"SELECT {_COLUMNS} FROM events WHERE stream_id = $1 AND recorded_at <= $2 ORDER BY version",
                stream_id,
                recorded_until,
            )
        return [recorded(row) for row in rows]

    async def read_all(self, *, after_position: int = 0, limit: int = 1000) -> list[RecordedEvent]:
        rows = await self.connection.fetch(
            f"SELECT {_COLUMNS} FROM events WHERE position > $1 ORDER BY position LIMIT $2",
            after_position,
            limit,
        )
        return [recorded(row) for row in rows]
