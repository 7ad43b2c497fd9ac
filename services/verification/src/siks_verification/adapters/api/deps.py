"""What the verification routes need, declared once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Path, Request
from siks_events.auth import Actor
from siks_events.blobs import BlobStore, blob_store_from
from siks_events.model import Cause, RegionCode
from siks_events.permissions import NotAccessible, Operation, authorized, require_access

from siks_verification.adapters.postgres.read_models import PostgresReadModel
from siks_verification.adapters.postgres.uow import PostgresVerificationUnitOfWork


def read_model(request: Request) -> PostgresReadModel:
    return PostgresReadModel(request.app.state.runtime.pool)


def unit_of_work(request: Request) -> Callable[[Cause], PostgresVerificationUnitOfWork]:
    return lambda cause: PostgresVerificationUnitOfWork(request.app.state.runtime.pool, cause)


def blob_store(request: Request) -> BlobStore:
    """The one store of this app, built from its settings on first use."""
    state = request.app.state
    if getattr(state, "blobs", None) is None:
        state.blobs = blob_store_from(state.settings)
    return state.blobs


Reads = Annotated[PostgresReadModel, Depends(read_model)]
UnitOfWorkFactory = Annotated[Callable[[Cause], PostgresVerificationUnitOfWork], Depends(unit_of_work)]
Blobs = Annotated[BlobStore, Depends(blob_store)]


ObjectId = Annotated[str, Path(max_length=100)]


def region_in_scope(operation: Operation):
    """A dependency type: the actor, if they may perform `operation` in the region (path `region_code`) of theirs."""

    async def check(region_code: RegionCode, actor: Actor = Depends(authorized(operation))) -> Actor:
        require_access(actor, "region", region_code, region_code)
        return actor

    return Annotated[Actor, Depends(check)]


def entry_in_scope(operation: Operation):
    """A dependency type: the actor, if they may perform `operation` and the prelist entry lies in their region.

    Checked before the request body is read; a missing entry gets the same 403 as one elsewhere.
    """

    async def check(entry_id: ObjectId, reads: Reads, actor: Actor = Depends(authorized(operation))) -> Actor:
        found = await reads.entry(entry_id)
        require_access(actor, "prelist entry", entry_id, found["region_code"] if found else None)
        return actor

    return Annotated[Actor, Depends(check)]


def visit_in_scope(operation: Operation):
    """A dependency type: the actor, if they may perform `operation` and the visit lies in their region."""

    async def check(visit_id: ObjectId, reads: Reads, actor: Actor = Depends(authorized(operation))) -> Actor:
        found = await reads.visit(visit_id)
        require_access(actor, "visit", visit_id, found["region_code"] if found else None)
        return actor

    return Annotated[Actor, Depends(check)]


def photo_in_scope(operation: Operation):
    """A dependency type: the actor, if they may perform `operation` and a visit in their region used the photo."""

    async def check(sha256: Annotated[str, Path(max_length=64)], reads: Reads,
                    actor: Actor = Depends(authorized(operation))) -> Actor:
        if not any(actor.covers(region) for region in await reads.photo_regions(sha256)):
            raise NotAccessible("this photo is not accessible to you")
        return actor

    return Annotated[Actor, Depends(check)]
