"""What the LKS routes need, declared once: the pool, units of work, the blob store, and who may touch which
institution or proposal (an LKS account only its own; an office only inside its region)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

import asyncpg
from fastapi import Depends, Path, Request
from siks_events.auth import Actor, Role
from siks_events.blobs import DOCUMENT_TYPES, BlobStore, blob_store_from
from siks_events.model import Cause
from siks_events.permissions import NotAccessible, Operation, authorized, require_access

from siks_lks.adapters.postgres import read_models
from siks_lks.adapters.postgres.uow import PostgresLksUnitOfWork


async def pool(request: Request) -> asyncpg.Pool:
    return request.app.state.runtime.pool


Pool = Annotated[asyncpg.Pool, Depends(pool)]


async def unit_of_work(request: Request) -> Callable[[Cause], PostgresLksUnitOfWork]:
    return lambda cause: PostgresLksUnitOfWork(request.app.state.runtime.pool, cause)


UnitOfWorkFactory = Annotated[Callable[[Cause], PostgresLksUnitOfWork], Depends(unit_of_work)]


async def blob_store(request: Request) -> BlobStore:
    """The one document store of this app (PDF and images), built from its settings on first use."""
    state = request.app.state
    if getattr(state, "blobs", None) is None:
        state.blobs = blob_store_from(state.settings, content_types=DOCUMENT_TYPES)
    return state.blobs


Blobs = Annotated[BlobStore, Depends(blob_store)]
ObjectId = Annotated[str, Path(max_length=100)]


def require_owner_or_region(actor: Actor, kind: str, object_id: str, lks_id: str | None, region: str | None) -> None:
    """An LKS account reaches only its own institution's records; anyone else only inside their region."""
    if actor.role is Role.LKS:
        if lks_id is None or lks_id != actor.subject:
            raise NotAccessible(f"this {kind} is not accessible to you")
        return
    require_access(actor, kind, object_id, region)


def _access(operation: Operation, kind: str, locate: Callable[[asyncpg.Pool, str], Awaitable[tuple]]):
    async def check(request: Request, pool: Pool, actor: Actor = Depends(authorized(operation))) -> Actor:
        object_id = next(iter(request.path_params.values()))
        lks_id, region = await locate(pool, object_id)
        require_owner_or_region(actor, kind, object_id, lks_id, region)
        return actor

    return Annotated[Actor, Depends(check)]


async def _institution(pool: asyncpg.Pool, lks_id: str) -> tuple[str | None, str | None]:
    region = await read_models.institution_region(pool, lks_id)
    return (lks_id if region is not None else None), region


async def _aid_proposal(pool: asyncpg.Pool, aid_proposal_id: str) -> tuple[str | None, str | None]:
    row = await read_models.aid_proposal_owner(pool, aid_proposal_id)
    return (row["lks_id"], row["region_code"]) if row else (None, None)


def institution_access(operation: Operation):
    """A dependency type: the actor, if they may perform `operation` on the institution the path names."""
    return _access(operation, "institution", _institution)


def aid_proposal_access(operation: Operation):
    """A dependency type: the actor, if they may perform `operation` on the aid proposal the path names."""
    return _access(operation, "aid proposal", _aid_proposal)


async def _monitoring_report(pool: asyncpg.Pool, report_id: str) -> tuple[str | None, str | None]:
    row = await read_models.report_owner(pool, report_id)
    return (row["lks_id"], row["region_code"]) if row else (None, None)


def monitoring_report_access(operation: Operation):
    """A dependency type: the actor, if they may perform `operation` on the report the path names."""
    return _access(operation, "monitoring report", _monitoring_report)
