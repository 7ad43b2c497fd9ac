"""Visits: batches from offline phones, what supervisors see of them, and their review."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request, status
from siks_events.http import cause_for, status_of
from siks_events.model import RegionCode
from siks_events.permissions import NotAccessible, Operation, allowed_to

from siks_verification.adapters.api.deps import Blobs, ObjectId, Reads, UnitOfWorkFactory, visit_in_scope
from siks_verification.adapters.api.schemas import (
    BatchResult,
    ItemStatus,
    Review,
    VisitBatch,
    VisitItemResult,
    VisitPublic,
)
from siks_verification.application import handlers
from siks_verification.application.batches import VisitOutcome, upload_visits
from siks_verification.domain import commands
from siks_verification.domain.visit import VisitStatus

router = APIRouter(prefix="/v1/visits", tags=["visits"])

Uploader = allowed_to(Operation.VISIT_UPLOAD)
VisitsReader = allowed_to(Operation.VISIT_READ)
VisitReader = visit_in_scope(Operation.VISIT_READ)
Reviewer = visit_in_scope(Operation.VISIT_REVIEW)


def _result(outcome: VisitOutcome, index: int) -> VisitItemResult:
    if outcome.receipt is not None:
        return VisitItemResult(client_visit_id=outcome.client_visit_id, visit_id=outcome.receipt.visit_id,
                               status=ItemStatus.CREATED if outcome.receipt.created else ItemStatus.EXISTING,
                               flags=list(outcome.receipt.flags))
    error = outcome.error
    assert error is not None
    problem = {"code": error.code, "status": status_of(error), "detail": error.detail}
    if error.field:
        problem["pointer"] = f"#/visits/{index}/{error.field}"
    return VisitItemResult(client_visit_id=outcome.client_visit_id, status=ItemStatus.REFUSED, problem=problem)


@router.post("/batches", response_model=BatchResult)
async def upload(body: VisitBatch, actor: Uploader, uow: UnitOfWorkFactory, blobs: Blobs, request: Request):
    """Record a phone's visits, each once however often the batch (or part of it) is sent; one result per visit."""
    visits = [commands.RecordVisit(
        client_visit_id=v.client_visit_id, entry_id=v.entry_id, started_at=v.started_at, ended_at=v.ended_at,
        position=v.position, findings=v.findings, photos=v.photos) for v in body.visits]
    cause = cause_for(request, actor, "RecordVisit")
    outcomes = await upload_visits(visits, lambda: uow(cause), blobs=blobs)
    return BatchResult(results=[_result(o, i) for i, o in enumerate(outcomes)])


@router.get("", response_model=list[VisitPublic])
async def visits(region_code: RegionCode, reads: Reads, actor: VisitsReader,
                 visit_status: VisitStatus | None = Query(None, alias="status")):
    """Visits recorded in a region, oldest first; `status=pending` is a supervisor's review queue."""
    if not actor.covers(region_code):
        raise NotAccessible("this region is not accessible to you")
    return await reads.visits(region_code, status=visit_status.value if visit_status else None)


@router.get("/{visit_id}", response_model=VisitPublic)
async def visit(visit_id: ObjectId, reads: Reads, actor: VisitReader):
    """A visit with its flags, findings and photos, beside the NIKs and names the proposal gave."""
    found = await reads.visit(visit_id)
    assert found is not None  # the access check found it
    entry = await reads.entry(found["entry_id"]) or {}
    return {**found, "proposal_niks": entry.get("niks", []), "proposal_names": entry.get("names", [])}


@router.post("/{visit_id}/review", status_code=status.HTTP_204_NO_CONTENT)
async def review(visit_id: ObjectId, body: Review, actor: Reviewer, uow: UnitOfWorkFactory, request: Request):
    """Accept the visit (**verified**, NIK and name checked against the ID card photo) or reject it with a reason."""
    if body.decision == "accept":
        await handlers.handle_accept_visit(commands.AcceptVisit(visit_id, body.identity_confirmed),
                                           uow(cause_for(request, actor, "AcceptVisit")))
    else:
        await handlers.handle_reject_visit(commands.RejectVisit(visit_id, body.reason),
                                           uow(cause_for(request, actor, "RejectVisit")))
