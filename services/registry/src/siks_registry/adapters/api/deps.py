"""What the registry's routes need, declared once: the pool, units of work, and who may touch which record."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import asyncpg
from fastapi import Depends, Path, Request
from siks_events.auth import Actor
from siks_events.model import Cause, Nik
from siks_events.permissions import Operation, authorized, require_access

from siks_registry.adapters.postgres.uow import PostgresRegistryUnitOfWork
from siks_registry.application import queries
from siks_registry.domain.errors import HouseholdNotFound, PersonNotFound


def pool(request: Request) -> asyncpg.Pool:
    return request.app.state.runtime.pool


Pool = Annotated[asyncpg.Pool, Depends(pool)]


def unit_of_work(request: Request) -> Callable[[Cause], PostgresRegistryUnitOfWork]:
    return lambda cause: PostgresRegistryUnitOfWork(request.app.state.runtime.pool, cause)


UnitOfWorkFactory = Annotated[Callable[[Cause], PostgresRegistryUnitOfWork], Depends(unit_of_work)]

HouseholdIdPath = Annotated[str, Path(max_length=100)]


async def person_region(pool: asyncpg.Pool, nik: str) -> str | None:
    """The region of the person's current record, or None if DTKS has no such NIK."""
    try:
        return (await queries.person(pool, nik))["region_code"]
    except PersonNotFound:
        return None


async def household_region(pool: asyncpg.Pool, household_id: str) -> str | None:
    try:
        return (await queries.household(pool, household_id)).region_code
    except HouseholdNotFound:
        return None


def household_in_scope(operation: Operation):
    """A dependency type: the actor, if they may perform `operation` and the household lies in their region.

    Checked before the request body is read, so an invalid body cannot tell an outsider more than the 403 does.
    """

    async def check(household_id: HouseholdIdPath, pool: Pool, actor: Actor = Depends(authorized(operation))) -> Actor:
        require_access(actor, "household", household_id, await household_region(pool, household_id))
        return actor

    return Annotated[Actor, Depends(check)]


def person_in_scope(operation: Operation):
    """A dependency type: the actor, if they may perform `operation` and the person (path `nik`) is in their region."""

    async def check(nik: Nik, pool: Pool, actor: Actor = Depends(authorized(operation))) -> Actor:
        require_access(actor, "person", nik, await person_region(pool, nik))
        return actor

    return Annotated[Actor, Depends(check)]


async def require_person(actor: Actor, pool: asyncpg.Pool, nik: str) -> None:
    """NotAccessible unless the person named in a request body is in DTKS inside the actor's region."""
    require_access(actor, "person", nik, await person_region(pool, nik))
