"""What the verification routes need, declared once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from siks_events.auth import Actor, CurrentActor
from siks_events.blobs import BlobStore, blob_store_from
from siks_events.model import Cause
from siks_events.permissions import Operation, authorize

from siks_verification.adapters.postgres.read_models import PostgresReadModel
from siks_verification.adapters.postgres.uow import PostgresVerificationUnitOfWork


def allowed_to(operation: Operation):
    """A dependency type: the verified actor, if the permission table lets their role perform `operation`."""

    async def check(actor: CurrentActor) -> Actor:
        return authorize(actor, operation)

    return Annotated[Actor, Depends(check)]


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
