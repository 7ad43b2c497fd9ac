"""What the integration routes need, declared once."""

from __future__ import annotations

from typing import Annotated

import asyncpg
from fastapi import Depends, Request
from siks_events.auth import Actor, CurrentActor, Role
from siks_events.model import Forbidden

DUKCAPIL_SENDERS = {Role.DUKCAPIL, Role.SYSTEM}
REPORT_READERS = DUKCAPIL_SENDERS | {Role.MINISTRY, Role.PROVINCE_OFFICE, Role.DISTRICT_OFFICE, Role.AUDITOR}
SUBSCRIBERS = {Role.SYSTEM, Role.MINISTRY, Role.BPJS}
NIK_CHECKERS = {Role.SYSTEM, Role.MINISTRY, Role.PROVINCE_OFFICE, Role.DISTRICT_OFFICE, Role.VILLAGE_OPERATOR,
                Role.ENUMERATOR, Role.SUPERVISOR, Role.LKS}


class RoleNotAllowed(Forbidden):
    """The actor's role may not do this."""

    code = "role-not-allowed"


def pool(request: Request) -> asyncpg.Pool:
    return request.app.state.runtime.pool


Pool = Annotated[asyncpg.Pool, Depends(pool)]


def role_in(roles: set[Role]):
    async def check(actor: CurrentActor) -> Actor:
        if actor.role not in roles:
            raise RoleNotAllowed(f"role {actor.role.value} may not do this")
        return actor

    return Annotated[Actor, Depends(check)]


DukcapilSender = role_in(DUKCAPIL_SENDERS)
ReportReader = role_in(REPORT_READERS)
Subscriber = role_in(SUBSCRIBERS)
NikChecker = role_in(NIK_CHECKERS)
