"""Quota reallocation over the served version's stored decisions, in the caller's transaction.

Called by the served version's batch for the regencies it changed (under their advisory locks),
and for every regency when a rebuilt version becomes the one served. What it emits depends only
on the stored decisions, the quota and the holders, so running it again changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import asyncpg
from siks_events.catalog.registry import Program
from siks_events.model import Cause, Event

from siks_eligibility.adapters.postgres import slots
from siks_eligibility.adapters.postgres.tables import VersionTables
from siks_eligibility.domain.decision import Basis, Beneficiary, Decision
from siks_eligibility.domain.quota import reallocate
from siks_eligibility.domain.rules import RuleSet

CAUSE = Cause(actor="eligibility", role="system", command="eligibility:reallocate")


@dataclass
class RegencyStanding:
    """One programme's stored decisions of a regency (and of its holders), as `domain.quota.Standing`.

    Its log position is the highest household stream version among the decisions read: the
    projection reads a partitioned log, so a regency's answer reflects each household's own stream.
    """

    on: date
    rules: RuleSet
    weights_version: str
    decisions: list[Decision]
    _by_beneficiary: dict[Beneficiary, Decision] = field(init=False)

    def __post_init__(self) -> None:
        self._by_beneficiary = {d.beneficiary: d for d in self.decisions}

    @property
    def basis(self) -> Basis:
        return Basis(on=self.on, log_position=max((d.household_position for d in self.decisions), default=0))

    def rule_version(self, program: Program) -> str:
        return self.rules[program].version

    def decision(self, program: Program, beneficiary: Beneficiary) -> Decision | None:
        found = self._by_beneficiary.get(beneficiary)
        return found if found is not None and found.program is program else None

    def ranked_eligible(self, program: Program, regency: str) -> list[Decision]:
        found = [d for d in self.decisions if d.program is program and d.eligible and d.regency == regency
                 and d.welfare_rank is not None]
        return sorted(found, key=lambda d: (d.welfare_rank, d.beneficiary.nik or ""))


async def reallocate_regencies(connection: asyncpg.Connection, tables: VersionTables, regencies: Iterable[str], *,
                               on: date, rules: RuleSet, weights_version: str) -> list[Event]:
    """Bring every programme's slots of the regencies in line with the stored decisions and quotas; returns the
    events recorded. The caller holds the regencies' locks."""
    regencies = sorted(set(regencies))
    quotas = await slots.quotas(connection, regencies)
    recorded: list[Event] = []
    for regency in regencies:
        for program in rules.programs():
            holders = await slots.holders(connection, program, regency)
            standing = RegencyStanding(on, rules, weights_version,
                                       await slots.standing_rows(connection, tables, program, regency, holders))
            events = reallocate(standing, program=program, regency=regency, quota=quotas.get((program, regency)),
                                beneficiaries=holders)
            await slots.record(connection, program, regency, events, CAUSE.model_copy(update={"region": regency}))
            recorded.extend(events)
    return recorded
