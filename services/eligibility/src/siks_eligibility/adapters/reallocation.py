"""Quota reallocation over the served version's decisions, in the caller's transaction.

`reallocate_decided` runs in each batch of the served version for the decisions it just made
(under the regencies' advisory locks): without a quota every eligible beneficiary holds a slot, so
only the beneficiaries decided can change hands, and nothing else of the regency is read; under a
quota, a holder that leaves or a quota not full sends the regency's programme down the full path,
`reallocate_regencies`, which reads its stored decisions and waiting list. That full path also runs
for every regency when a rebuilt version becomes the one served, or a quota is set. What either
emits depends only on the decisions, the quota and the holders, so running it again changes nothing.
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


async def reallocate_decided(connection: asyncpg.Connection, tables: VersionTables, decisions: list[Decision], *,
                             on: date, rules: RuleSet, weights_version: str) -> list[Event]:
    """Bring the slots of the beneficiaries just decided in line with their decisions (see the module docstring);
    returns the events recorded. The caller holds the locks of the regencies the households were and are in."""
    held = await slots.held_by(connection, sorted({d.beneficiary.household_id for d in decisions}))
    pairs = sorted({(d.program, d.regency) for d in decisions} | {(p, r) for p, r, _ in held})
    quotas = await slots.quotas(connection, {r for _, r in pairs})
    by_program: dict[Program, list[Decision]] = {}
    for decision in decisions:
        by_program.setdefault(decision.program, []).append(decision)
    recorded: list[Event] = []
    full: list[tuple[Program, str]] = []
    for program, regency in pairs:
        holders = [b for p, r, b in held if p is program and r == regency]
        standing = RegencyStanding(on, rules, weights_version, by_program.get(program, []))
        quota = quotas.get((program, regency))
        if quota is not None:
            leaving = any(not ((d := standing.decision(program, b)) and d.eligible and d.regency == regency)
                          for b in holders)
            waiting = any(d.beneficiary not in holders for d in standing.ranked_eligible(program, regency))
            if leaving or (waiting and await slots.holder_count(connection, program, regency) < quota):
                full.append((program, regency))
            continue
        events = reallocate(standing, program=program, regency=regency, quota=None, beneficiaries=holders)
        await slots.record(connection, program, regency, events, CAUSE.model_copy(update={"region": regency}))
        recorded.extend(events)
    for program, regency in full:
        recorded += await reallocate_regencies(connection, tables, [regency], on=on, rules=rules,
                                               weights_version=weights_version, programs=[program])
    return recorded


async def reallocate_regencies(connection: asyncpg.Connection, tables: VersionTables, regencies: Iterable[str], *,
                               on: date, rules: RuleSet, weights_version: str,
                               programs: Iterable[Program] | None = None) -> list[Event]:
    """Bring the programmes' (default: every programme's) slots of the regencies in line with the stored decisions
    and quotas; returns the events recorded. The caller holds the regencies' locks."""
    regencies = sorted(set(regencies))
    quotas = await slots.quotas(connection, regencies)
    recorded: list[Event] = []
    for regency in regencies:
        for program in programs or rules.programs():
            holders = await slots.holders(connection, program, regency)
            standing = RegencyStanding(on, rules, weights_version,
                                       await slots.standing_rows(connection, tables, program, regency, holders,
                                                                 explained=False))
            events = reallocate(standing, program=program, regency=regency, quota=quotas.get((program, regency)),
                                beneficiaries=holders)
            await slots.record(connection, program, regency, events, CAUSE.model_copy(update={"region": regency}))
            recorded.extend(events)
    return recorded
