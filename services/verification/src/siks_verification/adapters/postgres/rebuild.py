"""Rebuild of the prelist and visit read models from the event store, one bounded chunk of entries per transaction.

Chunks keep each transaction short (a long one would hold back every relay, which publishes only below
the oldest open transaction), so the service keeps serving while old rows answer until replaced. Entry
rows are written with the same compare-and-set as live writes: a chunk that races a live write fails
and is replayed, never overwriting the newer row with an older fold.
"""

from __future__ import annotations

from collections.abc import Callable

import asyncpg
from siks_events.catalog.verification import PrelistEntryAdded, VisitRecorded
from siks_events.model import Cause, StreamVersionConflict

from siks_verification.adapters.postgres.projection import project_visit
from siks_verification.adapters.postgres.uow import PostgresVerificationUnitOfWork
from siks_verification.domain.visit import Visit

Progress = Callable[[int, int], None]
"""Called after each committed chunk with (entries replayed so far, entries in the store)."""

_ENTRIES_AFTER = ("SELECT DISTINCT stream_id FROM events WHERE type = $1 AND stream_id > $2"
                  " ORDER BY stream_id LIMIT $3")
MAX_RACES = 10


class _Replay(PostgresVerificationUnitOfWork):
    """A unit of work that finds visits in the event store itself, since the visits table may be what is lost."""

    async def visit_ids_of(self, entry_id: str) -> list[str]:
        rows = await self.connection.fetch(
            "SELECT stream_id FROM events WHERE type = $1 AND data->>'entry_id' = $2", VisitRecorded.type, entry_id)
        return [r["stream_id"] for r in rows]

    async def replay(self, entry_ids: list[str]) -> None:
        async with self:
            for entry_id in entry_ids:
                entry = await self.find_entry(entry_id)
                assert entry is not None
                for visit_id in await self.visit_ids_of(entry_id):
                    visit = await self.load(Visit, visit_id)
                    assert visit is not None
                    await project_visit(self.connection, visit, entry)
            await self.commit()  # no new events: the commit writes every entry row this unit of work folded


async def rebuild(pool: asyncpg.Pool, progress: Progress | None = None, *, chunk: int = 500) -> int:
    """Write every entry's and visit's row again from their streams; the number of entries replayed."""
    total = await pool.fetchval("SELECT count(DISTINCT stream_id) FROM events WHERE type = $1",
                                PrelistEntryAdded.type)
    done, after = 0, ""
    while True:
        rows = await pool.fetch(_ENTRIES_AFTER, PrelistEntryAdded.type, after, chunk)
        if not rows:
            return done
        entry_ids = [r["stream_id"] for r in rows]
        for attempt in range(1, MAX_RACES + 1):
            try:
                await _Replay(pool, Cause(actor="rebuild", command="RebuildReadModels")).replay(entry_ids)
                break
            except StreamVersionConflict:  # a live write of one of these entries committed meanwhile: fold again
                if attempt == MAX_RACES:
                    raise
        done, after = done + len(entry_ids), entry_ids[-1]
        if progress is not None:
            progress(done, total)
