"""The rows one projection version writes and reads: households' events, ranking inputs, decisions.

Every write is one statement per batch (arrays unnested), whatever the batch's size.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import asyncpg
import orjson
from siks_events import catalog

from siks_eligibility.adapters.postgres.tables import VersionTables
from siks_eligibility.domain.decision import Decision
from siks_eligibility.domain.household import HouseholdHistory


@dataclass(frozen=True)
class StoredEvent:
    """A registry event of one household, at its version in the household's stream."""

    household_id: str
    stream_version: int
    type: str
    data: dict
    recorded_at: datetime


@dataclass(frozen=True)
class HouseholdRow:
    """What the regency ranking reads of a household: where it lives and its score (None: not ranked)."""

    household_id: str
    regency: str
    score: int | None
    stream_version: int


def _json(value: object) -> str:
    """Compact JSON; dates and times as `str()` writes them, anything else JSON lacks likewise. orjson, as two
    documents are encoded per decision (a build's share of time went to `json`'s encoder before)."""
    return orjson.dumps(value, default=str, option=orjson.OPT_PASSTHROUGH_DATETIME).decode()


async def insert_events(connection: asyncpg.Connection, tables: VersionTables, events: Sequence[StoredEvent]) -> None:
    """Keep the events; one already kept at its stream version is left as it is (the inbox is the first guard)."""
    await connection.execute(
        f"INSERT INTO {tables.events} (household_id, stream_version, type, data, recorded_at)"
        " SELECT h, v, t, d::json, r FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::timestamptz[])"
        " AS e(h, v, t, d, r) ON CONFLICT DO NOTHING",
        [e.household_id for e in events], [e.stream_version for e in events], [e.type for e in events],
        [_json(e.data) for e in events], [e.recorded_at for e in events])


async def histories(connection: asyncpg.Connection, tables: VersionTables,
                    household_ids: Iterable[str]) -> dict[str, HouseholdHistory]:
    """Each household's kept events in stream order, ready to fold (the stream version is the position)."""
    rows = await connection.fetch(
        f"SELECT household_id, stream_version, type, data, recorded_at FROM {tables.events}"
        " WHERE household_id = ANY($1::text[]) ORDER BY household_id, stream_version", list(household_ids))
    found: dict[str, HouseholdHistory] = {}
    for row in rows:
        history = found.setdefault(row["household_id"], HouseholdHistory(row["household_id"]))
        history.record(catalog.decode(row["type"], row["data"]), position=row["stream_version"],
                       recorded_at=row["recorded_at"])
    return found


async def every_history(connection: asyncpg.Connection, tables: VersionTables, *,
                        prefetch: int = 5_000) -> AsyncIterator[HouseholdHistory]:
    """Each household's kept events in stream order, one household after another, from one read of the table (a
    cursor: call inside a transaction); for a build, where reading them by household ids would be a query per
    chunk of households."""
    history: HouseholdHistory | None = None
    async for row in connection.cursor(
            f"SELECT household_id, stream_version, type, data, recorded_at FROM {tables.events}"
            " ORDER BY household_id, stream_version", prefetch=prefetch):
        if history is None or row["household_id"] != history.household_id:
            if history is not None:
                yield history
            history = HouseholdHistory(row["household_id"])
        history.record(catalog.decode(row["type"], row["data"]), position=row["stream_version"],
                       recorded_at=row["recorded_at"])
    if history is not None:
        yield history


async def household_ids(connection: asyncpg.Connection, tables: VersionTables) -> list[str]:
    """Every household with kept events, in id order."""
    rows = await connection.fetch(f"SELECT DISTINCT household_id FROM {tables.events} ORDER BY household_id")
    return [r["household_id"] for r in rows]


async def regencies_of(connection: asyncpg.Connection, tables: VersionTables, household_ids: Iterable[str]) -> set[str]:
    """The regencies the households were in before this batch."""
    rows = await connection.fetch(
        f"SELECT DISTINCT regency FROM {tables.households} WHERE household_id = ANY($1::text[]) AND regency IS NOT NULL",
        list(household_ids))
    return {r["regency"] for r in rows}


async def upsert_households(connection: asyncpg.Connection, tables: VersionTables, households: Sequence[HouseholdRow]) -> None:
    """Write where households live and their scores; an unranked household loses its decile, a ranked one keeps it
    until the ranking is next computed."""
    await connection.execute(
        f"INSERT INTO {tables.households} AS h (household_id, regency, score, stream_version)"
        " SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::int[])"
        " ON CONFLICT (household_id) DO UPDATE SET regency = excluded.regency, score = excluded.score,"
        " stream_version = excluded.stream_version,"
        " decile = CASE WHEN excluded.score IS NULL THEN NULL ELSE h.decile END",
        [h.household_id for h in households], [h.regency for h in households], [h.score for h in households],
        [h.stream_version for h in households])


async def insert_ranked_households(connection: asyncpg.Connection, tables: VersionTables,
                                   households: Sequence[HouseholdRow], deciles: dict[str, int]) -> None:
    """Write the households of a version being built, each with its decile (none: not ranked) as ranked in Python
    (`domain.welfare.places_by_regency`, the order `rank` ranks in); its table is empty until then, so one COPY."""
    await connection.copy_records_to_table(
        tables.households, columns=["household_id", "regency", "score", "decile", "stream_version"],
        records=[(h.household_id, h.regency, h.score, deciles.get(h.household_id), h.stream_version)
                 for h in households])


async def rank(connection: asyncpg.Connection, tables: VersionTables, regencies: Iterable[str],
               household_ids: Iterable[str]) -> dict[str, tuple[int, int, int]]:
    """Rank every ranked household of the regencies again (score ascending, ties by household id in code point
    order, as `domain.welfare.places_by_regency`), store the deciles that moved, and return (rank, of, decile) of
    the households asked for and of those whose decile moved.

    PostgreSQL ranks and compares, so only those rows come back: a regency's other households never leave the
    database."""
    found = await connection.fetch(
        f"WITH placed AS (SELECT household_id, rank, of, ((rank - 1) * 10 / of + 1)::int AS decile, was FROM ("
        "   SELECT household_id, decile AS was, row_number() OVER (PARTITION BY regency"
        '     ORDER BY score, household_id COLLATE "C") AS rank, count(*) OVER (PARTITION BY regency) AS of'
        f"   FROM {tables.households} WHERE regency = ANY($1::text[]) AND score IS NOT NULL) AS ranked),"
        f" moved AS (UPDATE {tables.households} AS h SET decile = p.decile FROM placed AS p"
        "   WHERE h.household_id = p.household_id AND p.decile IS DISTINCT FROM p.was)"
        " SELECT household_id, rank::int, of::int, decile FROM placed"
        " WHERE decile IS DISTINCT FROM was OR household_id = ANY($2::text[])",
        list(regencies), list(household_ids))
    return {r["household_id"]: (r["rank"], r["of"], r["decile"]) for r in found}


async def all_regencies(connection: asyncpg.Connection, tables: VersionTables) -> list[str]:
    rows = await connection.fetch(f"SELECT DISTINCT regency FROM {tables.households} WHERE regency IS NOT NULL")
    return sorted(r["regency"] for r in rows)


def decision_row(decision: Decision, assessed_on: date) -> tuple:
    """A decision as the API serves it. The regency-wide rank ("rank r of n") is left out: every household that
    joins a regency moves it for everyone below, and the serving query computes it from the scores instead."""
    inputs = {k: v for k, v in decision.inputs.items() if k != "welfare_rank"}
    conditions = [{"name": c.name, "passed": c.passed, "detail": c.detail, "required": c.required}
                  for c in decision.conditions]
    return (decision.program.value, decision.beneficiary.household_id, decision.beneficiary.nik or "", decision.eligible,
            decision.regency, decision.decile, decision.rule_version, decision.weights_version, assessed_on,
            decision.household_position, _json(conditions), _json(inputs),
            decision.end_reason.value if decision.end_reason else None, decision.ended_on, decision.in_regency_since)


_DECISION_COLUMNS = ["program", "household_id", "nik", "eligible", "regency", "decile", "rule_version",
                     "weights_version", "assessed_on", "log_position", "conditions", "inputs", "end_reason", "ended_on",
                     "in_regency_since"]

_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_field(value: object) -> str:
    """A value in COPY's text format (NULL as \\N, booleans as t/f, dates ISO, text escaped)."""
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, str):
        # most text has nothing to escape, and looking costs less than translating
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            return value.translate(_COPY_ESCAPES)
        return value
    return str(value)  # integers, dates


def decisions_copied(rows: Iterable[tuple]) -> bytes:
    """`decision_row`s as `copy_decisions` sends them: COPY's text format (the pool's jsonb codec is text-only, so
    binary COPY is not open to it)."""
    return "".join("\t".join(map(_copy_field, row)) + "\n" for row in rows).encode()


async def copy_decisions(connection: asyncpg.Connection, tables: VersionTables, copied: bytes) -> None:
    """Add decisions about households that have none (`decisions_copied`) by COPY: a build writes every decision,
    and inserting them from arrays cost PostgreSQL more than deciding them cost here."""
    await connection.copy_to_table(tables.decisions, source=io.BytesIO(copied), columns=_DECISION_COLUMNS)


async def replace_decisions(connection: asyncpg.Connection, tables: VersionTables, household_ids: Sequence[str],
                            rows: Sequence[tuple]) -> None:
    """Every decision about these households, replaced by `rows` (a member removed loses their rows); the new rows
    go in by COPY, which costs PostgreSQL less than inserting them from arrays (a death re-decides the households
    whose decile it moved as well: some thirty rows)."""
    await connection.execute(f"DELETE FROM {tables.decisions} WHERE household_id = ANY($1::text[])", list(household_ids))
    if rows:
        await copy_decisions(connection, tables, decisions_copied(rows))
