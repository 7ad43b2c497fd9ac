"""Monthly periods of a regency/city: close one, preview its batch's impact, approve its batch."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Path, Request
from siks_events.http import cause_for
from siks_events.permissions import Operation

from siks_proposals.adapters.api.deps import Pool, Regency, Today, UnitOfWorkFactory, regency_in_scope
from siks_proposals.adapters.api.schemas import BatchApproved, Impact, ImpactPreview, PeriodPublic
from siks_proposals.adapters.postgres import read_models
from siks_proposals.application import handlers, queries
from siks_proposals.domain import commands
from siks_proposals.domain.impact import total
from siks_proposals.domain.period import Period

router = APIRouter(prefix="/v1/periods/{regency_code}/{period}", tags=["periods"])

Reader = regency_in_scope(Operation.PROPOSAL_READ)
Closer = regency_in_scope(Operation.PERIOD_CLOSE)
Decider = regency_in_scope(Operation.PROPOSAL_DECIDE)

Month = Annotated[str, Path(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$", description="the period, YYYY-MM")]


@router.get("", response_model=PeriodPublic)
async def get_period(regency_code: Regency, period: Month, actor: Reader, pool: Pool):
    """Whether the regency's period is still open to submissions."""
    closed_on = await read_models.period_closed_on(pool, Period.stream_id(regency_code, period))
    return PeriodPublic(regency_code=regency_code, period=period, closed_on=closed_on)


@router.post("/closure", response_model=PeriodPublic)
async def close(regency_code: Regency, period: Month, actor: Closer, uow: UnitOfWorkFactory, today: Today,
                request: Request):
    """Close the period: submissions from now on go to the next month."""
    closed = await handlers.handle_close_period(commands.ClosePeriod(regency_code, period, today),
                                                uow(cause_for(request, actor, "ClosePeriod")))
    return PeriodPublic(regency_code=regency_code, period=period, closed_on=closed.closed_on)


@router.get("/impact", response_model=ImpactPreview)
async def impact(regency_code: Regency, period: Month, actor: Reader, uow: UnitOfWorkFactory, request: Request):
    """Per village, what approving the period's ready proposals would add, change and remove in DTKS."""
    villages = await queries.impact_preview(regency_code, period, uow(cause_for(request, actor, "PreviewImpact")))
    return ImpactPreview(regency_code=regency_code, period=period, villages=[Impact(**asdict(v)) for v in villages],
                         total=Impact(**asdict(total(villages))))


@router.post("/approval", response_model=BatchApproved)
async def approve_batch(regency_code: Regency, period: Month, actor: Decider, uow: UnitOfWorkFactory,
                        request: Request):
    """Approve every proposal of the period that is ready for a decision (all or none)."""
    approved = await handlers.handle_approve_period_batch(commands.ApprovePeriodBatch(regency_code, period),
                                                          uow(cause_for(request, actor, "ApprovePeriodBatch")))
    return BatchApproved(approved=approved, count=len(approved))
