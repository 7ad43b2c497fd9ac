"""Households for the database-backed tests: valid NIKs and KKs in Kota Kediri, written by hand."""

from __future__ import annotations

import asyncio
from datetime import date

import asyncpg
from siks_events.catalog.registry import Person
from siks_registry.adapters.bulk.merge import HouseholdImport
from siks_registry.domain.commands import RegisterHousehold

from ..builders import VILLAGE, nik


def kk(serial: int) -> str:
    return f"35710101010{serial:05d}"


def member(serial: int, relationship: str = "head", sex: str = "male") -> Person:
    birth = date(1980, 5, 17)
    return Person(nik=nik(birth, sex, serial), full_name=f"Warga {serial}", sex=sex, birth_place="Kediri",
                  birth_date=birth, relationship=relationship)


def merged(serial: int, *members: Person) -> HouseholdImport:
    """A household as the merge hands it to the import."""
    return HouseholdImport(kk_number=kk(serial), region_code=VILLAGE, address=f"Jl. Mayor Bismo {serial}",
                           location=None, members=list(members))


def registration(serial: int, *members: Person, household_id: str | None = None) -> RegisterHousehold:
    return RegisterHousehold(kk_number=kk(serial), region_code=VILLAGE, address=f"Jl. Mayor Bismo {serial}",
                             members=list(members), household_id=household_id)


async def hold_nik_uncommitted(connection: asyncpg.Connection, person: Person, household_id: str):
    """Another writer's open transaction holding the person's NIK as active; commit or roll it back."""
    transaction = connection.transaction()
    await transaction.start()
    await connection.execute(
        "INSERT INTO households (household_id, kk_number, region_code, address, active_members, version)"
        " VALUES ($1, '3571010101099999', $2, 'Jl. Lain', 1, 1)", household_id, VILLAGE)
    await connection.execute(
        "INSERT INTO persons (household_id, nik, full_name, sex, birth_date, relationship, region_code, status)"
        " VALUES ($1, $2, $3, $4, $5, 'head', $6, 'active')",
        household_id, person.nik, person.full_name, person.sex, person.birth_date, VILLAGE)
    return transaction


async def wait_until_blocked(connection: asyncpg.Connection, timeout: float = 10.0) -> None:
    """Until some other backend waits for a lock (the code under test met the other writer's row)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await connection.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            " AND datname = current_database()"):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"nothing waited for a lock within {timeout} s")
        await asyncio.sleep(0.02)
