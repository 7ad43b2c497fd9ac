"""Proposals (usulan): drafted, corrected, submitted and withdrawn by the village; decided by the office."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Query, Request, status
from siks_events.http import PageNumber, PageSize, cause_for
from siks_events.permissions import Operation, allowed_to

from siks_proposals.adapters.api.deps import Pool, ProposalId, Today, UnitOfWorkFactory, proposal_in_scope, require_region
from siks_proposals.adapters.api.schemas import (
    ProposalCorrection,
    ProposalCounts,
    ProposalDraft,
    ProposalPage,
    ProposalPublic,
    Reason,
    TimelineEntry,
    VillageCounts,
)
from siks_proposals.adapters.postgres import read_models
from siks_proposals.application import handlers
from siks_proposals.domain import commands
from siks_proposals.domain.lifecycle import Status

router = APIRouter(prefix="/v1/proposals", tags=["proposals"])

Drafter = allowed_to(Operation.PROPOSAL_DRAFT)
Reader = allowed_to(Operation.PROPOSAL_READ)
ProposalReader = proposal_in_scope(Operation.PROPOSAL_READ)
Corrector = proposal_in_scope(Operation.PROPOSAL_CORRECT)
Submitter = proposal_in_scope(Operation.PROPOSAL_SUBMIT)
Withdrawer = proposal_in_scope(Operation.PROPOSAL_WITHDRAW)
Decider = proposal_in_scope(Operation.PROPOSAL_DECIDE)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ProposalPublic)
async def draft(body: ProposalDraft, actor: Drafter, uow: UnitOfWorkFactory, request: Request):
    """Draft a proposal for a household of the actor's village (or a new household)."""
    require_region(actor, "village", body.region_code)
    command = commands.DraftProposal(str(uuid.uuid4()), body.region_code, body.change)
    proposal = await handlers.handle_draft_proposal(command, uow(cause_for(request, actor, "DraftProposal")))
    return ProposalPublic.of(proposal)


@router.get("", response_model=ProposalPage)
async def list_proposals(actor: Reader, pool: Pool, region: str | None = Query(None, pattern=r"^[0-9]{2,10}$"),
                         status: Status | None = None, period: str | None = Query(None, pattern=r"^[0-9]{4}-[0-9]{2}$"),
                         page: PageNumber = 1, size: PageSize = 50):
    """Proposals in a region (the actor's own by default), by status and period, newest first."""
    region = actor.region if region is None else region
    require_region(actor, "region", region)
    total, rows = await read_models.proposals(pool, region_prefix=region, status=status and status.value,
                                              period=period, page=page, size=size)
    return ProposalPage(total=total, page=page, size=size, items=[ProposalPublic(**_public(r)) for r in rows])


@router.get("/counts", response_model=ProposalCounts)
async def counts(actor: Reader, pool: Pool, region: str | None = Query(None, pattern=r"^[0-9]{2,10}$"),
                 period: str | None = Query(None, pattern=r"^[0-9]{4}-[0-9]{2}$")):
    """How many proposals each village has in each status, and the sums."""
    region = actor.region if region is None else region
    require_region(actor, "region", region)
    villages: dict[str, dict[str, int]] = {}
    for row in await read_models.counts(pool, region_prefix=region, period=period):
        villages.setdefault(row["region_code"], {})[row["status"]] = row["count"]
    by_status: dict[str, int] = {}
    for village in villages.values():
        for key, n in village.items():
            by_status[key] = by_status.get(key, 0) + n
    return ProposalCounts(total=sum(by_status.values()), by_status=by_status, villages=[
        VillageCounts(region_code=code, total=sum(v.values()), by_status=v) for code, v in villages.items()])


def _public(row: dict) -> dict:
    return {k: row[k] for k in ProposalPublic.model_fields}


@router.get("/{proposal_id}", response_model=ProposalPublic)
async def get_proposal(proposal_id: ProposalId, actor: ProposalReader, pool: Pool):
    row = await read_models.proposal(pool, proposal_id)  # exists: the access check found its region here
    return ProposalPublic(**_public(row))


@router.get("/{proposal_id}/timeline", response_model=list[TimelineEntry])
async def timeline(proposal_id: ProposalId, actor: ProposalReader, pool: Pool):
    """Every step of the proposal, oldest first, with who took it, in which role, and why."""
    return [TimelineEntry.of(e) for e in await read_models.history(pool, proposal_id)]


@router.put("/{proposal_id}/change", response_model=ProposalPublic)
async def correct(proposal_id: ProposalId, body: ProposalCorrection, actor: Corrector, uow: UnitOfWorkFactory,
                  request: Request):
    """Replace the change of a draft or of a proposal the office returned."""
    proposal = await handlers.handle_correct_proposal(commands.CorrectProposal(proposal_id, body.change),
                                                      uow(cause_for(request, actor, "CorrectProposal")))
    return ProposalPublic.of(proposal)


@router.post("/{proposal_id}/submission", response_model=ProposalPublic)
async def submit(proposal_id: ProposalId, actor: Submitter, uow: UnitOfWorkFactory, today: Today,
                 request: Request):
    """Submit (**proposed**) into the regency's open period."""
    proposal = await handlers.handle_submit_proposal(commands.SubmitProposal(proposal_id, today),
                                                     uow(cause_for(request, actor, "SubmitProposal")))
    return ProposalPublic.of(proposal)


@router.post("/{proposal_id}/withdrawal", response_model=ProposalPublic)
async def withdraw(proposal_id: ProposalId, body: Reason, actor: Withdrawer, uow: UnitOfWorkFactory,
                   request: Request):
    """The village takes an open proposal back."""
    proposal = await handlers.handle_withdraw_proposal(commands.WithdrawProposal(proposal_id, body.reason),
                                                       uow(cause_for(request, actor, "WithdrawProposal")))
    return ProposalPublic.of(proposal)


async def _decide(proposal_id: ProposalId, decision: commands.Decision, reason: str, actor, uow, request):
    command = commands.DecideProposal(proposal_id, decision, reason)
    proposal = await handlers.handle_decide_proposal(command, uow(cause_for(request, actor, "DecideProposal")))
    return ProposalPublic.of(proposal)


@router.post("/{proposal_id}/approval", response_model=ProposalPublic)
async def approve(proposal_id: ProposalId, actor: Decider, uow: UnitOfWorkFactory, request: Request):
    """Approve (**approved**): the registry is to run the change as verified."""
    return await _decide(proposal_id, commands.Decision.APPROVE, "", actor, uow, request)


@router.post("/{proposal_id}/rejection", response_model=ProposalPublic)
async def reject(proposal_id: ProposalId, body: Reason, actor: Decider, uow: UnitOfWorkFactory,
                 request: Request):
    return await _decide(proposal_id, commands.Decision.REJECT, body.reason, actor, uow, request)


@router.post("/{proposal_id}/return", response_model=ProposalPublic)
async def return_to_village(proposal_id: ProposalId, body: Reason, actor: Decider, uow: UnitOfWorkFactory,
                            request: Request):
    """Send the proposal back to the village to correct and submit again."""
    return await _decide(proposal_id, commands.Decision.RETURN, body.reason, actor, uow, request)
