"""What the API serves, read through the pointer: a reader never sees a version being built."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import asyncpg

from siks_eligibility.adapters.postgres import rows, versions
from siks_eligibility.adapters.postgres.tables import VersionTables
from siks_eligibility.domain.household import HouseholdHistory

T = TypeVar("T")

HOUSEHOLD_MOVED = "siks.registry.household-moved.v1"


async def from_served(pool: asyncpg.Pool, read: Callable[[asyncpg.Connection, int], Awaitable[T]]) -> T | None:
    """`read(connection, version)` on the served version; None before any version."""
    for _ in range(3):  # a switch may retire the version between reading the pointer and reading its table
        async with pool.acquire() as connection:
            served = await versions.current(connection)
            if served is None:
                return None
            try:
                return await read(connection, served)
            except asyncpg.UndefinedTableError:
                continue
    raise RuntimeError("the served projection version kept changing")


async def decisions_of(pool: asyncpg.Pool, household_id: str) -> list[dict]:
    """Every served decision about a household and its members, by programme and NIK; [] before any version."""
    async def read(connection: asyncpg.Connection, served: int) -> list[dict]:
        found = await connection.fetch(
            f"SELECT * FROM {VersionTables(served).decisions} WHERE household_id = $1 ORDER BY program, nik", household_id)
        return [{**dict(r), "projection_version": served} for r in found]

    return await from_served(pool, read) or []


async def regency_histories(connection: asyncpg.Connection, version: int, household_id: str,
                            regency_of: Callable[[HouseholdHistory], str | None]) -> dict[str, HouseholdHistory]:
    """The kept histories of every household that may share a regency with `household_id` on some day: see
    `histories_near`, for the regency `regency_of` gives for the household ({} if it gives none)."""
    own = (await rows.histories(connection, VersionTables(version), [household_id])).get(household_id)
    regency = regency_of(own) if own is not None else None
    return await histories_near(connection, version, regency) if regency is not None else {}


async def histories_near(connection: asyncpg.Connection, version: int, regency: str) -> dict[str, HouseholdHistory]:
    """The kept histories of the households the version places in `regency` and of every household that ever moved:
    all that may have lived there on a day other than the one the version assesses."""
    tables = VersionTables(version)
    candidates = await connection.fetch(
        f"SELECT household_id FROM {tables.households} WHERE regency = $1"
        f" UNION SELECT household_id FROM {tables.events} WHERE type = $2", regency, HOUSEHOLD_MOVED)
    return await rows.histories(connection, tables, [r["household_id"] for r in candidates])


def _ranked(tables: VersionTables) -> str:
    """Every ranked household with its welfare rank in its regency: score ascending, ties by household id."""
    return (f"SELECT household_id, row_number() OVER (PARTITION BY regency ORDER BY score, household_id) AS welfare_rank"
            f" FROM {tables.households} WHERE score IS NOT NULL")


async def served_decisions(connection: asyncpg.Connection, version: int, household_id: str) -> list[asyncpg.Record]:
    """The served decisions about a household and its members, with welfare rank and whether each holds a slot."""
    tables = VersionTables(version)
    return await connection.fetch(
        f"""SELECT d.*, r.welfare_rank, s.household_id IS NOT NULL AS holds_slot
            FROM {tables.decisions} AS d
            LEFT JOIN ({_ranked(tables)}) AS r USING (household_id)
            LEFT JOIN eligibility_slots AS s
                   ON s.program = d.program AND s.household_id = d.household_id AND s.nik = d.nik
            WHERE d.household_id = $1 ORDER BY d.program, d.nik""", household_id)


async def household_region(connection: asyncpg.Connection, version: int, household_id: str) -> str | None:
    """The village code the served version places the household in; None if it does not know the household."""
    return await connection.fetchval(
        f"SELECT inputs->>'region_code' FROM {VersionTables(version).decisions} WHERE household_id = $1 LIMIT 1",
        household_id)


async def household_of(connection: asyncpg.Connection, version: int, nik: str) -> str | None:
    """The household a person belongs to, as the served version decides them (an active membership first)."""
    return await connection.fetchval(
        f"SELECT household_id FROM {VersionTables(version).decisions} WHERE nik = $1"
        " ORDER BY (inputs->>'status') = 'active' DESC, household_id LIMIT 1", nik)


async def beneficiaries(connection: asyncpg.Connection, version: int, program: str, region_code: str, *,
                        limit: int, offset: int) -> list[asyncpg.Record]:
    """The eligible beneficiaries of a programme inside a region, per regency poorest first."""
    tables = VersionTables(version)
    return await connection.fetch(
        f"""SELECT d.household_id, nullif(d.nik, '') AS nik, d.inputs->>'region_code' AS region_code, d.regency,
                   r.welfare_rank, d.decile, s.household_id IS NOT NULL AS holds_slot
            FROM {tables.decisions} AS d
            JOIN ({_ranked(tables)}) AS r USING (household_id)
            LEFT JOIN eligibility_slots AS s
                   ON s.program = d.program AND s.regency = d.regency AND s.household_id = d.household_id AND s.nik = d.nik
            WHERE d.program = $1 AND d.eligible AND d.inputs->>'region_code' LIKE $2 || '%'
            ORDER BY d.regency, r.welfare_rank, d.nik LIMIT $3 OFFSET $4""", program, region_code, limit, offset)
