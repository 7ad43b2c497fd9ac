"""Every programme's decisions over a set of households on one day: the ranking, then each rule in turn."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from siks_events.catalog.registry import Program

from siks_eligibility.domain.decision import Basis, Beneficiary, Decision, decide_household, decide_persons
from siks_eligibility.domain.household import HouseholdState
from siks_eligibility.domain.rules import HOUSEHOLD_PROGRAMS, RuleSet
from siks_eligibility.domain.welfare import WelfareRank, WelfareWeights, rank_by_regency, score


class Assessment:
    """The decisions of one rule set and one weights version over the households given, on one day."""

    def __init__(self, decisions: Iterable[Decision], ranks: dict[str, WelfareRank], rules: RuleSet,
                 weights: WelfareWeights, basis: Basis) -> None:
        self.ranks, self.rules, self.weights, self.basis = ranks, rules, weights, basis
        self._decisions: dict[Program, dict[Beneficiary, Decision]] = {p: {} for p in rules.programs()}
        for decision in decisions:
            self._decisions[decision.program][decision.beneficiary] = decision

    @property
    def weights_version(self) -> str:
        return self.weights.version

    def rule_version(self, program: Program) -> str:
        return self.rules[program].version

    def decision(self, program: Program, beneficiary: Beneficiary) -> Decision | None:
        """The decision about a beneficiary; None if the households assessed do not include it."""
        return self._decisions.get(program, {}).get(beneficiary)

    def decisions(self, program: Program) -> list[Decision]:
        return list(self._decisions.get(program, {}).values())

    def eligible(self, program: Program) -> frozenset[Beneficiary]:
        return frozenset(b for b, d in self._decisions.get(program, {}).items() if d.eligible)

    def for_household(self, household_id: str) -> list[Decision]:
        """Every decision about the household and its members, programme by programme."""
        return [d for p in self._decisions.values() for b, d in p.items() if b.household_id == household_id]

    def ranked_eligible(self, program: Program, regency: str) -> list[Decision]:
        """The regency's eligible beneficiaries, poorest first: welfare rank, then NIK (the waiting-list order)."""
        found = [d for d in self._decisions.get(program, {}).values() if d.eligible and d.regency == regency]
        return sorted(found, key=lambda d: (d.welfare_rank, d.beneficiary.nik or ""))


def assess(
    households: Iterable[HouseholdState], *, on: date, rules: RuleSet, weights: WelfareWeights, log_position: int,
    known_at: datetime | None = None,
) -> Assessment:
    """Rank the households in DTKS on `on` per regency and decide every programme of `rules` for all of them.

    `log_position` is the position of the log the caller's states reflect; `known_at` says which
    knowledge moment they were folded at (None: everything known now). Both travel in each decision.
    """
    households = list(households)
    basis = Basis(on=on, log_position=log_position, known_at=known_at)
    ranks = rank_by_regency(
        (h.household_id, h.regency_on(on), score(h, on, weights)) for h in households if h.in_registry_on(on)
    )
    decisions: list[Decision] = []
    for program in rules.programs():
        rule = rules[program]
        for household in households:
            rank = ranks.get(household.household_id)
            if program in HOUSEHOLD_PROGRAMS:
                decisions.append(decide_household(rule, household, rank, basis=basis, weights_version=weights.version))
            else:
                decisions.extend(decide_persons(rule, household, rank, basis=basis, weights_version=weights.version))
    return Assessment(decisions, ranks, rules, weights, basis)
