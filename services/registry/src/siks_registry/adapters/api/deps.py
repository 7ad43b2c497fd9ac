"""What the registry's routes need, declared once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import asyncpg
from fastapi import Depends, Request
from siks_events.auth import Actor, Role, role_in
from siks_events.model import Cause

from siks_registry.adapters.postgres.uow import PostgresRegistryUnitOfWork
from siks_registry.domain.errors import OutsideRegion

WRITERS = {Role.VILLAGE_OPERATOR, Role.DISTRICT_OFFICE, Role.PROVINCE_OFFICE, Role.MINISTRY, Role.SYSTEM}
READERS = WRITERS | {Role.ENUMERATOR, Role.SUPERVISOR, Role.AUDITOR}


def pool(request: Request) -> asyncpg.Pool:
    return request.app.state.runtime.pool


Pool = Annotated[asyncpg.Pool, Depends(pool)]


def require_region(actor: Actor, region_code: str) -> None:
    if not actor.covers(region_code):
        raise OutsideRegion(f"this record is in region {region_code}, outside your region {actor.region}",
                            field="region_code")


Reader = role_in(READERS)
Writer = role_in(WRITERS)


def unit_of_work(request: Request) -> Callable[[Cause], PostgresRegistryUnitOfWork]:
    return lambda cause: PostgresRegistryUnitOfWork(request.app.state.runtime.pool, cause)


UnitOfWorkFactory = Annotated[Callable[[Cause], PostgresRegistryUnitOfWork], Depends(unit_of_work)]
