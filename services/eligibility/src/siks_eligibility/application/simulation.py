"""Simulation (simulasi) of proposed decile limits as a shadow of the served version: read-only, regency by regency.

The served version's kept events are folded as known now and assessed twice on the day the version
assesses, under its rules and under the proposed ones; nothing is written, so the live projection
and its consumers are untouched. A regency at a time keeps memory to one regency's households.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import asyncpg
from siks_events.catalog.registry import Program

from siks_eligibility import policies
from siks_eligibility.adapters.postgres import reads, rows, versions
from siks_eligibility.adapters.postgres.tables import VersionTables
from siks_eligibility.domain.rules import RuleSet
from siks_eligibility.domain.simulation import Shift, simulate


@dataclass(frozen=True)
class Simulation:
    """Per regency and programme, who the proposed limits would add and drop, against the served version."""

    projection_version: int
    on: date
    current: dict[Program, str]  # rule versions in force
    proposed: dict[Program, int]  # decile limits proposed
    shifts: list[Shift]


def proposed_rules(current: RuleSet, limits: Mapping[Program, int]) -> RuleSet:
    """The current rules with the proposed decile limits, each under a version name that says it is a proposal."""
    proposed = current
    for program, limit in limits.items():
        rule = current[program]
        proposed = proposed.replacing(rule.model_copy(update={"version": f"{rule.version}+max-decile-{limit}",
                                                              "max_decile": limit}))
    return proposed


async def simulate_decile_limits(pool: asyncpg.Pool, limits: Mapping[Program, int]) -> Simulation | None:
    """Who the proposed decile limits would add and drop in each regency and programme; None before any version."""
    async def read(connection: asyncpg.Connection, served: int) -> Simulation:
        version = await versions.get(connection, served)
        on = version.assessed_on
        rules, weights = policies.in_force(on)
        proposed = proposed_rules(rules, limits)
        shifts: list[Shift] = []
        for regency in await rows.all_regencies(connection, VersionTables(served)):
            histories = await reads.histories_near(connection, served, regency)
            states = [s for h in histories.values() if (s := h.as_known_at(None)) is not None and s.regency_on(on) == regency]
            shifts += [s for s in simulate(states, on=on, current=rules, proposed=proposed, weights=weights,
                                           log_position=max((s.last_position for s in states), default=0))
                       if s.regency == regency]
        return Simulation(served, on, {p: rules[p].version for p in rules.programs()}, dict(limits), shifts)

    return await reads.from_served(pool, read)
