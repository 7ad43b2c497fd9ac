"""The DCI Social Registry endpoints under `/dci`, the JWKS that verifies our callbacks, and partner onboarding.

Every request needs a bearer token of a DCI partner (or our own system) whose subject is the header's
`sender_id`, from a partner onboarded with its public keys and callback base; its signature must verify
against those keys. Async requests are recorded and acknowledged (`ACK`); the DCI worker answers them
with a signed callback to the sender's URI (which must lie under the partner's callback base; without
one, `<callback base>/registry/on-search` and so on). Sync requests are answered signed in the response.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, model_validator
from siks_events.auth import Actor, Role
from siks_events.dci import (
    WELL_KNOWN_JWKS_PATH,
    Acknowledgement,
    AckStatus,
    CallbackHeader,
    DciRejected,
    DciRoute,
    Envelope,
    ErrorCode,
    HttpErrors,
    MessageHeader,
    NotifyEventRequest,
    RequestEnvelope,
    RequestStatus,
    SearchRequest,
    SearchResponse,
    SigningKey,
    SubscribeRequest,
    TxnStatusRequest,
    TxnStatusResponse,
    UnsubscribeRequest,
    callback_header,
    new_id,
    signed_answer,
    verify,
)
from siks_events.permissions import Operation, allowed_to
from siks_events.sealing import SecretSealer

from siks_registry.adapters.dci import answers, keys
from siks_registry.adapters.dci.delivery import CALLBACK_ACTION, callback_status
from siks_registry.adapters.dci.settings import DciSettings
from siks_registry.adapters.postgres import dci

BASE = "/dci"
router = APIRouter(prefix=BASE, tags=["dci"], route_class=DciRoute, responses={
    400: {"model": Acknowledgement, "description": "ERR: the message is malformed, unsigned or badly signed, or its"
                                                    " sender, receiver or callback URI is not valid"},
    401: {"model": HttpErrors, "description": "err.request.unauthorized: no valid bearer token"},
    403: {"model": HttpErrors, "description": "err.request.forbidden: the token's role may not do this"}})
onboarding = APIRouter(tags=["dci"])
jwks_router = APIRouter(tags=["dci"])

Searcher = allowed_to(Operation.DCI_SEARCH)
Subscriber = allowed_to(Operation.DCI_SUBSCRIBE)
Notifier = allowed_to(Operation.DCI_NOTIFY)
StatusReader = allowed_to(Operation.DCI_TXN_STATUS)
Onboarder = allowed_to(Operation.DCI_PARTNER_REGISTER)

_CALLBACK_PATH = {"search": "/registry/on-search", "subscribe": "/registry/on-subscribe",
                  "unsubscribe": "/registry/on-unsubscribe", "txn-status": "/registry/txn/on-status"}


def _settings(request: Request) -> DciSettings:
    """The DCI settings and the partners' key cache, made on the first DCI request of the app."""
    state = request.app.state
    if not hasattr(state, "dci_settings"):
        state.dci_settings = DciSettings()
        state.dci_partner_keys = keys.PartnerKeys()
    return state.dci_settings


async def _our_key(request: Request) -> SigningKey:
    state = request.app.state
    if getattr(state, "dci_signing_key", None) is None:
        state.dci_signing_key = await keys.signing_key(state.runtime.pool, SecretSealer.from_settings(state.settings),
                                                       _settings(request).sender_id)
    return state.dci_signing_key


async def _received(request: Request, actor: Actor, header: MessageHeader, action: str) -> tuple[dict, dict, str]:
    """Check who sent the message and its signature: (the body as received, the partner, where answers go)."""
    settings = _settings(request)
    pool = request.app.state.runtime.pool
    if header.action != action:
        raise DciRejected(ErrorCode.REQUEST_BAD, f"rjct.action.invalid: this endpoint takes action {action!r}")
    if header.is_msg_encrypted:
        raise DciRejected(ErrorCode.ENCRYPTION_INVALID, "encrypted messages are not accepted; send it signed")
    if header.receiver_id and header.receiver_id != settings.sender_id:
        raise DciRejected(ErrorCode.RECEIVER_ID_INVALID, f"this registry is {settings.sender_id!r}")
    if header.total_count > settings.max_batch:
        raise DciRejected(ErrorCode.REQUEST_BAD, f"rjct.total_count.limit_exceeded: at most {settings.max_batch}")
    partner = await dci.partner(pool, header.sender_id)
    if partner is None or (actor.subject != header.sender_id and actor.role is not Role.SYSTEM):
        raise DciRejected(ErrorCode.SENDER_ID_INVALID, "the sender is not an onboarded partner holding this token")
    body = await request.json()
    verify(body.get("signature"), body["header"], body.get("message"), await request.app.state.dci_partner_keys.of(partner))
    base = partner["callback_base"].rstrip("/")
    reply_to = header.sender_uri or base + _CALLBACK_PATH.get(action, "")
    if not reply_to.startswith(base + "/") and reply_to != base:
        raise DciRejected(ErrorCode.SENDER_URI_INVALID, "sender_uri must lie under the partner's registered callback base")
    return body, partner, reply_to


async def _accept(request: Request, actor: Actor, header: MessageHeader, transaction_id: str,
                  action: str) -> Acknowledgement:
    """Record an async request for the worker and acknowledge it."""
    body, _, reply_to = await _received(request, actor, header, action)
    correlation_id = new_id()
    stored = await dci.open_transaction(
        request.app.state.runtime.pool, correlation_id=correlation_id, sender_id=header.sender_id,
        message_id=header.message_id, transaction_id=transaction_id, action=action, reply_to=reply_to,
        actor_region=actor.region, request={"header": body["header"], "message": body.get("message")}, answer=None,
        status=RequestStatus.PENDING.value)
    if not stored:
        raise DciRejected(ErrorCode.REQUEST_BAD, "rjct.message_id.duplicate: this message id was already received")
    return Acknowledgement.of(AckStatus.ACK, correlation_id)


async def _answer_now(request: Request, actor: Actor, header: MessageHeader, transaction_id: str, action: str,
                      compute) -> JSONResponse:
    """Answer a sync request in the response, signed, and keep the answer for txn/status."""
    settings = _settings(request)
    body, partner, _ = await _received(request, actor, header, action)
    pool = request.app.state.runtime.pool
    correlation_id = new_id()
    # received (not pending: the worker answers only async requests), so a repeated message id reads nothing
    stored = await dci.open_transaction(
        pool, correlation_id=correlation_id, sender_id=header.sender_id, message_id=header.message_id,
        transaction_id=transaction_id, action=action, reply_to=None, actor_region=actor.region,
        request={"header": body["header"], "message": body.get("message")}, answer=None,
        status=RequestStatus.RECEIVED.value)
    if not stored:
        raise DciRejected(ErrorCode.REQUEST_BAD, "rjct.message_id.duplicate: this message id was already received")
    message = await compute(pool, correlation_id, partner)
    state, done = callback_status(message)
    await dci.answer_transaction(pool, correlation_id, message.wire(), state.value)
    reply = callback_header(header, action=CALLBACK_ACTION[action], status=state, sender_id=settings.sender_id,
                            completed_count=done)
    return JSONResponse(signed_answer(await _our_key(request), reply, message))


SearchBody = RequestEnvelope[SearchRequest]
SubscribeBody = RequestEnvelope[SubscribeRequest]
UnsubscribeBody = RequestEnvelope[UnsubscribeRequest]
StatusBody = RequestEnvelope[TxnStatusRequest]
SearchAnswer = {200: {"model": Envelope[CallbackHeader, SearchResponse], "description": "signed on-search"}}
StatusAnswer = {200: {"model": Envelope[CallbackHeader, TxnStatusResponse], "description": "signed txn-on-status"}}


@router.post("/registry/search", response_model=Acknowledgement, response_model_exclude_none=True)
async def search(body: SearchBody, actor: Searcher, request: Request):
    """Search DTKS (async): acknowledged now, the records follow in a signed `on-search` callback."""
    return await _accept(request, actor, body.header, body.message.transaction_id, "search")


@router.post("/registry/sync/search", responses=SearchAnswer)
async def sync_search(body: SearchBody, actor: Searcher, request: Request) -> JSONResponse:
    """Search DTKS and get the records in the response (`on-search`, signed)."""

    async def compute(pool, correlation_id, partner):
        return await answers.search(pool, body.message, correlation_id=correlation_id,
                                    partner=answers.partner_actor(body.header.sender_id, actor.region),
                                    disclose=partner["disclose"], route="POST /dci/registry/sync/search")

    return await _answer_now(request, actor, body.header, body.message.transaction_id, "search", compute)


@router.post("/registry/subscribe", response_model=Acknowledgement, response_model_exclude_none=True)
async def subscribe(body: SubscribeBody, actor: Subscriber, request: Request):
    """Subscribe to DTKS events (REGISTER, NewHouseHoldMember, UpdateHouseHoldMember, RemoveHouseHoldMember,
    DEATH); `frequency.start_time` in the past also delivers what happened since then. The subscription
    codes come in a signed `on-subscribe` callback, the events as `notify` to `<callback base>/registry/notify`."""
    return await _accept(request, actor, body.header, body.message.transaction_id, "subscribe")


@router.post("/registry/unsubscribe", response_model=Acknowledgement, response_model_exclude_none=True)
async def unsubscribe(body: UnsubscribeBody, actor: Subscriber, request: Request):
    """End subscriptions by code; the outcome comes in a signed `on-unsubscribe` callback."""
    return await _accept(request, actor, body.header, body.message.transaction_id, "unsubscribe")


@router.post("/registry/txn/status", response_model=Acknowledgement, response_model_exclude_none=True)
async def txn_status(body: StatusBody, actor: StatusReader, request: Request):
    """The status (and answer) of an earlier transaction of the sender, in a signed `txn-on-status` callback."""
    return await _accept(request, actor, body.header, body.message.transaction_id, "txn-status")


@router.post("/registry/sync/txn/status", responses=StatusAnswer)
async def sync_txn_status(body: StatusBody, actor: StatusReader, request: Request) -> JSONResponse:
    """The status (and answer) of an earlier transaction of the sender, in the response."""

    async def compute(pool, correlation_id, partner):
        return await answers.txn_status(pool, body.message, correlation_id=correlation_id,
                                        sender_id=body.header.sender_id)

    return await _answer_now(request, actor, body.header, body.message.transaction_id, "txn-status", compute)


@router.post("/registry/notify", response_model=Acknowledgement, response_model_exclude_none=True)
async def notify(body: Envelope[CallbackHeader, NotifyEventRequest], actor: Notifier, request: Request):
    """A partner registry's event notification: checked and acknowledged NACK (no callback follows).

    DTKS changes only through its own rules; vital events from a CRVS registry reach it through the
    integration service's DCI CRVS client, which turns them into Dukcapil reports."""
    given = body.header
    header = MessageHeader(message_id=given.message_id, message_ts=given.message_ts, action=given.action,
                           sender_id=given.sender_id or "", receiver_id=given.receiver_id,
                           total_count=given.total_count or 1, is_msg_encrypted=given.is_msg_encrypted)
    await _received(request, actor, header, "notify")
    return Acknowledgement.of(AckStatus.NACK, new_id())


@jwks_router.get(WELL_KNOWN_JWKS_PATH, summary="The public keys that verify the registry's DCI signatures (RFC 7517)")
async def jwks(request: Request) -> dict:
    return (await _our_key(request)).jwks()


class JwksIn(BaseModel):
    """A JSON Web Key Set (RFC 7517); its Ed25519 signing keys are the ones used."""

    keys: list[dict[str, Any]] = Field(min_length=1)


class PartnerIn(BaseModel):
    """A DCI partner's onboarding: where its callbacks go, its public keys, and what it may see."""

    sender_id: Annotated[str, Field(min_length=1, max_length=200)]
    """The partner's DCI `sender_id`; its bearer tokens carry it as their subject."""
    callback_base: Annotated[str, Field(pattern=r"^https?://[^\s]+$", max_length=500)]
    # absent rather than null: the schema then says exactly "one of the two is given" (anyOf below)
    jwks: JwksIn = None  # type: ignore[assignment]
    jwks_url: Annotated[str, Field(pattern=r"^https?://[^\s]+$", max_length=500)] = None  # type: ignore[assignment]
    disclose: list[Literal["welfare", "programmes"]] = Field(
        default_factory=list, description="what it may see beyond identity and demographics")

    model_config = ConfigDict(json_schema_extra={"anyOf": [{"required": ["jwks"]}, {"required": ["jwks_url"]}]})

    @model_validator(mode="after")
    def _keys_given(self) -> PartnerIn:
        if not self.jwks and not self.jwks_url:
            raise ValueError("give the partner's jwks or jwks_url")
        return self


@onboarding.put("/v1/dci/partners", status_code=status.HTTP_204_NO_CONTENT)
async def register_partner(body: PartnerIn, actor: Onboarder, request: Request) -> None:
    """Onboard (or update) a DCI partner; its token subject must be `sender_id`, its region is its token's."""
    await dci.save_partner(request.app.state.runtime.pool, sender_id=body.sender_id, callback_base=body.callback_base,
                           jwks=body.jwks.model_dump() if body.jwks else None, jwks_url=body.jwks_url,
                           disclose=body.disclose, registered_by=actor.subject)
