"""Institutions (LKS) register and are decided by the office of their scope; aid proposals climb from the
regency/city office to the province and the directorate general."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status
from siks_events.catalog.lks import Document, ServiceKind
from siks_events.http import cause_for
from siks_events.model import RuleViolated
from siks_events.permissions import Operation, allowed_to

from siks_lks.adapters.api.deps import (
    Blobs,
    ObjectId,
    Pool,
    UnitOfWorkFactory,
    aid_proposal_access,
    institution_access,
)
from siks_lks.adapters.api.schemas import (
    AidProposalPublic,
    AidRequest,
    Decision,
    InstitutionPublic,
    Registration,
    Review,
    StoredDocument,
    TimelineEntry,
)
from siks_lks.adapters.postgres import read_models
from siks_lks.application import handlers
from siks_lks.domain import commands
from siks_lks.domain.aid_proposal import AidProposal
from siks_lks.domain.errors import NotThisLevel
from siks_lks.domain.institution import Institution
from siks_lks.domain.levels import level_of

router = APIRouter(prefix="/v1", tags=["lks"])


class DocumentNotStored(RuleViolated):
    """A document names a file the store does not hold (upload it first with PUT /v1/documents)."""

    code = "document-not-stored"
    field = "documents"


def _institution(lks: Institution) -> InstitutionPublic:
    return InstitutionPublic(lks_id=lks.id, name=lks.name, region_code=lks.region_code, scope=lks.scope,
                             status=lks.status.value, approver=lks.approver.value,
                             services={s.value: d for s, d in lks.services.items()}, version=lks.version)


def _aid(aid: AidProposal) -> AidProposalPublic:
    return AidProposalPublic(aid_proposal_id=aid.id, lks_id=aid.lks_id, region_code=aid.region_code,
                             amount=aid.amount, status=aid.status.value, at_level=aid.at.value, reason=aid.reason,
                             version=aid.version)


def level_at(actor):
    """The office level the actor acts at."""
    level = level_of(actor.role)
    if level is None:  # the permission table lets only offices review; kept for a table that grows
        raise NotThisLevel(f"role {actor.role.value} acts at no office level")
    return level


async def stored(blobs, documents: list[Document]) -> tuple[Document, ...]:
    for index, document in enumerate(documents):
        info = await blobs.info(document.sha256)
        if info is None or (info.content_type, info.size) != (document.content_type, document.size):
            raise DocumentNotStored(f"document {document.name!r} is not stored as described",
                                    field=f"documents/{index}")
    return tuple(documents)


@router.put("/documents", status_code=status.HTTP_201_CREATED, response_model=StoredDocument)
async def upload_document(request: Request, response: Response, actor: allowed_to(Operation.LKS_DOCUMENT_UPLOAD),
                          blobs: Blobs):
    """Store a document (PDF, JPEG, PNG, WebP) sent as the raw body; 200 if the same bytes are stored already."""
    blobs.check(request.headers.get("content-type", ""), int(request.headers.get("content-length") or 0))
    body = await request.body()
    stored = await blobs.put(body, request.headers["content-type"])
    if not stored.created:
        response.status_code = status.HTTP_200_OK
    return StoredDocument(sha256=stored.info.sha256, content_type=stored.info.content_type, size=stored.info.size,
                          created=stored.created)


@router.post("/institutions", status_code=status.HTTP_201_CREATED, response_model=InstitutionPublic)
async def register(body: Registration, actor: allowed_to(Operation.LKS_REGISTER), blobs: Blobs,
                   uow: UnitOfWorkFactory, request: Request):
    """An LKS account registers its institution (its id is the account's subject)."""
    documents = await stored(blobs, body.documents)
    lks = await handlers.handle_register_lks(commands.RegisterLks(
        body.name, body.legal_number, body.address, body.region_code, body.scope, tuple(body.services), documents,
        lks_id=actor.subject), uow(cause_for(request, actor, "RegisterLks")))
    return _institution(lks)


@router.get("/institutions/{lks_id}", response_model=InstitutionPublic)
async def get_institution(lks_id: ObjectId, actor: institution_access(Operation.LKS_READ), uow: UnitOfWorkFactory,
                          request: Request):
    unit = uow(cause_for(request, actor, "ReadLks"))
    async with unit:
        return _institution(await unit.get_institution(lks_id))


@router.post("/institutions/{lks_id}/decision", response_model=InstitutionPublic)
async def decide(lks_id: ObjectId, body: Decision, actor: institution_access(Operation.LKS_DECIDE),
                 uow: UnitOfWorkFactory, request: Request):
    """The office of the institution's scope approves or rejects its registration."""
    return _institution(await handlers.handle_decide_lks(
        commands.DecideLks(lks_id, level_at(actor), body.approved, body.reason), uow(cause_for(request, actor, "DecideLks"))))


@router.post("/institutions/{lks_id}/services/{service}/decision", response_model=InstitutionPublic)
async def decide_service(lks_id: ObjectId, service: ServiceKind, body: Decision,
                         actor: institution_access(Operation.LKS_SERVICE_DECIDE), uow: UnitOfWorkFactory,
                         request: Request):
    """The directorate responsible approves or rejects one service (LKS Layanan)."""
    return _institution(await handlers.handle_decide_service(
        commands.DecideService(lks_id, service, body.approved, body.reason),
        uow(cause_for(request, actor, "DecideService"))))


@router.post("/aid-proposals", status_code=status.HTTP_201_CREATED, response_model=AidProposalPublic)
async def submit(body: AidRequest, actor: allowed_to(Operation.AID_PROPOSAL_SUBMIT), blobs: Blobs,
                 uow: UnitOfWorkFactory, request: Request):
    """An approved LKS asks for aid; the proposal goes to its regency/city office first."""
    documents = await stored(blobs, body.documents)
    return _aid(await handlers.handle_submit_aid_proposal(commands.SubmitAidProposal(
        actor.subject, body.amount, body.purpose, body.beneficiaries, documents, service=body.service),
        uow(cause_for(request, actor, "SubmitAidProposal"))))


@router.get("/aid-proposals/{aid_proposal_id}", response_model=AidProposalPublic)
async def get_aid_proposal(aid_proposal_id: ObjectId, actor: aid_proposal_access(Operation.AID_PROPOSAL_READ),
                           uow: UnitOfWorkFactory, request: Request):
    unit = uow(cause_for(request, actor, "ReadAidProposal"))
    async with unit:
        return _aid(await unit.get_aid_proposal(aid_proposal_id))


@router.get("/aid-proposals/{aid_proposal_id}/timeline", response_model=list[TimelineEntry])
async def aid_timeline(aid_proposal_id: ObjectId, actor: aid_proposal_access(Operation.AID_PROPOSAL_READ),
                       pool: Pool):
    """Every step of the proposal, oldest first, with who took it and why."""
    return [TimelineEntry(version=r["version"], type=r["type"], recorded_at=r["recorded_at"],
                          actor=r["metadata"].get("actor", ""), role=r["metadata"].get("role", ""), data=r["data"])
            for r in await read_models.history(pool, aid_proposal_id)]


@router.post("/aid-proposals/{aid_proposal_id}/review", response_model=AidProposalPublic)
async def review(aid_proposal_id: ObjectId, body: Review, actor: aid_proposal_access(Operation.AID_PROPOSAL_REVIEW),
                 uow: UnitOfWorkFactory, request: Request):
    """The office holding the proposal passes it up, returns it with a reason, or (the directorate) decides."""
    return _aid(await handlers.handle_review_aid_proposal(
        commands.ReviewAidProposal(aid_proposal_id, level_at(actor), body.step, body.reason),
        uow(cause_for(request, actor, "ReviewAidProposal"))))


@router.put("/aid-proposals/{aid_proposal_id}", response_model=AidProposalPublic)
async def correct(aid_proposal_id: ObjectId, body: AidRequest, actor: aid_proposal_access(Operation.AID_PROPOSAL_SUBMIT),
                  blobs: Blobs, uow: UnitOfWorkFactory, request: Request):
    """The LKS corrects a returned proposal; it goes back to the office that returned it."""
    documents = await stored(blobs, body.documents)
    return _aid(await handlers.handle_correct_aid_proposal(commands.CorrectAidProposal(
        aid_proposal_id, body.amount, body.purpose, body.beneficiaries, documents),
        uow(cause_for(request, actor, "CorrectAidProposal"))))
