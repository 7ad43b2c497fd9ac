"""What the API will serve, read through the pointer: a reader never sees a version being built."""

from __future__ import annotations

import asyncpg

from siks_eligibility.adapters.postgres import versions
from siks_eligibility.adapters.postgres.tables import VersionTables


async def decisions_of(pool: asyncpg.Pool, household_id: str) -> list[dict]:
    """Every served decision about a household and its members, by programme and NIK; [] before any version."""
    for _ in range(3):  # a switch may retire the version between reading the pointer and reading its table
        served = await versions.current(pool)
        if served is None:
            return []
        try:
            rows = await pool.fetch(
                f"SELECT * FROM {VersionTables(served).decisions} WHERE household_id = $1 ORDER BY program, nik",
                household_id)
        except asyncpg.UndefinedTableError:
            continue
        return [{**dict(r), "projection_version": served} for r in rows]
    raise RuntimeError("the served projection version kept changing")
