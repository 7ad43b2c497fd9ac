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


async def eligible_beneficiaries(pool: asyncpg.Pool, served: int) -> dict[str, set]:
    """Per programme, the (household, NIK or None) a version decides eligible."""
    tables = VersionTables(served)
    found: dict[str, set] = {"PKH": set(), "SEMBAKO": set(), "PBI_JK": set(), "PIP": set()}
    for row in await pool.fetch(f"SELECT program, household_id, nik FROM {tables.decisions} WHERE eligible"):
        found[row["program"]].add((row["household_id"], row["nik"] or None))
    return found


async def _slot_history(pool: asyncpg.Pool) -> dict[tuple, list[str]]:
    """Per programme, regency and beneficiary, the service's own slot events in stream order (a household that moved
    holds the new regency's slot before its old one ends)."""
    history: dict[tuple, list[str]] = {}
    for row in await pool.fetch("SELECT type, data FROM events ORDER BY stream_id, version"):
        data = row["data"]
        if "household_id" in data:
            history.setdefault((data["program"], data["regency"], data["household_id"], data.get("nik")), []).append(row["type"])
    return history


async def assert_one_slot_each(pool: asyncpg.Pool, eligible: dict[str, set]) -> None:
    """Without quotas every eligible beneficiary holds exactly one slot, and in each regency a beneficiary's slot
    events alternate, granted first: nobody was granted twice."""
    held = await pool.fetch("SELECT program, household_id, nik FROM eligibility_slots")
    assert sorted((r["program"], r["household_id"], r["nik"] or None) for r in held) == sorted(
        (p, h, n) for p, found in eligible.items() for h, n in found)
    granted, ended = "siks.eligibility.eligibility-granted.v1", "siks.eligibility.eligibility-ended.v1"
    for beneficiary, types in (await _slot_history(pool)).items():
        assert types == [granted, ended] * (len(types) // 2) + [granted] * (len(types) % 2), beneficiary
