"""What the proposals routes need, declared once: the pool, units of work, the clock, and the access check."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Annotated

import asyncpg
from fastapi import Depends, Path, Request
from siks_events.auth import Actor
from siks_events.model import Cause
from siks_events.permissions import Operation, named_region, require_access, scoped

from siks_proposals.adapters.postgres import read_models
from siks_proposals.adapters.postgres.uow import PostgresProposalsUnitOfWork

WIB = timezone(timedelta(hours=7), "WIB")


async def pool(request: Request) -> asyncpg.Pool:
    return request.app.state.runtime.pool


Pool = Annotated[asyncpg.Pool, Depends(pool)]


async def unit_of_work(request: Request) -> Callable[[Cause], PostgresProposalsUnitOfWork]:
    return lambda cause: PostgresProposalsUnitOfWork(request.app.state.runtime.pool, cause)


UnitOfWorkFactory = Annotated[Callable[[Cause], PostgresProposalsUnitOfWork], Depends(unit_of_work)]


def today() -> date:
    """The date in Western Indonesia (WIB): a month's period ends at midnight in Jakarta, not in UTC."""
    return datetime.now(UTC).astimezone(WIB).date()


Today = Annotated[date, Depends(today)]
"""The clock the periods follow; tests override `today`."""


ProposalId = Annotated[str, Path(max_length=100)]
Regency = Annotated[str, Path(pattern=r"^[0-9]{4}$", description="regency/city (kabupaten/kota) code, 4 digits")]


async def proposal_region(request: Request, proposal_id: str) -> str | None:
    return await read_models.region_of(await pool(request), proposal_id)


def proposal_in_scope(operation: Operation):
    return scoped(operation, "proposal", "proposal_id", proposal_region)


def regency_in_scope(operation: Operation):
    return scoped(operation, "regency", "regency_code", named_region)


def require_region(actor: Actor, kind: str, region_code: str) -> None:
    """NotAccessible unless a region a request names (a village, a region prefix) lies inside the actor's own."""
    require_access(actor, kind, region_code, region_code)
