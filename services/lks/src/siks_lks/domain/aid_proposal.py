"""An LKS's aid proposal (proposal bantuan): checked by the regency/city office, then the province, then
approved or rejected by the directorate general. Any level can return it for correction; corrected, it
climbs again from the level that returned it."""

from __future__ import annotations

from enum import StrEnum

from siks_events.catalog.lks import (
    AidProposalCorrected,
    AidProposalDecided,
    AidProposalPassed,
    AidProposalReturned,
    AidProposalSubmitted,
    Document,
    Level,
)
from siks_events.model import Aggregate, Event

from siks_lks.domain.errors import AlreadyDecided, LksNotApproved, OutOfTurn, ReasonRequired
from siks_lks.domain.institution import Institution, Status
from siks_lks.domain.levels import ORDER, above


class AidStatus(StrEnum):
    IN_REVIEW = "in_review"
    RETURNED = "returned"
    APPROVED = "approved"
    REJECTED = "rejected"


class AidProposal(Aggregate):
    """An aid proposal and where it stands: which office holds it, or who returned it and why."""

    def __init__(self, id: str) -> None:  # noqa: A002 - the aggregate's id
        super().__init__(id)
        self.lks_id = ""
        self.region_code = ""
        self.amount = 0
        self.status = AidStatus.IN_REVIEW
        self.at = Level.REGENCY
        """The office that holds it (in review) or returned it (returned)."""
        self.reason = ""

    @classmethod
    def submit(cls, proposal_id: str, lks: Institution, *, amount: int, purpose: str, beneficiaries: int,
               documents: tuple[Document, ...] = ()) -> AidProposal:
        if lks.status is not Status.APPROVED:
            raise LksNotApproved(f"institution {lks.id} is {lks.status.value}, not approved")
        proposal = cls(proposal_id)
        proposal._record(AidProposalSubmitted(aid_proposal_id=proposal_id, lks_id=lks.id, region_code=lks.region_code,
                                              amount=amount, purpose=purpose, beneficiaries=beneficiaries,
                                              documents=documents))
        return proposal

    def _turn(self, level: Level, step: str) -> None:
        if self.status in (AidStatus.APPROVED, AidStatus.REJECTED):
            raise AlreadyDecided(f"the proposal is already {self.status.value}")
        if self.status is AidStatus.RETURNED:
            raise OutOfTurn(f"the proposal was returned by the {self.at.value} office: the LKS corrects it first")
        if level is not self.at:
            raise OutOfTurn(f"the proposal is with the {self.at.value} office: the {level.value} cannot {step} it now")

    def pass_up(self, level: Level) -> None:
        """This office checked it: on to the next one (the directorate decides instead of passing)."""
        self._turn(level, "pass")
        if above(level) is None:
            raise OutOfTurn("the directorate general approves or rejects; there is no level above it")
        self._record(AidProposalPassed(aid_proposal_id=self.id, level=level))

    def return_for_correction(self, level: Level, reason: str) -> None:
        self._turn(level, "return")
        if not reason.strip():
            raise ReasonRequired("a return for correction says what to correct")
        self._record(AidProposalReturned(aid_proposal_id=self.id, level=level, reason=reason))

    def correct(self, *, amount: int, purpose: str, beneficiaries: int, documents: tuple[Document, ...] = ()) -> None:
        """The LKS resubmits a returned proposal; it goes back to the office that returned it."""
        if self.status is not AidStatus.RETURNED:
            raise OutOfTurn(f"the proposal is {self.status.value}: only a returned one can be corrected")
        self._record(AidProposalCorrected(aid_proposal_id=self.id, amount=amount, purpose=purpose,
                                          beneficiaries=beneficiaries, documents=documents))

    def decide(self, level: Level, approved: bool, reason: str = "") -> None:
        self._turn(level, "decide")
        if level is not ORDER[-1]:
            raise OutOfTurn(f"the {level.value} office checks and passes it up; the directorate general decides")
        if not approved and not reason.strip():
            raise ReasonRequired("a rejection says why")
        self._record(AidProposalDecided(aid_proposal_id=self.id, approved=approved, reason=reason))

    def _apply(self, event: Event) -> None:
        match event:
            case AidProposalSubmitted():
                self.lks_id, self.region_code, self.amount = event.lks_id, event.region_code, event.amount
            case AidProposalPassed(level=level):
                self.at = above(level) or level
            case AidProposalReturned(level=level, reason=reason):
                self.status, self.at, self.reason = AidStatus.RETURNED, level, reason
            case AidProposalCorrected(amount=amount):
                self.status, self.amount, self.reason = AidStatus.IN_REVIEW, amount, ""
            case AidProposalDecided(approved=approved, reason=reason):
                self.status = AidStatus.APPROVED if approved else AidStatus.REJECTED
                self.reason = reason
