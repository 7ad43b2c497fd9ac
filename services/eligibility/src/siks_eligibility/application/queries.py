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

from siks_eligibility import policies
from siks_eligibility.adapters.postgres import reads, versions
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
