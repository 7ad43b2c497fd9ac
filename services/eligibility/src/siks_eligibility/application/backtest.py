"""Backtest: a rule version run over the last months of history, each month end as the registry knew it then.

For each month end M the served version's kept events are folded as known at the end of M, ranked
and decided on M under one rule set and weights version (those in force on the last day, or with
proposed decile limits), regency by regency; the report says, per month and programme, how many were eligible and how many entered
and left since the month before. Nothing is written.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

import asyncpg
from siks_events.catalog.registry import Program

from siks_eligibility import policies
from siks_eligibility.adapters.postgres import reads, rows, versions
from siks_eligibility.adapters.postgres.tables import VersionTables
from siks_eligibility.application.simulation import proposed_rules
from siks_eligibility.domain.assessment import assess


def month_ends(until: date, months: int) -> list[date]:
    """The last `months` month ends on or before `until`, oldest first."""
    year, month = until.year, until.month
    if until.day != calendar.monthrange(year, month)[1]:
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    found = []
    for _ in range(months):
        found.append(date(year, month, calendar.monthrange(year, month)[1]))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return found[::-1]


@dataclass(frozen=True)
class MonthOfProgram:
    """One programme at one month end: beneficiaries eligible, and who entered and left since the month before."""

    month_end: date
    program: Program
    eligible: int
    households: int
    entered: int
    left: int


@dataclass(frozen=True)
class Backtest:
    projection_version: int
    rule_versions: dict[Program, str]
    months: list[MonthOfProgram] = field(default_factory=list)


async def backtest(pool: asyncpg.Pool, *, until: date | None = None, months: int = 12,
                   limits: Mapping[Program, int] | None = None) -> Backtest | None:
    """The rules and weights in force on `until` (default: the day the served version assesses), with `limits`
    applied if given, over the `months` month ends up to it; None before any version."""
    async def read(connection: asyncpg.Connection, served: int) -> Backtest:
        last = until or (await versions.get(connection, served)).assessed_on
        current, weights = policies.in_force(last)
        rules = proposed_rules(current, limits or {})
        ends = month_ends(last, months)
        eligible = {(m, p): set() for m in ends for p in rules.programs()}
        for regency in await rows.all_regencies(connection, VersionTables(served)):  # one regency's histories at a time
            histories = await reads.histories_near(connection, served, regency)
            for month_end in ends:
                known_at = datetime.combine(month_end, time.max, tzinfo=UTC)
                states = [s for h in histories.values()
                          if (s := h.as_known_at(known_at)) is not None and s.regency_on(month_end) == regency]
                assessment = assess(states, on=month_end, rules=rules, weights=weights,
                                    log_position=max((s.last_position for s in states), default=0), known_at=known_at)
                for program in rules.programs():
                    eligible[(month_end, program)] |= {d.beneficiary for d in assessment.decisions(program)
                                                       if d.eligible and d.regency == regency}
        report: list[MonthOfProgram] = []
        for index, month_end in enumerate(ends):
            for program in rules.programs():
                now = eligible[(month_end, program)]
                before = eligible[(ends[index - 1], program)] if index else set()
                report.append(MonthOfProgram(month_end, program, len(now), len({b.household_id for b in now}),
                                             len(now - before), len(before - now)))
        return Backtest(served, {p: rules[p].version for p in rules.programs()}, report)

    return await reads.from_served(pool, read)
