"""What the registry's routes need, declared once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import asyncpg
from fastapi import Depends, Request
from siks_events.auth import Actor, CurrentActor, Role
from siks_events.model import Cause, Forbidden

from siks_registry.adapters.postgres.uow import PostgresRegistryUnitOfWork

WRITERS = {Role.VILLAGE_OPERATOR, Role.DISTRICT_OFFICE, Role.PROVINCE_OFFICE, Role.MINISTRY, Role.SYSTEM}
READERS = WRITERS | {Role.ENUMERATOR, Role.SUPERVISOR, Role.AUDITOR}


class RoleNotAllowed(Forbidden):
    """The actor's role may not do this."""

    code = "role-not-allowed"


class OutsideRegion(Forbidden):
    """The record lies outside the actor's region."""

    code = "outside-region"


def pool(request: Request) -> asyncpg.Pool:
    return request.app.state.runtime.pool


Pool = Annotated[asyncpg.Pool, Depends(pool)]


def require(actor: Actor, roles: set[Role]) -> None:
    if actor.role not in roles:
        raise RoleNotAllowed(f"role {actor.role.value} may not do this")


def require_region(actor: Actor, region_code: str) -> None:
    if not actor.covers(region_code):
        raise OutsideRegion(f"this record is in region {region_code}, outside your region {actor.region}")


async def reader(actor: CurrentActor) -> Actor:
    require(actor, READERS)
    return actor


async def writer(actor: CurrentActor) -> Actor:
    require(actor, WRITERS)
    return actor


Reader = Annotated[Actor, Depends(reader)]
Writer = Annotated[Actor, Depends(writer)]


def unit_of_work(request: Request) -> Callable[[Cause], PostgresRegistryUnitOfWork]:
    return lambda cause: PostgresRegistryUnitOfWork(request.app.state.runtime.pool, cause)


UnitOfWorkFactory = Annotated[Callable[[Cause], PostgresRegistryUnitOfWork], Depends(unit_of_work)]
