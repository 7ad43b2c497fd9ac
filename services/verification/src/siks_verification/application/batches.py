"""Offline phones' batches: each visit in a transaction of its own, so a cut batch keeps what arrived."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from siks_events.blobs import BlobStore
from siks_events.model import DomainError, StreamVersionConflict

from siks_verification.application.handlers import VisitReceipt, handle_record_visit
from siks_verification.application.uow import VerificationUnitOfWork
from siks_verification.domain.commands import RecordVisit


@dataclass(frozen=True)
class VisitOutcome:
    """One visit of a batch: its receipt, or the rule it broke (the rest of the batch goes on)."""

    client_visit_id: str
    receipt: VisitReceipt | None = None
    error: DomainError | None = None


async def upload_visits(
    visits: Sequence[RecordVisit], new_uow: Callable[[], VerificationUnitOfWork], *, blobs: BlobStore
) -> list[VisitOutcome]:
    """Record every visit of a batch once, however often the batch (or part of it) is sent."""
    outcomes = []
    for visit in visits:
        try:
            outcomes.append(VisitOutcome(visit.client_visit_id, receipt=await _record(visit, new_uow, blobs)))
        except DomainError as error:
            outcomes.append(VisitOutcome(visit.client_visit_id, error=error))
    return outcomes


async def _record(visit: RecordVisit, new_uow: Callable[[], VerificationUnitOfWork], blobs: BlobStore) -> VisitReceipt:
    try:
        return await handle_record_visit(visit, new_uow(), blobs=blobs)
    except StreamVersionConflict:
        # The same visit arrived twice at once (a resend racing the first upload) and the other one
        # appended first: the stream guard kept it single; answer with the visit that stands.
        return await handle_record_visit(visit, new_uow(), blobs=blobs)
