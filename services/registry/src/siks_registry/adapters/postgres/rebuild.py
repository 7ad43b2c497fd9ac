"""Rebuild of the households and persons read models from the event store, one bounded chunk per transaction.

One long transaction would hold back the database's xmin, and every relay publishes only below the oldest
open transaction: no death would propagate while it ran. So each chunk of streams commits on its own while
the service keeps serving. Old rows answer until their replacement commits, and a replay never overwrites
rows that a newer write of the same household has already projected (the `version` guard below).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from itertools import groupby

import asyncpg
from siks_events import catalog

from siks_registry.adapters.postgres.projection import HOUSEHOLD_COLUMNS, PERSON_COLUMNS, household_row, person_rows
from siks_registry.domain.household import Household
from siks_registry.domain.proposal_answer import ANSWER_PREFIX

Progress = Callable[[int, int], None]
"""Called after each committed chunk with (households replayed so far, households in the store)."""

# Household streams only: the registry's answers to proposals are streams of their own.
_HOUSEHOLD_STREAM = f"stream_id NOT LIKE '{ANSWER_PREFIX}%'"
_NEXT_STREAMS = (f"SELECT DISTINCT stream_id FROM events WHERE stream_id > $1 AND {_HOUSEHOLD_STREAM}"
                 " ORDER BY stream_id LIMIT $2")

_EVENTS_OF = "SELECT stream_id, type, data FROM events WHERE stream_id = ANY($1::text[]) ORDER BY stream_id, version"

# A row locked here waits for, or makes wait, the API's write of the same household; whichever commits
# second sees the other's row, and only a replay at least as new as the stored version replaces it.
_GUARDED_UPSERT = f"""
INSERT INTO households ({", ".join(HOUSEHOLD_COLUMNS)}, updated_at)
SELECT *, now() FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::boolean[],
                            $7::integer[], $8::integer[], $9::integer[])
ON CONFLICT (household_id) DO UPDATE SET kk_number = excluded.kk_number, region_code = excluded.region_code,
    address = excluded.address, head_nik = excluded.head_nik, needs_new_head = excluded.needs_new_head,
    active_members = excluded.active_members, welfare_decile = excluded.welfare_decile,
    version = excluded.version, updated_at = now()
WHERE households.version <= excluded.version
RETURNING household_id
"""

_INSERT_PERSONS = f"""
INSERT INTO persons ({", ".join(PERSON_COLUMNS)})
SELECT h, n, f, s, b, r, g, st, ss, p::jsonb, d::jsonb
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::date[], $6::text[], $7::text[], $8::text[],
            $9::date[], $10::text[], $11::text[]) AS u(h, n, f, s, b, r, g, st, ss, p, d)
"""

# One page of read-model households at a time, so removing the orphans is bounded too.
_REMOVE_ORPHANS = """
WITH page AS (SELECT household_id FROM households WHERE household_id > $1 ORDER BY household_id LIMIT $2),
     gone AS (DELETE FROM households h USING page
              WHERE h.household_id = page.household_id
                AND NOT EXISTS (SELECT 1 FROM events e WHERE e.stream_id = h.household_id)
              RETURNING 1)
SELECT (SELECT max(household_id) FROM page) AS last, (SELECT count(*) FROM gone) AS removed
"""

_ATTEMPTS = 5


@dataclass
class RebuildReport:
    """What a rebuild did: streams replayed, rows left alone as newer, orphan households removed, transactions."""

    replayed: int = 0
    kept_newer: int = 0
    removed: int = 0
    chunks: int = 0


async def rebuild(pool: asyncpg.Pool, progress: Progress | None = None, *, chunk: int = 500) -> RebuildReport:
    """Replay every household stream into the read models, `chunk` streams per transaction, then drop orphans."""
    report = RebuildReport()
    async with pool.acquire() as connection:
        total = await connection.fetchval(f"SELECT count(DISTINCT stream_id) FROM events WHERE {_HOUSEHOLD_STREAM}")
        last = ""
        while streams := [r["stream_id"] for r in await connection.fetch(_NEXT_STREAMS, last, chunk)]:
            written = await _replay_chunk(connection, streams)
            report.replayed += len(streams)
            report.kept_newer += len(streams) - written
            report.chunks += 1
            last = streams[-1]
            if progress:
                progress(report.replayed, max(total, report.replayed))
        last = ""
        while True:
            page = await connection.fetchrow(_REMOVE_ORPHANS, last, chunk)
            if page["last"] is None:
                break
            report.removed += page["removed"]
            last = page["last"]
    return report


async def _replay_chunk(connection: asyncpg.Connection, streams: list[str]) -> int:
    """Replay these streams in one transaction; returns how many households' rows were replaced."""
    for attempt in range(1, _ATTEMPTS + 1):
        try:
            async with connection.transaction():
                return await _write_chunk(connection, streams)
        except asyncpg.DeadlockDetectedError:
            # a consumer's batch locked some of these households in another order; it wins, we go again
            if attempt == _ATTEMPTS:
                raise
    raise AssertionError("unreachable")


async def _write_chunk(connection: asyncpg.Connection, streams: list[str]) -> int:
    rows = await connection.fetch(_EVENTS_OF, streams)
    households = [Household.rehydrate(stream_id, (catalog.decode(r["type"], r["data"]) for r in events))
                  for stream_id, events in groupby(rows, key=lambda r: r["stream_id"])]
    written = {r["household_id"] for r in await connection.fetch(
        _GUARDED_UPSERT, *_columns([household_row(h) for h in households], len(HOUSEHOLD_COLUMNS)))}
    await connection.execute("DELETE FROM persons WHERE household_id = ANY($1::text[])", list(written))
    persons = [row for h in households if h.id in written for row in person_rows(h)]
    columns = _columns(persons, len(PERSON_COLUMNS))
    for name in ("programs", "details"):  # jsonb through unnest travels as text
        at = PERSON_COLUMNS.index(name)
        columns[at] = [json.dumps(value) for value in columns[at]]
    await connection.execute(_INSERT_PERSONS, *columns)
    return len(written)


def _columns(rows: list[tuple], width: int) -> list[list]:
    """Rows turned into one list per column, for unnest."""
    return [list(column) for column in zip(*rows, strict=True)] if rows else [[] for _ in range(width)]
