"""What DTKS holds, kept from the registry's events: who is in it, their status, their region."""

from __future__ import annotations

import asyncpg
from siks_events.catalog.registry import (
    HouseholdMoved,
    HouseholdRegistered,
    MemberAdded,
    MemberDeceased,
    MemberMovedOut,
    MemberRemoved,
    MemberUpdated,
    Person,
)
from siks_events.model import Event


async def _upsert_person(connection: asyncpg.Connection, household_id: str, person: Person) -> None:
    household = await connection.fetchrow(
        "SELECT kk_number, region_code FROM dtks_households WHERE household_id = $1", household_id)
    if household is None:
        return  # its registration has not reached us yet; that event brings the whole household
    await connection.execute(
        """
        INSERT INTO dtks_persons (nik, household_id, kk_number, full_name, birth_date, region_code, status)
        VALUES ($1, $2, $3, $4, $5, $6, 'active')
        ON CONFLICT (nik) DO UPDATE SET household_id = excluded.household_id, kk_number = excluded.kk_number,
            full_name = excluded.full_name, birth_date = excluded.birth_date, region_code = excluded.region_code,
            status = 'active', status_since = NULL
        """,
        person.nik, household_id, household["kk_number"], person.full_name, person.birth_date,
        household["region_code"],
    )


async def apply(connection: asyncpg.Connection, event: Event) -> None:
    """Bring the mirror up to date with one registry event (each write is idempotent)."""
    match event:
        case HouseholdRegistered():
            await connection.execute(
                "INSERT INTO dtks_households (household_id, kk_number, region_code) VALUES ($1, $2, $3)"
                " ON CONFLICT (household_id) DO NOTHING", event.household_id, event.kk_number, event.region_code)
            for person in event.members:
                await _upsert_person(connection, event.household_id, person)
        case MemberAdded(person=person) | MemberUpdated(person=person):
            await _upsert_person(connection, event.household_id, person)
        case MemberRemoved(nik=nik):
            await connection.execute("DELETE FROM dtks_persons WHERE nik = $1 AND household_id = $2", nik,
                                     event.household_id)
        case MemberDeceased(nik=nik, died_on=died_on):
            await connection.execute(
                "UPDATE dtks_persons SET status = 'deceased', status_since = $2 WHERE nik = $1", nik, died_on)
        case MemberMovedOut(nik=nik, to_region=to_region, moved_on=moved_on):
            await connection.execute(
                "UPDATE dtks_persons SET status = 'moved_out', status_since = $2, region_code = $3"
                " WHERE nik = $1 AND status = 'active'", nik, moved_on, to_region)
        case HouseholdMoved(to_region=to_region):
            await connection.execute("UPDATE dtks_households SET region_code = $2 WHERE household_id = $1",
                                     event.household_id, to_region)
            await connection.execute(
                "UPDATE dtks_persons SET region_code = $2 WHERE household_id = $1 AND status = 'active'",
                event.household_id, to_region)


async def region_of(connection: asyncpg.Connection, event: Event) -> str:
    """The region an event concerns, for subscriptions filtered by region ('' when unknown)."""
    for name in ("to_region", "region_code"):
        if getattr(event, name, None):
            return getattr(event, name)
    household_id = getattr(event, "household_id", None)
    if household_id:
        region = await connection.fetchval("SELECT region_code FROM dtks_households WHERE household_id = $1",
                                           household_id)
        if region:
            return region
    nik = getattr(event, "nik", None)
    if nik:
        return await connection.fetchval("SELECT region_code FROM dtks_persons WHERE nik = $1", nik) or ""
    return ""
