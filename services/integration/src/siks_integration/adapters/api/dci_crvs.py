"""Dukcapil's civil registry reaches us over the DCI CRVS API: its vital events (`registry/notify`) and its
answers to our subscriptions (`registry/on-subscribe`, `registry/on-unsubscribe`).

Each message must come from the configured registry, signed with one of its published keys, and with
a bearer token of the Dukcapil system account. A notified death or change of address goes through the
same handler as Dukcapil's own endpoints and inbound topic, so the same certificate is one report
however often and however it arrives. A notification is taken whole or not at all: if any of its
events cannot become a report, it is answered ERR (`err.request.bad`) naming each event's reason and
nothing is applied, as a consumer dead-letters what it has no rule for instead of acknowledging it.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from pydantic import BaseModel
from siks_events.catalog.dukcapil import DukcapilDeathRecorded
from siks_events.dci import (
    WELL_KNOWN_JWKS_PATH,
    Acknowledgement,
    AckStatus,
    CallbackHeader,
    DciRejected,
    DciRoute,
    Envelope,
    ErrorCode,
    MessageHeader,
    NotifyEventRequest,
    RequestStatus,
    SubscribeResponse,
    SubscriptionStatus,
    UnsubscribeResponse,
    new_id,
)
from siks_events.http import cause_for
from siks_events.permissions import Operation, allowed_to
from siks_events.sealing import SecretSealer

from siks_integration.adapters.api.deps import Pool, national
from siks_integration.adapters.dci_crvs.client import check_sender, signing_key
from siks_integration.adapters.dci_crvs.vital_events import Untranslatable, translate
from siks_integration.adapters.postgres import crvs_subscriptions
from siks_integration.adapters.postgres.crvs_subscriptions import Standing
from siks_integration.adapters.postgres.uow import PostgresIntegrationUnitOfWork
from siks_integration.application import handlers
from siks_integration.settings import CrvsSettings

router = APIRouter(prefix="/v1/dci/crvs", tags=["dci-crvs"], route_class=DciRoute)
status_router = APIRouter(prefix="/v1/dci/crvs", tags=["dci-crvs"])
jwks_router = APIRouter(tags=["dci-crvs"])
log = logging.getLogger("siks.integration.dci-crvs")

CrvsRegistry = allowed_to(Operation.DUKCAPIL_REPORT_SUBMIT)
"""The civil registry is Dukcapil's system account, whichever way its reports come."""
SubscriptionsReader = national(Operation.DUKCAPIL_REPORT_READ, "subscription")

Header = CallbackHeader | MessageHeader
"""The standard gives `notify` and the callbacks the callback header; a plain request header is taken too."""


async def _from_the_registry(request: Request, action: str, header: Header) -> None:
    await check_sender(await request.json(), CrvsSettings())
    if header.action != action:
        raise DciRejected(ErrorCode.REQUEST_BAD, f"header.action is {header.action!r} where {action!r} is posted")


@router.post("/registry/notify", response_model=Acknowledgement, response_model_exclude_none=True)
async def notify(body: Envelope[Header, NotifyEventRequest], actor: CrvsRegistry, pool: Pool, request: Request):
    """Vital events of the civil registry: each death or change of address becomes Dukcapil's report."""
    await _from_the_registry(request, "notify", body.header)
    events = body.message.notify_event if body.message else []
    if not events:
        raise DciRejected(ErrorCode.REQUEST_BAD, "the message notifies no event (notify_event is empty)")
    reports, refused = [], []
    for event in events:
        try:
            reports.append(translate(event))
        except Untranslatable as exc:
            refused.append(str(exc))
    if refused:
        log.info("CRVS notification refused", extra={"message_id": body.header.message_id, "reasons": refused})
        raise DciRejected(ErrorCode.REQUEST_BAD, "not applied, because of notify_event " + "; ".join(refused))
    for report in reports:
        death = isinstance(report, DukcapilDeathRecorded)
        cause = cause_for(request, actor, "ReportDeath" if death else "ReportDomicileMove")
        handle = handlers.handle_death_recorded if death else handlers.handle_move_recorded
        # A fresh unit of work per try: two copies of one report may race (see handlers.retrying_races).
        await handlers.retrying_races(
            lambda report=report, handle=handle, cause=cause: handle(report, PostgresIntegrationUnitOfWork(pool, cause)))
    return Acknowledgement.of(AckStatus.ACK, new_id())


@router.post("/registry/on-subscribe", response_model=Acknowledgement, response_model_exclude_none=True)
async def on_subscribe(body: Envelope[Header, SubscribeResponse], actor: CrvsRegistry, pool: Pool,
                       request: Request):
    """The registry's answer to our subscription: a subscription code per vital event, or the reason it refused."""
    await _from_the_registry(request, "on-subscribe", body.header)
    answers = body.message.subscribe_response if body.message else []
    unknown = []
    for answer in answers:
        if answer.status in (RequestStatus.RECEIVED, RequestStatus.PENDING):
            continue  # not decided yet: another on-subscribe follows
        confirmed = answer.status == RequestStatus.SUCCEEDED and answer.subscriptions
        reason = None if confirmed else " ".join(
            filter(None, (answer.status_reason_code, answer.status_reason_message))) or "rejected without a reason"
        known = await crvs_subscriptions.answered(
            pool, reference_id=answer.reference_id, standing=Standing.SUBSCRIBED if confirmed else Standing.REJECTED,
            code=answer.subscriptions[0].code if confirmed else None, reason=reason)
        if not known:
            unknown.append(answer.reference_id)
    if unknown and len(unknown) == len(answers):
        raise DciRejected(ErrorCode.REQUEST_BAD, f"we sent no subscription request with reference_id {unknown[0]}")
    return Acknowledgement.of(AckStatus.ACK, new_id())


@router.post("/registry/on-unsubscribe", response_model=Acknowledgement, response_model_exclude_none=True)
async def on_unsubscribe(body: Envelope[Header, UnsubscribeResponse], actor: CrvsRegistry, pool: Pool,
                         request: Request):
    """The registry ended subscriptions of ours."""
    await _from_the_registry(request, "on-unsubscribe", body.header)
    if body.message is not None:
        await crvs_subscriptions.ended(pool, [s.code for s in body.message.subscription_status
                                              if s.status == SubscriptionStatus.UNSUBSCRIBED])
    return Acknowledgement.of(AckStatus.ACK, new_id())


class CrvsSubscriptionPublic(BaseModel):
    reference_id: str
    reg_event_type: str
    status: Standing
    code: str | None
    reason: str | None


@status_router.get("/subscriptions", response_model=list[CrvsSubscriptionPublic])
async def list_subscriptions(pool: Pool, actor: SubscriptionsReader):
    """Our subscriptions to the civil registry's vital events, oldest first, as it answered them."""
    return [CrvsSubscriptionPublic(**dict(row)) for row in await crvs_subscriptions.listed(pool)]


@jwks_router.get(WELL_KNOWN_JWKS_PATH, summary="The public keys that verify our DCI requests to the civil registry")
async def jwks(pool: Pool, request: Request) -> dict:
    """Our signing key's public half (RFC 7517), for the CRVS registry to check our subscriptions with."""
    return (await signing_key(pool, CrvsSettings(), SecretSealer.from_settings(request.app.state.settings))).jwks()
