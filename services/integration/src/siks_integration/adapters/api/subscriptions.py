"""Other government systems subscribe to event types (DCI subscribe/notify style) and are notified,
signed, at their callback; BPJS's notification log."""

from __future__ import annotations

import re
import uuid
from datetime import datetime

from fastapi import APIRouter, Query, Request, status
from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator
from siks_events import catalog
from siks_events.http import PageNumber, PageSize
from siks_events.model import RegionCode
from siks_events.sealing import SecretSealer

from siks_integration.adapters.api.deps import (
    BpjsReader,
    DeliveryReader,
    Pool,
    Subscriber,
    SubscriptionLister,
    SubscriptionReader,
    sees_every_subscription,
)
from siks_integration.adapters.postgres import subscriptions

router = APIRouter(tags=["subscriptions"])


def _states_what_is_checked(schema: dict) -> None:
    # The validators check these; stated in the schema, clients (and fuzzers) send what is accepted.
    schema["properties"]["event_types"]["items"]["enum"] = sorted(catalog.published_types())
    schema["properties"]["callback_url"]["pattern"] = CALLBACK_PATTERN


CALLBACK_PATTERN = r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~/%-]*)?$"
"""An http(s) URL with a host name or address, an optional port and a plain path."""


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra=_states_what_is_checked)

    subscriber: str = Field(min_length=1, max_length=100, description="the subscribing system")
    event_types: list[str] = Field(min_length=1, max_length=50)
    region_prefix: RegionCode | None = Field(None, description="only events in this region")
    callback_url: HttpUrl
    secret: str = Field(min_length=16, max_length=200, description="HMAC key for the X-Siks-Signature header")

    @field_validator("callback_url", mode="before")
    @classmethod
    def _plain_http_url(cls, url: object) -> object:
        if isinstance(url, str) and not re.match(CALLBACK_PATTERN, url):
            raise ValueError("an http(s) URL with a host, an optional port and a plain path")
        return url

    @field_validator("event_types")
    @classmethod
    def _known(cls, types: list[str]) -> list[str]:
        unknown = sorted(set(types) - set(catalog.published_types()))
        if unknown:
            raise ValueError(f"unknown event types: {', '.join(unknown)}")
        return types


class SubscriptionCreated(BaseModel):
    subscription_id: str


class Subscription(BaseModel):
    """A subscription as its owner (or an overseer) sees it; the secret is never shown."""

    subscription_id: str
    subscriber: str
    event_types: list[str]
    region_prefix: str
    callback_url: str
    owner: str = Field(description="the token subject that created it")
    created_at: datetime


class Attempt(BaseModel):
    attempt: int
    attempted_at: datetime
    status_code: int | None
    error: str | None


class Delivery(BaseModel):
    delivery_id: int
    event_id: str
    event_type: str
    status: str
    attempts: int
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    next_attempt_at: datetime
    attempt_log: list[Attempt] = []


async def _with_attempts(pool, rows) -> list[Delivery]:
    """Each delivery with every attempt made, oldest first (the delivery log)."""
    attempts = await pool.fetch(
        "SELECT * FROM delivery_attempts WHERE delivery_id = ANY($1::bigint[]) ORDER BY delivery_id, attempt",
        [r["delivery_id"] for r in rows])
    log: dict[int, list[Attempt]] = {}
    for a in attempts:
        log.setdefault(a["delivery_id"], []).append(Attempt(**{k: a[k] for k in Attempt.model_fields}))
    return [Delivery(**{k: r[k] for k in Delivery.model_fields if k != "attempt_log"},
                     attempt_log=log.get(r["delivery_id"], [])) for r in rows]


@router.post("/v1/subscriptions", status_code=status.HTTP_201_CREATED, response_model=SubscriptionCreated)
async def subscribe(body: SubscriptionIn, pool: Pool, actor: Subscriber, request: Request):
    """Receive every future event of these types at the callback, signed with the secret."""
    subscription_id = str(uuid.uuid4())
    sealer = SecretSealer.from_settings(request.app.state.settings)
    await subscriptions.add(pool, sealer, subscription_id=subscription_id, subscriber=body.subscriber,
                            event_types=body.event_types, region_prefix=body.region_prefix or "",
                            callback_url=str(body.callback_url), secret=body.secret, owner=actor.subject)
    return SubscriptionCreated(subscription_id=subscription_id)


@router.get("/v1/subscriptions", response_model=list[Subscription])
async def list_subscriptions(
    pool: Pool, actor: SubscriptionLister,
    page: PageNumber = 1, size: PageSize = 50,
):
    """The caller's own subscriptions (an overseer's view: everyone's), oldest first."""
    owner = None if sees_every_subscription(actor) else actor.subject
    rows = await subscriptions.listed(pool, owner=owner, limit=size, offset=(page - 1) * size)
    return [Subscription(**dict(row)) for row in rows]


@router.get("/v1/subscriptions/{subscription_id}", response_model=Subscription)
async def subscription(subscription_id: str, pool: Pool, actor: SubscriptionReader):
    """One subscription of the caller's own."""
    return Subscription(**dict(await subscriptions.get(pool, subscription_id)))


@router.get("/v1/subscriptions/{subscription_id}/deliveries", response_model=list[Delivery])
async def deliveries(
    subscription_id: str, pool: Pool, actor: DeliveryReader,
    missed: bool = Query(False, description="only what has not been delivered yet"),
    limit: int = Query(200, ge=1, le=5000),
):
    """The deliveries of a subscription of the caller's own; with `missed=true`, those still waiting to be
    acknowledged."""
    rows = await subscriptions.deliveries(pool, subscription_id, missed=missed, limit=limit)
    return await _with_attempts(pool, rows)


@router.get("/v1/bpjs/notifications", response_model=list[Delivery])
async def bpjs_notifications(pool: Pool, actor: BpjsReader, limit: int = Query(200, ge=1, le=5000)):
    """PBI JK membership changes sent (or waiting) for BPJS, with their attempts."""
    rows = await pool.fetch("SELECT * FROM outbound_deliveries WHERE kind = 'bpjs' ORDER BY delivery_id LIMIT $1",
                            limit)
    return await _with_attempts(pool, rows)
