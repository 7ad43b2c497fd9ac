"""A field visit (kunjungan): what an enumerator's phone recorded at a household, and its review."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from siks_events.catalog.verification import (
    Findings,
    Photo,
    Position,
    QualityFlag,
    VisitAccepted,
    VisitRecorded,
    VisitRejected,
)
from siks_events.model import Aggregate, Event

from siks_verification.domain.errors import (
    IdentityNotConfirmed,
    InterviewTimesInvalid,
    ReasonRequired,
    VisitAlreadyReviewed,
)
from siks_verification.domain.prelist import PrelistEntry

_VISITS = uuid.UUID("6f1d8c7e-2b7a-5c1e-9a53-5f0e3d0a7b21")


def visit_id_for(enumerator: str, client_visit_id: str) -> str:
    """The visit's id, derived from who recorded it and the phone's own id for it, so a resent upload finds it."""
    # the client id has no newline (checked at the edge), so no two (enumerator, client id) pairs share a name
    return "visit-" + str(uuid.uuid5(_VISITS, enumerator + "\n" + client_visit_id))


class VisitStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class Visit(Aggregate):
    """One visit to one prelist entry's household; a supervisor accepts or rejects it once."""

    def __init__(self, id: str) -> None:
        super().__init__(id)
        self.status = VisitStatus.PENDING
        self.recorded: VisitRecorded | None = None
        self.reviewed_by: str | None = None
        self.review_reason: str | None = None

    @classmethod
    def record(
        cls, entry: PrelistEntry, *, client_visit_id: str, enumerator: str, started_at: datetime, ended_at: datetime,
        position: Position, photos: tuple[Photo, ...], findings: Findings, flags: tuple[QualityFlag, ...],
    ) -> Visit:
        """A new visit to `entry` by its assigned enumerator; the entry learns of it at once."""
        entry.ensure_visitable_by(enumerator)
        if ended_at < started_at:
            raise InterviewTimesInvalid(f"the interview ends ({ended_at}) before it starts ({started_at})")
        visit = cls(visit_id_for(enumerator, client_visit_id))
        visit._record(VisitRecorded(
            visit_id=visit.id, client_visit_id=client_visit_id, entry_id=entry.id, proposal_id=entry.proposal_id,
            enumerator=enumerator, started_at=started_at, ended_at=ended_at,
            duration_seconds=int((ended_at - started_at).total_seconds()), position=position, photos=photos,
            findings=findings, flags=flags,
        ))
        entry.follow(visit.pending_events[-1])
        return visit

    @property
    def entry_id(self) -> str:
        assert self.recorded is not None
        return self.recorded.entry_id

    def accept(self, entry: PrelistEntry, supervisor: str, *, identity_confirmed: bool) -> None:
        """**verified**: the supervisor accepts the visit, having checked NIK and name against the ID card photo."""
        self._ensure_pending()
        entry.ensure_reviewable()
        assert self.recorded is not None
        if self.recorded.findings.household_found and not identity_confirmed:
            raise IdentityNotConfirmed("confirm that NIK and name match the ID card photo before accepting")
        self._record_judgement(entry, VisitAccepted(
            visit_id=self.id, entry_id=entry.id, proposal_id=entry.proposal_id, region_code=entry.region_code,
            supervisor=supervisor, findings=self.recorded.findings, flags=self.recorded.flags,
        ))

    def reject(self, entry: PrelistEntry, supervisor: str, reason: str) -> None:
        """The supervisor rejects the visit; the entry goes back to the prelist for another visit."""
        self._ensure_pending()
        entry.ensure_reviewable()
        if not reason.strip():
            raise ReasonRequired("say why the visit is rejected")
        self._record_judgement(entry, VisitRejected(
            visit_id=self.id, entry_id=entry.id, proposal_id=entry.proposal_id, supervisor=supervisor,
            reason=reason.strip(),
        ))

    def _ensure_pending(self) -> None:
        if self.status is not VisitStatus.PENDING:
            raise VisitAlreadyReviewed(f"visit {self.id} is already {self.status.value}")

    def _record_judgement(self, entry: PrelistEntry, event: Event) -> None:
        self._record(event)
        entry.follow(event)

    def _apply(self, event: Event) -> None:
        match event:
            case VisitRecorded():
                self.recorded = event
            case VisitAccepted(supervisor=supervisor):
                self.status, self.reviewed_by = VisitStatus.ACCEPTED, supervisor
            case VisitRejected(supervisor=supervisor, reason=reason):
                self.status, self.reviewed_by, self.review_reason = VisitStatus.REJECTED, supervisor, reason
