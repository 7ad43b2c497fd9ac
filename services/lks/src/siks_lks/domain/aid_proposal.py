"""An LKS's aid proposal (proposal bantuan): checked by the regency/city office, then the province, then
approved or rejected by the directorate general (see `climb`)."""

from __future__ import annotations

from siks_events.catalog.lks import (
    AidProposalCorrected,
    AidProposalDecided,
    AidProposalPassed,
    AidProposalReturned,
    AidProposalSubmitted,
    Document,
    Level,
    ServiceKind,
)
from siks_events.model import Event

from siks_lks.domain.climb import Climb
from siks_lks.domain.climb import ClimbStatus as AidStatus
from siks_lks.domain.errors import LksNotApproved, UnknownService
from siks_lks.domain.institution import Institution, Status

__all__ = ["AidProposal", "AidStatus"]


class AidProposal(Climb):
    """An aid proposal and where it stands: which office holds it, or who returned it and why."""

    noun = "proposal"

    def __init__(self, id: str) -> None:  # noqa: A002 - the aggregate's id
        super().__init__(id)
        self.lks_id = ""
        self.region_code = ""
        self.amount = 0
        self.service: ServiceKind | None = None

    @classmethod
    def submit(cls, proposal_id: str, lks: Institution, *, amount: int, purpose: str, beneficiaries: int,
               documents: tuple[Document, ...] = (), service: ServiceKind | None = None) -> AidProposal:
        if lks.status is not Status.APPROVED:
            raise LksNotApproved(f"institution {lks.id} is {lks.status.value}, not approved")
        if service is not None and lks.services.get(service) is not True:
            raise UnknownService(f"the institution has no approved {service.value} service")
        proposal = cls(proposal_id)
        proposal._record(AidProposalSubmitted(aid_proposal_id=proposal_id, lks_id=lks.id, region_code=lks.region_code,
                                              amount=amount, purpose=purpose, beneficiaries=beneficiaries,
                                              documents=documents, service=service))
        return proposal

    def _passed(self, level: Level) -> Event:
        return AidProposalPassed(aid_proposal_id=self.id, level=level)

    def _returned(self, level: Level, reason: str) -> Event:
        return AidProposalReturned(aid_proposal_id=self.id, level=level, reason=reason)

    def _corrected(self, **content) -> Event:
        return AidProposalCorrected(aid_proposal_id=self.id, **content)

    def _decided(self, approved: bool, reason: str) -> Event:
        return AidProposalDecided(aid_proposal_id=self.id, approved=approved, reason=reason)

    def _apply(self, event: Event) -> None:
        match event:
            case AidProposalSubmitted():
                self.lks_id, self.region_code, self.amount = event.lks_id, event.region_code, event.amount
                self.service = event.service
            case AidProposalPassed(level=level):
                self._climbed(passed=level)
            case AidProposalReturned(level=level, reason=reason):
                self._climbed(returned=(level, reason))
            case AidProposalCorrected(amount=amount):
                self.amount = amount
                self._climbed(corrected=True)
            case AidProposalDecided(approved=approved, reason=reason):
                self._climbed(decided=(approved, reason))
