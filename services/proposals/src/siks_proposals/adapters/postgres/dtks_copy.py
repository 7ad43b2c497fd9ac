"""The copy of DTKS in PostgreSQL: one row per household, one per member, replaced whole on each change."""

from __future__ import annotations

import asyncpg
from siks_events.catalog.registry import Location

from siks_proposals.domain.dtks import DtksHousehold, DtksMember

_UPSERT = """
INSERT INTO dtks_households (household_id, region_code, kk_number, address, location, active, version)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (household_id) DO UPDATE SET region_code = excluded.region_code, kk_number = excluded.kk_number,
    address = excluded.address, location = excluded.location, active = excluded.active, version = excluded.version
-- a writer that folded an older version must not undo a newer one
WHERE dtks_households.version < excluded.version
RETURNING household_id
"""


async def save(connection: asyncpg.Connection, household: DtksHousehold) -> None:
    """Replace the household's rows by this copy, unless a newer one is stored."""
    location = household.location.model_dump(mode="json") if household.location else None
    written = await connection.fetchval(_UPSERT, household.household_id, household.region_code, household.kk_number,
                                        household.address, location, household.active, household.version)
    if written is None:
        return
    await connection.execute("DELETE FROM dtks_members WHERE household_id = $1", household.household_id)
    await connection.executemany(
        "INSERT INTO dtks_members (household_id, nik, full_name, active, programs) VALUES ($1, $2, $3, $4, $5)",
        [(household.household_id, m.nik, m.full_name, m.active, sorted(m.programs)) for m in household.members])


async def load(connection: asyncpg.Connection, household_ids: list[str]) -> dict[str, DtksHousehold]:
    """The copies of these households, by id (unknown ones left out)."""
    households = await connection.fetch("SELECT * FROM dtks_households WHERE household_id = ANY($1)", household_ids)
    members = await connection.fetch("SELECT * FROM dtks_members WHERE household_id = ANY($1) ORDER BY household_id,"
                                      " nik", household_ids)
    by_household: dict[str, list[DtksMember]] = {}
    for m in members:
        by_household.setdefault(m["household_id"], []).append(
            DtksMember(m["nik"], m["full_name"], m["active"], frozenset(m["programs"])))
    return {
        h["household_id"]: DtksHousehold(
            h["household_id"], h["region_code"], h["kk_number"], h["address"],
            tuple(by_household.get(h["household_id"], ())),
            Location(**h["location"]) if h["location"] else None, h["active"], h["version"])
        for h in households
    }
