"""What the integration routes need, declared once: the pool and who may call what.

Dukcapil reports, subscriptions and BPJS notifications are national data (NIKs from anywhere), so only an
actor of national scope reaches them: a regional actor gets the same 403 whether or not the object exists,
checked before anything is looked up; a national actor may learn that a report does not exist (404).
"""

from __future__ import annotations

from typing import Annotated

import asyncpg
from fastapi import Depends, Request
from siks_events.auth import Actor
from siks_events.permissions import Operation, allowed_to, authorized, require_access

NATIONAL = ""
"""The region code of national data: `Actor.covers` it only with national scope."""


def pool(request: Request) -> asyncpg.Pool:
    return request.app.state.runtime.pool


Pool = Annotated[asyncpg.Pool, Depends(pool)]


def national(operation: Operation, kind: str):
    """A dependency type: the actor, if they may perform `operation` and their scope is national."""

    async def check(actor: Actor = Depends(authorized(operation))) -> Actor:
        require_access(actor, kind, "", NATIONAL)
        return actor

    return Annotated[Actor, Depends(check)]


DukcapilSender = allowed_to(Operation.DUKCAPIL_REPORT_SUBMIT)
ReportReader = national(Operation.DUKCAPIL_REPORT_READ, "report")
NikChecker = allowed_to(Operation.NIK_CHECK)
Subscriber = allowed_to(Operation.SUBSCRIPTION_CREATE)
DeliveryReader = national(Operation.DELIVERY_READ, "subscription")
BpjsReader = national(Operation.BPJS_NOTIFICATION_READ, "notification")
