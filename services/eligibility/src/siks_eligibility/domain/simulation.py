"""Simulation (simulasi): two rule sets, or two weights versions, over the same households; who gains and who loses."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from siks_events.catalog.registry import Program

from siks_eligibility.domain.assessment import assess
from siks_eligibility.domain.decision import Beneficiary
from siks_eligibility.domain.household import HouseholdState
from siks_eligibility.domain.rules import PROGRAMS, RuleSet
from siks_eligibility.domain.welfare import WelfareWeights


@dataclass(frozen=True, slots=True)
class Shift:
    """In one regency and programme: the beneficiaries the proposal would add and those it would drop."""

    regency: str
    program: Program
    gained: tuple[Beneficiary, ...]
    lost: tuple[Beneficiary, ...]

    @property
    def households_gaining(self) -> int:
        return len({b.household_id for b in self.gained})

    @property
    def households_losing(self) -> int:
        return len({b.household_id for b in self.lost})


def simulate(
    households: Iterable[HouseholdState], *, on: date, current: RuleSet, proposed: RuleSet, weights: WelfareWeights,
    proposed_weights: WelfareWeights | None = None, log_position: int,
) -> list[Shift]:
    """Per regency and programme (both sorted), who the proposed rules or weights would add and drop on `on`."""
    households = list(households)
    before = assess(households, on=on, rules=current, weights=weights, log_position=log_position)
    after = assess(households, on=on, rules=proposed, weights=proposed_weights or weights, log_position=log_position)
    shifts: dict[tuple[str, Program], tuple[set[Beneficiary], set[Beneficiary]]] = {}
    for program in PROGRAMS:
        was = {d.beneficiary: d.regency for d in before.decisions(program) if d.eligible}
        will = {d.beneficiary: d.regency for d in after.decisions(program) if d.eligible}
        # every regency assessed is reported, a regency where nothing moves included
        regencies = {d.regency for d in (*before.decisions(program), *after.decisions(program))}
        for regency in regencies:
            shifts[(regency, program)] = (
                {b for b, r in will.items() if r == regency and b not in was},
                {b for b, r in was.items() if r == regency and b not in will},
            )
    return [Shift(regency, program, tuple(sorted(gained)), tuple(sorted(lost)))
            for (regency, program), (gained, lost) in sorted(shifts.items(), key=lambda kv: (kv[0][0], PROGRAMS.index(kv[0][1])))]
