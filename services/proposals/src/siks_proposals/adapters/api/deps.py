"""What the proposals routes need, declared once: the pool, units of work, the clock, and the access check."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Annotated

import asyncpg
from fastapi import Depends, Request
from siks_events.auth import Actor
from siks_events.model import Cause
from siks_events.permissions import Operation, authorize, require_access

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


async def require_proposal(actor: Actor, operation: Operation, proposal_id: str, pool: asyncpg.Pool) -> None:
    """The role may perform `operation`, and the proposal exists inside the actor's region (one 403 otherwise)."""
    authorize(actor, operation)
    require_access(actor, "proposal", proposal_id, await read_models.region_of(pool, proposal_id))


def require_region(actor: Actor, operation: Operation, kind: str, region_code: str) -> None:
    """The role may perform `operation` on a region (a village, a regency) inside the actor's own."""
    authorize(actor, operation)
    require_access(actor, kind, region_code, region_code)
