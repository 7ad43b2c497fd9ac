"""Quotas per regency (kuota) and the reallocation of freed slots to the waiting list (daftar tunggu).

Rules of reallocation, all deterministic:
- A current beneficiary stays while its decision is eligible in the same regency. It ends when it is
  not eligible (the decision's end reason), when its household now lives in another regency
  (moved_away), or when the households assessed no longer include it (no_longer_entitled).
- Free slots = quota - beneficiaries who stay (no quota: every eligible one gets a slot, and no slot
  passes from one to another, so no QuotaSlotReallocated). A quota
  lowered below the beneficiaries who stay evicts nobody; it only stops new grants.
- Free slots go down the waiting list: eligible non-beneficiaries of the regency, poorest first
  (welfare rank, whose ties are broken by household id; then NIK for person programmes).
- Each ended beneficiary's slot, in beneficiary order (household id, then NIK), is paired with the
  next newcomer; that pairing is a QuotaSlotReallocated event beside the EligibilityGranted.
- An ending is dated when its cause took effect (the death, the move, the graduation), so a death
  recorded late ends the membership in the past: the compensating event subscribers such as BPJS
  need. Grants and reallocations take effect on the day assessed: a newcomer gains nothing retroactively.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Protocol

from siks_events.catalog.eligibility import EligibilityEnded, EligibilityGranted, EndReason, QuotaSlotReallocated
from siks_events.catalog.registry import Program
from siks_events.model import Event

from siks_eligibility.domain.decision import Basis, Beneficiary, Decision
from siks_eligibility.domain.household import HouseholdState
from siks_eligibility.domain.rules import HOUSEHOLD_PROGRAMS


def enrolled(households: Iterable[HouseholdState], program: Program, on: date) -> frozenset[Beneficiary]:
    """The beneficiaries the registry's memberships (kepesertaan) show on `on`: for a household programme, every
    household with a member enrolled; for a person programme, every enrolled person."""
    found = set()
    for household in households:
        for member in household.members.values():
            if any(m.program is program and m.start_date <= on and (m.end_date is None or on < m.end_date)
                   for m in member.memberships):
                found.add(Beneficiary(household.household_id, None if program in HOUSEHOLD_PROGRAMS else member.nik))
    return frozenset(found)


class Standing(Protocol):
    """What a reallocation reads of an assessment: an `Assessment`, or a projection's stored decisions of a regency."""

    @property
    def basis(self) -> Basis: ...

    @property
    def weights_version(self) -> str: ...

    def rule_version(self, program: Program) -> str: ...

    def decision(self, program: Program, beneficiary: Beneficiary) -> Decision | None: ...

    def ranked_eligible(self, program: Program, regency: str) -> list[Decision]:
        """The regency's eligible beneficiaries in waiting-list order: welfare rank, then NIK."""
        ...


def _ending(assessment: Standing, program: Program, regency: str, beneficiary: Beneficiary) -> tuple[EndReason, date] | None:
    """Why and from when a beneficiary leaves the regency's programme; None if it stays."""
    decision = assessment.decision(program, beneficiary)
    if decision is None:
        return EndReason.NO_LONGER_ENTITLED, assessment.basis.on
    if decision.regency != regency:
        return EndReason.MOVED_AWAY, decision.in_regency_since or assessment.basis.on
    if decision.eligible:
        return None
    return decision.end_reason, decision.ended_on


def reallocate(
    assessment: Standing, *, program: Program, regency: str, quota: int | None, beneficiaries: Iterable[Beneficiary]
) -> list[Event]:
    """The events that bring a regency's beneficiaries of `program` in line with the assessment and the quota."""
    holding = set(beneficiaries)
    current = sorted(holding)
    ended = [(b, *ending) for b in current if (ending := _ending(assessment, program, regency, b)) is not None]
    staying = len(current) - len(ended)
    waiting = [d for d in assessment.ranked_eligible(program, regency) if d.beneficiary not in holding]
    free = len(waiting) if quota is None else max(0, quota - staying)
    newcomers = waiting[:free]
    rule_version = assessment.rule_version(program)
    common = {"program": program, "regency": regency, "effective_on": assessment.basis.on,
              "weights_version": assessment.weights_version, "log_position": assessment.basis.log_position}
    events: list[Event] = []
    for index, (beneficiary, reason, ended_on) in enumerate(ended):
        events.append(EligibilityEnded(household_id=beneficiary.household_id, nik=beneficiary.nik, reason=reason,
                                       rule_version=rule_version, **{**common, "effective_on": ended_on}))
        if quota is not None and index < len(newcomers):
            events.extend(_grant(newcomers[index], common, freed_by=(beneficiary, reason)))
    for newcomer in newcomers[len(ended) if quota is not None else 0:]:
        events.extend(_grant(newcomer, common))
    return events


def _grant(decision: Decision, common: dict, freed_by: tuple[Beneficiary, EndReason] | None = None) -> list[Event]:
    to = decision.beneficiary
    granted: list[Event] = [EligibilityGranted(
        household_id=to.household_id, nik=to.nik, rule_version=decision.rule_version, welfare_rank=decision.welfare_rank,
        decile=decision.decile, **common)]
    if freed_by is not None:
        previous, reason = freed_by
        granted.append(QuotaSlotReallocated(
            from_household_id=previous.household_id, from_nik=previous.nik, reason=reason, to_household_id=to.household_id,
            to_nik=to.nik, to_welfare_rank=decision.welfare_rank, rule_version=decision.rule_version, **common))
    return granted
