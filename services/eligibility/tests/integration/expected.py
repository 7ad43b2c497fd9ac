"""The same log folded directly through the domain, and the projection's rows read back for comparison."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import asyncpg
from siks_eligibility import policies
from siks_eligibility.adapters.postgres.tables import VersionTables
from siks_eligibility.domain.assessment import Assessment, assess
from siks_eligibility.domain.household import HouseholdHistory

from .registry import LoggedRegistryEvent

Decided = dict[tuple[str, str, str], tuple[bool, int | None, str, int]]
"""(programme, household, NIK or '') -> (eligible, decile, rule version, household stream version folded)."""


def domain_assessment(log: Sequence[LoggedRegistryEvent], on: date) -> Assessment:
    """Every programme's decisions over the log, each event folded once, straight through the domain."""
    histories: dict[str, HouseholdHistory] = {}
    for logged in log:
        history = histories.setdefault(logged.household_id, HouseholdHistory(logged.household_id))
        history.record(logged.event, position=logged.version, recorded_at=logged.recorded_at)
    states = [s for h in histories.values() if (s := h.as_known_at(None)) is not None]
    rules, weights = policies.in_force(on)
    return assess(states, on=on, rules=rules, weights=weights, log_position=len(log))


def domain_decisions(log: Sequence[LoggedRegistryEvent], on: date) -> Decided:
    """`domain_assessment`'s decisions as the projection's rows compare."""
    assessment = domain_assessment(log, on)
    rules = assessment.rules
    return {(d.program.value, d.beneficiary.household_id, d.beneficiary.nik or ""):
            (d.eligible, d.decile, d.rule_version, d.household_position)
            for program in rules.programs() for d in assessment.decisions(program)}


async def projected_decisions(pool: asyncpg.Pool, version: int) -> Decided:
    rows = await pool.fetch(f"SELECT program, household_id, nik, eligible, decile, rule_version, log_position"
                            f" FROM {VersionTables(version).decisions}")
    return {(r["program"], r["household_id"], r["nik"]): (r["eligible"], r["decile"], r["rule_version"], r["log_position"])
            for r in rows}


async def all_rows(pool: asyncpg.Pool, version: int) -> dict[str, list[dict]]:
    """Every row of a version's tables, in key order: what "exactly the same projection" compares."""
    tables = VersionTables(version)
    return {
        "events": [dict(r) for r in await pool.fetch(f"SELECT * FROM {tables.events} ORDER BY household_id, stream_version")],
        "households": [dict(r) for r in await pool.fetch(f"SELECT * FROM {tables.households} ORDER BY household_id")],
        "decisions": [dict(r) for r in await pool.fetch(
            f"SELECT * FROM {tables.decisions} ORDER BY program, household_id, nik")],
    }
