"""What the proposals routes need, declared once: the pool, units of work, the clock, and the access check."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Annotated

import asyncpg
from fastapi import Depends, Path, Request
from siks_events.auth import Actor
from siks_events.model import Cause
from siks_events.permissions import Operation, authorized, require_access

from siks_proposals.adapters.postgres import read_models
from siks_proposals.adapters.postgres.uow import PostgresProposalsUnitOfWork

WIB = timezone(timedelta(hours=7), "WIB")


def pool(request: Request) -> asyncpg.Pool:
    return request.app.state.runtime.pool


Pool = Annotated[asyncpg.Pool, Depends(pool)]


def unit_of_work(request: Request) -> Callable[[Cause], PostgresProposalsUnitOfWork]:
    return lambda cause: PostgresProposalsUnitOfWork(request.app.state.runtime.pool, cause)


UnitOfWorkFactory = Annotated[Callable[[Cause], PostgresProposalsUnitOfWork], Depends(unit_of_work)]


def today() -> date:
    """The date in Western Indonesia (WIB): a month's period ends at midnight in Jakarta, not in UTC."""
    return datetime.now(UTC).astimezone(WIB).date()


Today = Annotated[date, Depends(today)]
"""The clock the periods follow; tests override `today`."""


ProposalId = Annotated[str, Path(max_length=100)]
Regency = Annotated[str, Path(pattern=r"^\d{4}$", description="regency/city (kabupaten/kota) code, 4 digits")]


def proposal_in_scope(operation: Operation):
    """A dependency type: the actor, if they may perform `operation` and the proposal lies in their region.

    Checked before the request body is read; a missing proposal gets the same 403 as one elsewhere.
    """

    async def check(proposal_id: ProposalId, pool: Pool, actor: Actor = Depends(authorized(operation))) -> Actor:
        require_access(actor, "proposal", proposal_id, await read_models.region_of(pool, proposal_id))
        return actor

    return Annotated[Actor, Depends(check)]


def regency_in_scope(operation: Operation):
    """A dependency type: the actor, if they may perform `operation` on the regency (path `regency_code`) in their region."""

    async def check(regency_code: Regency, actor: Actor = Depends(authorized(operation))) -> Actor:
        require_access(actor, "regency", regency_code, regency_code)
        return actor

    return Annotated[Actor, Depends(check)]


def require_region(actor: Actor, kind: str, region_code: str) -> None:
    """NotAccessible unless a region a request names (a village, a region prefix) lies inside the actor's own."""
    require_access(actor, kind, region_code, region_code)
