"""As-of answers: eligibility on a day, as the registry knew it at a moment or as it knows it now.

The served version keeps each household's registry events with the moment the registry recorded
them, so a past answer is recomputed, not stored: the regency's households are folded as known
at the moment asked about, ranked on the day asked about, and decided under the rules in force
that day. A death recorded late changes the answer as known now, never the one as known then.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import asyncpg
from siks_events.catalog.registry import Program

from siks_eligibility import policies
from siks_eligibility.adapters.postgres import reads, slots, versions
from siks_eligibility.adapters.postgres.tables import VersionTables
from siks_eligibility.adapters.reallocation import RegencyStanding
from siks_eligibility.domain.assessment import assess
from siks_eligibility.domain.decision import Decision
from siks_eligibility.domain.household import HouseholdHistory


@dataclass(frozen=True)
class AsOf:
    """Every programme's decisions about a household on `on` as known at `known_at` (None: now)."""

    household_id: str
    on: date
    known_at: datetime | None
    projection_version: int
    positions: dict[int, int]  # the registry topic's next offset per partition the served version had applied
    decisions: list[Decision]


async def household_as_of(pool: asyncpg.Pool, household_id: str, *, on: date, known_at: datetime | None) -> AsOf | None:
    """The household's decisions on `on` as known at `known_at`; None if it was not registered by then (or no
    version is served yet)."""

    def regency_then(history: HouseholdHistory) -> str | None:
        state = history.as_known_at(known_at)
        return state.regency_on(on) if state is not None else None

    async def read(connection: asyncpg.Connection, served: int):
        return (served, await versions.positions(connection, served),
                await reads.regency_histories(connection, served, household_id, regency_then))

    found = await reads.from_served(pool, read)
    if found is None:
        return None
    served, positions, histories = found
    if household_id not in histories:
        return None
    regency = regency_then(histories[household_id])
    states = [s for h in histories.values() if (s := h.as_known_at(known_at)) is not None and s.regency_on(on) == regency]
    rules, weights = policies.in_force(on)
    own = next(s for s in states if s.household_id == household_id)
    assessment = assess(states, on=on, rules=rules, weights=weights, log_position=own.last_position, known_at=known_at)
    return AsOf(household_id, on, known_at, served, positions, assessment.for_household(household_id))


@dataclass(frozen=True)
class Served:
    """The served version's stored decisions about a household (rows with welfare rank and slot), as it answers now."""

    household_id: str
    on: date
    projection_version: int
    positions: dict[int, int]
    rows: list[dict]


async def household_served(pool: asyncpg.Pool, household_id: str) -> Served | None:
    """The served decisions about a household; None if the served version does not know it (or none is served)."""
    async def read(connection: asyncpg.Connection, served: int) -> Served | None:
        found = await reads.served_decisions(connection, served, household_id)
        if not found:
            return None
        version = await versions.get(connection, served)
        return Served(household_id, version.assessed_on, served, await versions.positions(connection, served),
                      [dict(r) for r in found])

    return await reads.from_served(pool, read)


async def served_day(pool: asyncpg.Pool) -> date | None:
    """The day the served version assesses; None before any version."""
    async def read(connection: asyncpg.Connection, served: int) -> date:
        return (await versions.get(connection, served)).assessed_on

    return await reads.from_served(pool, read)


async def household_region(pool: asyncpg.Pool, household_id: str) -> str | None:
    """The village the served version places the household in; None if it does not know the household."""
    async def read(connection: asyncpg.Connection, served: int) -> str | None:
        return await reads.household_region(connection, served, household_id)

    return await reads.from_served(pool, read)


async def household_of(pool: asyncpg.Pool, nik: str) -> str | None:
    async def read(connection: asyncpg.Connection, served: int) -> str | None:
        return await reads.household_of(connection, served, nik)

    return await reads.from_served(pool, read)


async def beneficiaries(pool: asyncpg.Pool, program: Program, region_code: str, *, page: int, size: int) -> list[dict]:
    async def read(connection: asyncpg.Connection, served: int) -> list[dict]:
        found = await reads.beneficiaries(connection, served, program.value, region_code, limit=size,
                                          offset=(page - 1) * size)
        return [dict(r) for r in found]

    return await reads.from_served(pool, read) or []


@dataclass(frozen=True)
class WaitingList:
    """A regency's programme: quota, slot holders, and the eligible households waiting, in waiting-list order."""

    program: Program
    regency: str
    quota: int | None
    holders: int
    waiting: list[Decision]


async def waiting_list(pool: asyncpg.Pool, program: Program, regency: str) -> WaitingList:
    """Who would receive the regency's next freed slots of `program`, in order (the reallocation's own order)."""
    async def read(connection: asyncpg.Connection, served: int) -> WaitingList:
        version = await versions.get(connection, served)
        holders = await slots.holders(connection, program, regency)
        quota = (await slots.quotas(connection, [regency])).get((program, regency))
        decided = await slots.standing_rows(connection, VersionTables(served), program, regency, holders)
        standing = RegencyStanding(version.assessed_on, policies.in_force(version.assessed_on)[0], version.weights_version,
                                   decided)
        held = set(holders)
        return WaitingList(program, regency, quota, len(holders),
                           [d for d in standing.ranked_eligible(program, regency) if d.beneficiary not in held])

    return await reads.from_served(pool, read) or WaitingList(program, regency, None, 0, [])
