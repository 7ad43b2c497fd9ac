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
