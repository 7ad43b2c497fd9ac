"""What the integration routes need, declared once: the pool and who may call what.

Dukcapil reports, subscriptions and BPJS notifications are national data (NIKs from anywhere), so only an
actor of national scope reaches them: a regional actor gets the same 403 whether or not the object exists,
checked before anything is looked up; a national actor may learn that a report does not exist (404).
"""

from __future__ import annotations

from typing import Annotated

import asyncpg
from fastapi import Depends, Request
from siks_events.auth import Actor, Role
from siks_events.permissions import NotAccessible, Operation, allowed_to, authorized, require_access

from siks_integration.adapters.postgres import subscriptions
from siks_integration.domain.errors import SubscriptionNotFound

SEES_EVERY_SUBSCRIPTION = frozenset({Role.MINISTRY, Role.SYSTEM, Role.AUDITOR})
"""Roles that oversee every subscriber; a subscriber (BPJS, a DCI partner) sees only what its subject owns."""

NATIONAL = ""
"""The region code of national data: `Actor.covers` it only with national scope."""


async def pool(request: Request) -> asyncpg.Pool:
    return request.app.state.runtime.pool


Pool = Annotated[asyncpg.Pool, Depends(pool)]


def national(operation: Operation, kind: str):
    """A dependency type: the actor, if they may perform `operation` and their scope is national."""

    async def check(actor: Actor = Depends(authorized(operation))) -> Actor:
        require_access(actor, kind, "", NATIONAL)
        return actor

    return Annotated[Actor, Depends(check)]


def sees_every_subscription(actor: Actor) -> bool:
    return actor.role in SEES_EVERY_SUBSCRIPTION


def own_subscription(operation: Operation):
    """A dependency type: the actor, if they may perform `operation` on the path's subscription.

    A subscriber gets one 403 for another's subscription and for a missing one (no existence oracle);
    an overseer, who could list them all anyway, is told 404 for a missing one.
    """

    async def check(subscription_id: str, pool: Pool, actor: Actor = Depends(authorized(operation))) -> Actor:
        require_access(actor, "subscription", "", NATIONAL)
        owner = await subscriptions.find_owner(pool, subscription_id)
        if sees_every_subscription(actor):
            if owner is None:
                raise SubscriptionNotFound(f"no subscription {subscription_id}")
        elif owner is None or owner != actor.subject:
            raise NotAccessible("this subscription is not accessible to you")
        return actor

    return Annotated[Actor, Depends(check)]


DukcapilSender = allowed_to(Operation.DUKCAPIL_REPORT_SUBMIT)
ReportReader = national(Operation.DUKCAPIL_REPORT_READ, "report")
NikChecker = allowed_to(Operation.NIK_CHECK)
Subscriber = allowed_to(Operation.SUBSCRIPTION_CREATE)
DeliveryReader = own_subscription(Operation.DELIVERY_READ)
SubscriptionReader = own_subscription(Operation.SUBSCRIPTION_READ)
SubscriptionLister = national(Operation.SUBSCRIPTION_READ, "subscription")
BpjsReader = national(Operation.BPJS_NOTIFICATION_READ, "notification")
