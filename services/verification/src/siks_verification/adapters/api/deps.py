"""What the verification routes need, declared once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Path, Request
from siks_events.auth import Actor
from siks_events.blobs import BlobStore, blob_store_from
from siks_events.model import Cause
from siks_events.permissions import NotAccessible, Operation, authorized, named_region, scoped

from siks_verification.adapters.postgres.read_models import PostgresReadModel
from siks_verification.adapters.postgres.uow import PostgresVerificationUnitOfWork


async def read_model(request: Request) -> PostgresReadModel:
    return PostgresReadModel(request.app.state.runtime.pool)


async def unit_of_work(request: Request) -> Callable[[Cause], PostgresVerificationUnitOfWork]:
    return lambda cause: PostgresVerificationUnitOfWork(request.app.state.runtime.pool, cause)


async def blob_store(request: Request) -> BlobStore:
    """The one store of this app, built from its settings on first use."""
    state = request.app.state
    if getattr(state, "blobs", None) is None:
        state.blobs = blob_store_from(state.settings)
    return state.blobs


Reads = Annotated[PostgresReadModel, Depends(read_model)]
UnitOfWorkFactory = Annotated[Callable[[Cause], PostgresVerificationUnitOfWork], Depends(unit_of_work)]
Blobs = Annotated[BlobStore, Depends(blob_store)]


ObjectId = Annotated[str, Path(max_length=100)]


async def entry_region(request: Request, entry_id: str) -> str | None:
    found = await (await read_model(request)).entry(entry_id)
    return found["region_code"] if found else None


async def visit_region(request: Request, visit_id: str) -> str | None:
    found = await (await read_model(request)).visit(visit_id)
    return found["region_code"] if found else None


def region_in_scope(operation: Operation):
    return scoped(operation, "region", "region_code", named_region)


def entry_in_scope(operation: Operation):
    return scoped(operation, "prelist entry", "entry_id", entry_region)


def visit_in_scope(operation: Operation):
    return scoped(operation, "visit", "visit_id", visit_region)


def photo_in_scope(operation: Operation):
    """A dependency type: the actor, if they may perform `operation` and a visit in their region used the photo."""

    async def check(sha256: Annotated[str, Path(max_length=64)], reads: Reads,
                    actor: Actor = Depends(authorized(operation))) -> Actor:
        if not any(actor.covers(region) for region in await reads.photo_regions(sha256)):
            raise NotAccessible("this photo is not accessible to you")
        return actor

    return Annotated[Actor, Depends(check)]
