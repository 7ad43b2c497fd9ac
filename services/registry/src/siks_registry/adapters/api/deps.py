"""What the registry's routes need, declared once: the pool, units of work, and who may touch which record."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import asyncpg
from fastapi import Depends, Path, Request
from siks_events.auth import Actor
from siks_events.model import Cause
from siks_events.permissions import Operation, require_access, scoped

from siks_registry.adapters.postgres import audit
from siks_registry.adapters.postgres.uow import PostgresRegistryUnitOfWork
from siks_registry.application import queries
from siks_registry.domain.errors import HouseholdNotFound, PersonNotFound


async def pool(request: Request) -> asyncpg.Pool:
    # async: FastAPI runs a plain `def` dependency in its thread pool, a thread handoff on every request.
    return request.app.state.runtime.pool


Pool = Annotated[asyncpg.Pool, Depends(pool)]


async def unit_of_work(request: Request) -> Callable[[Cause], PostgresRegistryUnitOfWork]:
    return lambda cause: PostgresRegistryUnitOfWork(request.app.state.runtime.pool, cause)


UnitOfWorkFactory = Annotated[Callable[[Cause], PostgresRegistryUnitOfWork], Depends(unit_of_work)]

HouseholdIdPath = Annotated[str, Path(max_length=100)]


async def region_of_person(pool: asyncpg.Pool, nik: str) -> str | None:
    """The region of the person's current record, or None if DTKS has no such NIK."""
    try:
        return (await queries.person(pool, nik))["region_code"]
    except PersonNotFound:
        return None


async def person_region(request: Request, nik: str) -> str | None:
    try:
        found = await queries.person(request.app.state.runtime.pool, nik)
    except PersonNotFound:
        return None
    # The route reads the same record next: it takes this one instead of asking PostgreSQL twice.
    request.state.person = found
    return found["region_code"]


async def person_read_for_scope(request: Request, nik: str) -> dict:
    """The person's record as the region check read it (or read now, for actors the check let through unread)."""
    found = getattr(request.state, "person", None)
    if found is not None and found["nik"] == nik:
        return found
    return await queries.person(request.app.state.runtime.pool, nik)


async def household_region(request: Request, household_id: str) -> str | None:
    try:
        return (await queries.household(request.app.state.runtime.pool, household_id)).region_code
    except HouseholdNotFound:
        return None


def household_in_scope(operation: Operation):
    return scoped(operation, "household", "household_id", household_region)


def person_in_scope(operation: Operation):
    return scoped(operation, "person", "nik", person_region)


async def audited(request: Request, actor: Actor, niks) -> None:
    """Record that the actor read these persons' data through this route (the route's template, never a NIK)."""
    route = getattr(request.scope.get("route"), "path", request.url.path)
    await audit.record_reads(request.app.state.runtime.pool, actor, niks, f"{request.method} {route}",
                             getattr(request.state, "request_id", None))


async def require_person(actor: Actor, pool: asyncpg.Pool, nik: str) -> None:
    """NotAccessible unless the person a request body names is in DTKS inside the actor's region."""
    require_access(actor, "person", nik, await region_of_person(pool, nik))
