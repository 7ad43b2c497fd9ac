"""The households and persons read models, written from the aggregate in the same transaction
as its events, and rebuilt by replaying every household stream."""

from __future__ import annotations

from collections.abc import Callable

import asyncpg
from siks_events import catalog

from siks_registry.domain.household import Household, Member


def programs_of(member: Member) -> list[dict]:
    return [
        {"program": m.program.value, "active": m.active, "start_date": m.start_date.isoformat(),
         "end_date": m.end_date.isoformat() if m.end_date else None, "end_reason": m.end_reason}
        for m in member.memberships
    ]


async def project_household(connection: asyncpg.Connection, household: Household) -> None:
    """Replace the household's rows by its current state."""
    await connection.execute(
        """
        INSERT INTO households (household_id, kk_number, region_code, address, head_nik, needs_new_head,
                                active_members, welfare_decile, version, updated_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now())
        ON CONFLICT (household_id) DO UPDATE SET kk_number = excluded.kk_number, region_code = excluded.region_code,
            address = excluded.address, head_nik = excluded.head_nik, needs_new_head = excluded.needs_new_head,
            active_members = excluded.active_members, welfare_decile = excluded.welfare_decile,
            version = excluded.version, updated_at = now()
        """,
        household.id, household.kk_number, household.region_code, household.address, household.head_nik,
        household.needs_new_head, len(household.active_members()), household.welfare_decile, household.version,
    )
    await connection.execute("DELETE FROM persons WHERE household_id = $1", household.id)
    await connection.executemany(
        """
        INSERT INTO persons (household_id, nik, full_name, sex, birth_date, relationship, region_code, status,
                             status_since, programs)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
        """,
        [
            (household.id, m.nik, m.person.full_name, m.person.sex.value, m.person.birth_date,
             m.person.relationship.value, m.region_code or household.region_code, m.status.value, m.status_since,
             programs_of(m))
            for m in household.members.values()
        ],
    )


async def rebuild(pool: asyncpg.Pool, progress: Callable[[int, int], None] | None = None) -> int:
    """Throw the read models away and replay every household stream; returns the households rebuilt."""
    async with pool.acquire() as connection, connection.transaction():
        # DELETE, not TRUNCATE: readers keep seeing the old rows until the rebuilt ones commit.
        await connection.execute("DELETE FROM persons")
        await connection.execute("DELETE FROM households")
        streams = [r["stream_id"] for r in await connection.fetch("SELECT DISTINCT stream_id FROM events")]
        for done, stream_id in enumerate(streams, 1):
            rows = await connection.fetch("SELECT type, data FROM events WHERE stream_id = $1 ORDER BY version", stream_id)
            household = Household.rehydrate(stream_id, (catalog.decode(r["type"], r["data"]) for r in rows))
            await project_household(connection, household)
            if progress:
                progress(done, len(streams))
    return len(streams)
