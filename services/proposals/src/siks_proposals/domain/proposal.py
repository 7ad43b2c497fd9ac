"""The proposal (usulan): one village's request that the registry change DTKS, and its life to a decision.

Commands from people (`submit`, `approve`, ...) refuse a step out of order with `StepOutOfOrder`;
facts from other services (a visit assigned or accepted, the registry's answer, a death) that
arrive when the proposal has moved past them are late news and change nothing.
"""

from __future__ import annotations

from typing import Literal

from siks_events.catalog.proposals import (
    VISITED_KINDS,
    AddHousehold,
    Change,
    EndMembership,
    Enrol,
    ProposalApproved,
    ProposalCancelled,
    ProposalClosed,
    ProposalCorrected,
    ProposalDrafted,
    ProposalKind,
    ProposalRejected,
    ProposalReturned,
    ProposalSubmitted,
    ProposalVerificationFailed,
    ProposalVerificationStarted,
    ProposalVerified,
    UpdateHousehold,
)
from siks_events.catalog.registry import Person
from siks_events.catalog.verification import Findings
from siks_events.model import Aggregate, Event

from siks_proposals.domain.dtks import DtksHousehold
from siks_proposals.domain.errors import KindChanged, StepOutOfOrder
from siks_proposals.domain.findings import merged
from siks_proposals.domain.lifecycle import OPEN, Status, Step, next_status

# The status each fact leaves behind, read straight from the fact rather than from the transition table:
# a replay must reach the same state even after the rules about which steps are allowed have changed.
_STATUS_AFTER: dict[type[Event], Status] = {
    ProposalDrafted: Status.DRAFT,
    ProposalSubmitted: Status.SUBMITTED,
    ProposalVerificationStarted: Status.IN_VERIFICATION,
    ProposalVerified: Status.VERIFIED,
    ProposalVerificationFailed: Status.VERIFICATION_FAILED,
    ProposalApproved: Status.APPROVED,
    ProposalRejected: Status.REJECTED,
    ProposalReturned: Status.RETURNED,
    ProposalCancelled: Status.CANCELLED,
}


def niks_of(change: Change) -> tuple[str, ...]:
    """The people (by NIK) a change names: a death or move of any of them cancels the proposal."""
    match change:
        case AddHousehold():
            return tuple(p.nik for p in change.members)
        case UpdateHousehold():
            niks = [p.nik for p in _people_of(change)] + [m.nik for m in change.members_removed]
            return tuple(dict.fromkeys([*niks, *([change.new_head_nik] if change.new_head_nik else [])]))
        case Enrol(nik=nik) | EndMembership(nik=nik):
            return (nik,)
    return ()


def _people_of(change: Change) -> tuple[Person, ...]:
    match change:
        case AddHousehold(members=members):
            return members
        case UpdateHousehold():
            return (*change.members_added, *change.members_updated)
    return ()


def household_of(change: Change) -> str | None:
    """The DTKS household a change is about; None for a household not yet in DTKS."""
    return None if isinstance(change, AddHousehold) else change.household_id


class Proposal(Aggregate):
    """A proposal (usulan) of a village operator to add, change or remove a household or a programme membership."""

    def __init__(self, id: str) -> None:  # noqa: A002 - the aggregate's id
        super().__init__(id)
        self.status = Status.DRAFT
        self.region_code = ""
        self.change: Change | None = None
        self.period: str | None = None
        self.entry_id: str | None = None
        self.outcome_reason: str | None = None
        self.household_id: str | None = None
        """The household it concerns; for a new one, the id the registry gave it when it applied the proposal."""
        self._enumerator: str | None = None
        self._visits: set[str] = set()

    @property
    def kind(self) -> ProposalKind:
        assert self.change is not None
        return self.change.kind

    @property
    def open(self) -> bool:
        return self.status in OPEN

    def _move(self, step: Step, hint: str = "") -> None:
        """Refuse a step the state machine does not allow from here, naming the current state."""
        if next_status(self.status, step, self.kind) is None:
            raise StepOutOfOrder(self.id, self.status.value, step.value, hint)

    def _allows(self, step: Step) -> bool:
        return next_status(self.status, step, self.kind) is not None

    # --- the village operator ------------------------------------------------------

    @classmethod
    def draft(cls, proposal_id: str, *, region_code: str, change: Change) -> Proposal:
        """A new draft for a village (desa/kelurahan)."""
        proposal = cls(proposal_id)
        proposal._record(ProposalDrafted(proposal_id=proposal_id, region_code=region_code, change=change))
        return proposal

    def correct(self, change: Change) -> None:
        """Replace the change of a draft or a returned proposal; the same change again records nothing."""
        self._move(Step.CORRECT)
        if change.kind != self.kind:
            raise KindChanged(f"this proposal is to {self.kind.value}, not {change.kind.value}")
        if change != self.change:
            self._record(ProposalCorrected(proposal_id=self.id, change=change))

    def submit(self, period: str, household: DtksHousehold | None) -> None:
        """Submit into `period` (**proposed**), with what a field visit needs to find the household."""
        self._move(Step.SUBMIT)
        change = self.change
        assert change is not None
        names = {m.nik: m.full_name for m in household.members} if household else {}
        names |= {p.nik: p.full_name for p in _people_of(change)}
        niks = niks_of(change)
        if not niks and household is not None:  # a removal: the visit meets the whole household
            niks = tuple(m.nik for m in household.active_members())
        if isinstance(change, AddHousehold):
            kk_number, address, location = change.kk_number, change.address, change.location
        elif household is not None:
            kk_number, address, location = household.kk_number, household.address, household.location
        else:
            kk_number = address = location = None
        self._record(ProposalSubmitted(
            proposal_id=self.id, region_code=self.region_code, period=period, change=change,
            needs_visit=self.kind in VISITED_KINDS, household_id=household_of(change), kk_number=kk_number,
            address=address, niks=niks, names=tuple(names.get(n, "") for n in niks), location=location,
        ))

    def withdraw(self, reason: str) -> None:
        """The village takes its open proposal back."""
        self._move(Step.CANCEL)
        self._record(ProposalCancelled(proposal_id=self.id, reason_code="withdrawn", reason=reason))

    # --- the regency/city office --------------------------------------------------

    def approve(self) -> None:
        """Approve (**approved**): the registry is to run the change, with the field's findings merged in."""
        self._move(Step.APPROVE, self._decision_hint())
        assert self.change is not None and self.period is not None
        self._record(ProposalApproved(proposal_id=self.id, region_code=self.region_code, period=self.period,
                                      change=self.change))

    def reject(self, reason: str) -> None:
        self._move(Step.REJECT, self._decision_hint())
        self._record(ProposalRejected(proposal_id=self.id, reason=reason))

    def return_to_village(self, reason: str) -> None:
        """Send the proposal back to the village to correct and submit again."""
        self._move(Step.RETURN, self._decision_hint())
        self._record(ProposalReturned(proposal_id=self.id, reason=reason))

    def _decision_hint(self) -> str:
        if self.status in (Status.SUBMITTED, Status.IN_VERIFICATION):
            return " (a field visit must verify it first)"
        if self.status is Status.VERIFICATION_FAILED:
            return " (the field visit did not find the household: reject it or return it to the village)"
        return ""

    # --- facts from other services -------------------------------------------------

    def record_verification_started(self, entry_id: str, enumerator: str) -> None:
        """An enumerator was assigned the household's prelist entry; late or repeated news changes nothing."""
        if not self._allows(Step.START_VERIFICATION) or (self.entry_id, self._enumerator) == (entry_id, enumerator):
            return
        self._record(ProposalVerificationStarted(proposal_id=self.id, entry_id=entry_id, enumerator=enumerator))

    def record_visit_accepted(self, visit_id: str, entry_id: str, findings: Findings) -> None:
        """A supervisor accepted the visit (**verified**): the findings go into the change, or the
        verification fails when the household was not found; a visit of an earlier round changes nothing."""
        # The verification service keeps one entry per proposal across rounds: a late visit of a round the
        # office has returned is known by its id (or by another entry, should that ever differ).
        if not self._allows(Step.VERIFY) or visit_id in self._visits or self.entry_id not in (None, entry_id):
            return
        if not findings.household_found:
            reason = "household not found at the address" + (f": {findings.notes}" if findings.notes else "")
            self._record(ProposalVerificationFailed(proposal_id=self.id, visit_id=visit_id, reason=reason))
            return
        assert self.change is not None
        self._record(ProposalVerified(proposal_id=self.id, visit_id=visit_id, change=merged(self.change, findings)))

    def record_registry_answer(self, outcome: Literal["applied", "refused"], *, household_id: str | None = None,
                               reason_code: str | None = None, reason: str | None = None) -> None:
        """The registry applied or refused the approved change; a repeated answer changes nothing."""
        if not self._allows(Step.APPLY if outcome == "applied" else Step.REFUSE):
            return
        self._record(ProposalClosed(proposal_id=self.id, outcome=outcome, household_id=household_id,
                                    reason_code=reason_code, reason=reason))

    def cancel(self, reason_code: Literal["deceased", "moved"], reason: str) -> None:
        """The person or household it concerns died or moved away; a closed proposal stays as it is."""
        if self.open:
            self._record(ProposalCancelled(proposal_id=self.id, reason_code=reason_code, reason=reason))

    # --- state -------------------------------------------------------------------

    def _apply(self, event: Event) -> None:
        if type(event) in _STATUS_AFTER:
            self.status = _STATUS_AFTER[type(event)]
        match event:
            case ProposalDrafted(region_code=region_code, change=change):
                self.region_code, self.change, self.household_id = region_code, change, household_of(change)
            case ProposalCorrected(change=change):
                self.change, self.household_id = change, household_of(change)
            case ProposalSubmitted(period=period):
                self.period, self.entry_id, self._enumerator, self.outcome_reason = period, None, None, None
            case ProposalVerificationStarted(entry_id=entry_id, enumerator=enumerator):
                self.entry_id, self._enumerator = entry_id, enumerator
            case ProposalVerified(visit_id=visit_id, change=change):
                self.change = change
                self._visits.add(visit_id)
            case ProposalVerificationFailed(visit_id=visit_id, reason=reason):
                self.outcome_reason = reason
                self._visits.add(visit_id)
            case ProposalRejected(reason=reason) | ProposalReturned(reason=reason) | ProposalCancelled(reason=reason):
                self.outcome_reason = reason
            case ProposalClosed(outcome=outcome, reason=reason, household_id=household_id):
                self.status = Status.APPLIED if outcome == "applied" else Status.REFUSED
                self.outcome_reason = reason
                self.household_id = household_id or self.household_id

