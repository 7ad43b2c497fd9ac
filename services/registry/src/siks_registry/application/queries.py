"""Read side: persons and households from the read models, history from the streams."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import asyncpg
from siks_events import catalog
from siks_events.store import PostgresEventStore, RecordedEvent

from siks_registry.domain.errors import HouseholdNotFound, PersonNotFound
from siks_registry.domain.household import Household

_EFFECTIVE_FIELDS = ("died_on", "moved_on", "start_date", "end_date", "left_on", "joined_on", "merged_on",
                     "graduated_on")


async def person(pool: asyncpg.Pool, nik: str) -> dict[str, Any]:
    """The person's current record: where active, else the latest one."""
    row = await pool.fetchrow(
        "SELECT * FROM persons WHERE nik = $1 ORDER BY (status = 'active') DESC, updated_at DESC LIMIT 1", nik)
    if row is None:
        raise PersonNotFound("no person with this NIK in DTKS")
    return dict(row)


async def households_by_kk(pool: asyncpg.Pool, kk_number: str) -> list[dict[str, Any]]:
    return [dict(r) for r in await pool.fetch("SELECT * FROM households WHERE kk_number = $1", kk_number)]


async def search_persons(
    pool: asyncpg.Pool, *, region_prefix: str, name: str | None, status: str | None, page: int, size: int
) -> tuple[int, list[dict[str, Any]]]:
    """Persons whose region starts with the prefix (province, regency, sub-district or village)."""
    conditions, args = ["region_code LIKE $1"], [region_prefix + "%"]
    if name:
        args.append(f"%{name.lower()}%")
        conditions.append(f"lower(full_name) LIKE ${len(args)}")
    if status:
        args.append(status)
        conditions.append(f"status = ${len(args)}")
    where = " AND ".join(conditions)
    async with pool.acquire() as connection:
        total = await connection.fetchval(f"SELECT count(*) FROM persons WHERE {where}", *args)
        rows = await connection.fetch(
            f"SELECT * FROM persons WHERE {where} ORDER BY region_code, full_name, nik"
            f" LIMIT {int(size)} OFFSET {int((page - 1) * size)}", *args)
    return total, [dict(r) for r in rows]


async def history(pool: asyncpg.Pool, household_id: str, *, recorded_until: datetime | None = None) -> list[RecordedEvent]:
    async with pool.acquire() as connection:
        events = await PostgresEventStore(connection).read_stream(household_id, recorded_until=recorded_until)
    if not events and recorded_until is None:
        raise HouseholdNotFound(f"no household {household_id} in DTKS", field="household_id")
    return events


async def household(pool: asyncpg.Pool, household_id: str) -> Household:
    return Household.rehydrate(household_id, (e.event() for e in await history(pool, household_id)))


def effective_date(event: RecordedEvent) -> date:
    """When the change took effect in the world: its own date where it has one, else when it was recorded."""
    for name in _EFFECTIVE_FIELDS:
        if event.data.get(name):
            return date.fromisoformat(event.data[name])
    return event.recorded_at.date()


async def household_as_of(pool: asyncpg.Pool, household_id: str, *, at: datetime, clock: str) -> Household:
    """The household as the registry knew it at `at` (clock 'recorded'), or as it was in the world on
    that day by what we know now (clock 'effective')."""
    if clock == "recorded":
        events = await history(pool, household_id, recorded_until=at)
    else:
        events = [e for e in await history(pool, household_id) if effective_date(e) <= at.date()]
    if not events:
        raise HouseholdNotFound(f"household {household_id} did not exist in DTKS at {at.isoformat()}",
                                field="household_id")
    return Household.rehydrate(household_id, (catalog.decode(e.type, e.data) for e in events))
