"""Quotas, slot holders and the served decisions a reallocation reads; the service's own events appended beside them.

The holders table is written in the transaction that appends the events it reflects, so the
two never disagree; the events (stream `slots-<programme>-<regency>`) are what subscribers hear.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from types import MappingProxyType

import asyncpg
from siks_events.catalog.eligibility import EligibilityEnded, EligibilityGranted, EndReason
from siks_events.catalog.registry import Program
from siks_events.model import Cause, Event, PendingEvent
from siks_events.store import PostgresEventStore

from siks_eligibility.adapters.postgres.tables import VersionTables
from siks_eligibility.domain.decision import Basis, Beneficiary, Condition, Decision


def stream_of(program: Program, regency: str) -> str:
    """One stream per programme and regency: its slots change in one order, the order subscribers read."""
    return f"slots-{program.value}-{regency}"


async def quotas(connection: asyncpg.Connection | asyncpg.Pool, regencies: Iterable[str]) -> dict[tuple[Program, str], int]:
    rows = await connection.fetch("SELECT program, regency, quota FROM eligibility_quotas WHERE regency = ANY($1::text[])",
                                  list(regencies))
    return {(Program(r["program"]), r["regency"]): r["quota"] for r in rows}


async def all_quotas(connection: asyncpg.Connection | asyncpg.Pool) -> list[asyncpg.Record]:
    return await connection.fetch("SELECT program, regency, quota, set_at FROM eligibility_quotas ORDER BY program, regency")


async def set_quota(connection: asyncpg.Connection | asyncpg.Pool, program: Program, regency: str, quota: int | None) -> None:
    """Set (or, with None, remove) a programme's quota in a regency; it binds from the regency's next reallocation."""
    if quota is None:
        await connection.execute("DELETE FROM eligibility_quotas WHERE program = $1 AND regency = $2", program.value, regency)
        return
    await connection.execute(
        "INSERT INTO eligibility_quotas (program, regency, quota) VALUES ($1, $2, $3)"
        " ON CONFLICT (program, regency) DO UPDATE SET quota = excluded.quota, set_at = now()",
        program.value, regency, quota)


async def regencies_held(connection: asyncpg.Connection | asyncpg.Pool) -> list[str]:
    return [r["regency"] for r in await connection.fetch("SELECT DISTINCT regency FROM eligibility_slots")]


async def holders(connection: asyncpg.Connection | asyncpg.Pool, program: Program, regency: str) -> list[Beneficiary]:
    rows = await connection.fetch(
        "SELECT household_id, nik FROM eligibility_slots WHERE program = $1 AND regency = $2 ORDER BY household_id, nik",
        program.value, regency)
    return [Beneficiary(r["household_id"], r["nik"] or None) for r in rows]


async def held_by(connection: asyncpg.Connection, household_ids: Sequence[str]) -> list[tuple[Program, str, Beneficiary]]:
    """(programme, regency, beneficiary) of every slot the households or their members hold."""
    rows = await connection.fetch(
        "SELECT program, regency, household_id, nik FROM eligibility_slots WHERE household_id = ANY($1::text[])",
        list(household_ids))
    return [(Program(r["program"]), r["regency"], Beneficiary(r["household_id"], r["nik"] or None)) for r in rows]


async def holder_count(connection: asyncpg.Connection, program: Program, regency: str) -> int:
    return await connection.fetchval("SELECT count(*) FROM eligibility_slots WHERE program = $1 AND regency = $2",
                                     program.value, regency)


async def holders_of(connection: asyncpg.Connection | asyncpg.Pool, program: Program, regency: str) -> list[asyncpg.Record]:
    """The regency's slot holders with when and at which welfare rank each was granted."""
    return await connection.fetch(
        "SELECT household_id, nik, granted_on, welfare_rank FROM eligibility_slots WHERE program = $1 AND regency = $2"
        " ORDER BY household_id, nik", program.value, regency)


def decision_of(row: asyncpg.Record) -> Decision:
    """A served decision as the domain's Decision (its regency-wide rank taken from `welfare_rank`)."""
    conditions = tuple(Condition(c["name"], c["passed"], c["detail"], c["required"]) for c in row.get("conditions", ()))
    return Decision(
        program=Program(row["program"]), beneficiary=Beneficiary(row["household_id"], row["nik"] or None),
        eligible=row["eligible"], regency=row["regency"], rule_version=row["rule_version"],
        weights_version=row["weights_version"], basis=Basis(on=row["assessed_on"], log_position=row["log_position"]),
        household_position=row["log_position"], conditions=conditions,
        inputs=MappingProxyType(dict(row.get("inputs", {}))), welfare_rank=row["welfare_rank"], decile=row["decile"],
        end_reason=EndReason(row["end_reason"]) if row["end_reason"] else None, ended_on=row["ended_on"],
        in_regency_since=row["in_regency_since"])


_UNEXPLAINED = ("d.program, d.household_id, d.nik, d.eligible, d.regency, d.decile, d.rule_version, d.weights_version,"
                " d.assessed_on, d.log_position, d.end_reason, d.ended_on, d.in_regency_since")
"""A decision's columns but its conditions and inputs: all a reallocation reads, without decoding two JSON documents
per decision (a rebuilt version's first switch reads every eligible decision of every regency)."""


async def standing_rows(connection: asyncpg.Connection, tables: VersionTables, program: Program, regency: str,
                        beneficiaries: Sequence[Beneficiary], *, explained: bool = True) -> list[Decision]:
    """The regency's eligible decisions and those of the given beneficiaries, with their welfare rank in the regency
    (score ascending, ties by household id: the ranking's own order); unless `explained`, without their conditions
    and inputs."""
    rows = await connection.fetch(
        f"""WITH ranked AS (
                SELECT household_id, row_number() OVER (ORDER BY score, household_id) AS welfare_rank
                FROM {tables.households} WHERE regency = $2 AND score IS NOT NULL)
            SELECT {"d.*" if explained else _UNEXPLAINED}, r.welfare_rank
            FROM {tables.decisions} AS d LEFT JOIN ranked AS r USING (household_id)
            WHERE d.program = $1 AND ((d.regency = $2 AND d.eligible)
                  OR (d.household_id, d.nik) IN (SELECT * FROM unnest($3::text[], $4::text[])))""",
        program.value, regency, [b.household_id for b in beneficiaries], [b.nik or "" for b in beneficiaries])
    return [decision_of(r) for r in rows]


async def record(connection: asyncpg.Connection, program: Program, regency: str, events: Sequence[Event],
                 cause: Cause) -> None:
    """Append the regency's events to its stream and bring the holders in line with them."""
    if not events:
        return
    stream = stream_of(program, regency)
    version = await connection.fetchval("SELECT coalesce(max(version), 0) FROM events WHERE stream_id = $1", stream)
    await PostgresEventStore(connection).append(stream, version, [PendingEvent(event=e) for e in events], cause)
    ended = [(e.household_id, e.nik or "") for e in events if isinstance(e, EligibilityEnded)]
    granted = [e for e in events if isinstance(e, EligibilityGranted)]
    if ended:
        await connection.execute(
            # the household ids as an index condition: joined to unnest alone, PostgreSQL read every slot of the
            # programme and regency once per row ended
            "DELETE FROM eligibility_slots WHERE program = $1 AND regency = $2 AND household_id = ANY($3::text[])"
            " AND (household_id, nik) IN (SELECT * FROM unnest($3::text[], $4::text[]))",
            program.value, regency, [h for h, _ in ended], [n for _, n in ended])
    if granted:
        await connection.execute(
            "INSERT INTO eligibility_slots (program, regency, household_id, nik, granted_on, welfare_rank)"
            " SELECT $1, $2, h, n, g, r FROM unnest($3::text[], $4::text[], $5::date[], $6::int[]) AS x(h, n, g, r)",
            program.value, regency, [e.household_id for e in granted], [e.nik or "" for e in granted],
            [e.effective_on for e in granted], [e.welfare_rank for e in granted])
