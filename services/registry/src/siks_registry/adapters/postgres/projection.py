"""The households and persons read models, written from the aggregate in the same transaction as its events.

The row builders are shared by the unit of work, the bulk import and the rebuild, so the three cannot drift.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg

from siks_registry.domain.household import Household, Member

HOUSEHOLD_COLUMNS = ("household_id", "kk_number", "region_code", "address", "head_nik", "needs_new_head",
                     "active_members", "welfare_decile", "version")
PERSON_COLUMNS = ("household_id", "nik", "full_name", "sex", "birth_date", "relationship", "region_code", "status",
                  "status_since", "programs", "details")

_UPSERT_HOUSEHOLD = """
INSERT INTO households (household_id, kk_number, region_code, address, head_nik, needs_new_head,
                        active_members, welfare_decile, version, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now())
ON CONFLICT (household_id) DO UPDATE SET kk_number = excluded.kk_number, region_code = excluded.region_code,
    address = excluded.address, head_nik = excluded.head_nik, needs_new_head = excluded.needs_new_head,
    active_members = excluded.active_members, welfare_decile = excluded.welfare_decile,
    version = excluded.version, updated_at = now()
"""

_INSERT_PERSON = f"""
INSERT INTO persons ({", ".join(PERSON_COLUMNS)})
VALUES ({", ".join(f"${n}" for n in range(1, len(PERSON_COLUMNS) + 1))})
"""


def programs_of(member: Member) -> list[dict]:
    return [
        {"program": m.program, "active": m.active, "start_date": m.start_date.isoformat(),
         "end_date": m.end_date.isoformat() if m.end_date else None, "end_reason": m.end_reason}
        for m in member.memberships
    ]


def details_of(member: Member) -> dict:
    """What the read model keeps of a person beyond the searched columns."""
    person = member.person
    return {"marital_status": person.marital_status, "education": person.education, "occupation": person.occupation,
            "disability": person.disability, "birth_place": person.birth_place}


def household_row(household: Household) -> tuple[Any, ...]:
    """The household's row, in HOUSEHOLD_COLUMNS order."""
    return (household.id, household.kk_number, household.region_code, household.address, household.head_nik,
            household.needs_new_head, len(household.active_members()), household.welfare_decile, household.version)


def person_rows(household: Household) -> list[tuple[Any, ...]]:
    """One row per member, active or not, in PERSON_COLUMNS order."""
    # the enums are StrEnums: written as their values without `.value`, which costs at a million households
    return [
        (household.id, m.nik, m.person.full_name, m.person.sex, m.person.birth_date, m.person.relationship,
         m.region_code or household.region_code, m.status, m.status_since, programs_of(m), details_of(m))
        for m in household.members.values()
    ]


async def project_household(connection: asyncpg.Connection, household: Household) -> None:
    """Replace the household's rows by its current state."""
    await connection.execute(_UPSERT_HOUSEHOLD, *household_row(household))
    await connection.execute("DELETE FROM persons WHERE household_id = $1", household.id)
    await insert_persons(connection, person_rows(household))


async def insert_persons(connection: asyncpg.Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    await connection.executemany(_INSERT_PERSON, rows)
