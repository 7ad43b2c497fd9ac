"""A stand-in for Dukcapil's civil registry speaking the DCI CRVS API, for the embedded stack and tests.

It takes signed subscriptions from our integration service (the one subscriber it knows: our
`client_id`, checked against our own signing key), confirms them with a signed `on-subscribe`, and on
`POST /v1/simulators/dci-crvs/vital-events` notifies every subscriber of that event type with a
signed `notify`, as the real registry would when it registers a death. Its key lives in memory and
is published at its `/.well-known/jwks.json`; it authenticates to us with a Dukcapil token from the
local issuer whose public key the service trusts. Mounted only with `SIKS_SIMULATORS=1`.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx
from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from pydantic_core import to_jsonable_python
from siks_events.auth import LocalIssuer, Role
from siks_events.dci import (
    WELL_KNOWN_JWKS_PATH,
    Acknowledgement,
    AckStatus,
    DciRejected,
    DciRoute,
    Envelope,
    ErrorCode,
    Jwks,
    MessageHeader,
    RequestStatus,
    SigningKey,
    SubscribeReasonCode,
    SubscribeRequest,
    UnsubscribeRequest,
    callback_header,
    new_id,
    now,
    signed_answer,
    verify,
)
from siks_events.sealing import SecretSealer

from siks_integration.adapters.dci_crvs.client import signing_key
from siks_integration.adapters.dci_crvs.person import CIVIL_REGISTRY, PERSON_RECORD
from siks_integration.adapters.postgres import crvs_subscriptions
from siks_integration.adapters.postgres.crvs_subscriptions import Standing
from siks_integration.settings import CrvsSettings

router = APIRouter(prefix="/v1/simulators/dci-crvs", tags=["simulators"], route_class=DciRoute)
log = logging.getLogger("siks.integration.simulators")

VITAL_EVENTS = {"live_birth", "death", "fetal_death", "marriage", "divorce", "adoption", "change_of_address"}
"""The standard's vital events (`VitalEvents`), and the change of address Dukcapil records as well."""


@dataclass
class Subscription:
    code: str
    reg_event_type: str
    subscriber: str
    sender_uri: str


@dataclass
class SimulatedRegistry:
    """What the stand-in remembers while the process runs."""

    key: SigningKey
    subscriptions: dict[str, Subscription] = field(default_factory=dict)
    callbacks: set[asyncio.Task] = field(default_factory=set)


async def _registry(request: Request) -> SimulatedRegistry:
    state = request.app.state
    if getattr(state, "crvs_simulator", None) is None:
        settings = CrvsSettings()
        registry = SimulatedRegistry(SigningKey.generate(settings.sender_id))
        # A restarted process forgets what it confirmed, while its one subscriber still counts on it: the
        # stand-in takes back the subscriptions that subscriber recorded (a real registry keeps its own).
        for row in await crvs_subscriptions.listed(state.runtime.pool):
            if row["status"] == Standing.SUBSCRIBED and settings.callback_url:
                registry.subscriptions[row["code"]] = Subscription(row["code"], row["reg_event_type"],
                                                                   settings.client_id, settings.callback_url)
        if getattr(state, "crvs_simulator", None) is None:  # a request that came meanwhile may have set it up
            state.crvs_simulator = registry
    return state.crvs_simulator


def _token(request: Request) -> dict[str, str]:
    """A Dukcapil token from the local issuer beside the public key the service trusts, if there is one."""
    public_key = request.app.state.settings.auth_public_key_file
    if public_key is None or not (public_key.parent / "issuer-private.pem").exists():
        return {}
    token = LocalIssuer(public_key.parent).issue(role=Role.DUKCAPIL, subject="crvs-simulator")
    return {"Authorization": f"Bearer {token}"}


async def _post(request: Request, url: str, body: dict) -> tuple[int | None, Any]:
    try:
        async with httpx.AsyncClient(timeout=10.0) as client:
            response = await client.post(url, json=body, headers=_token(request))
        return response.status_code, response.json() if response.content else None
    except (httpx.HTTPError, ValueError) as exc:
        return None, repr(exc)


async def _from_our_subscriber(request: Request, header: MessageHeader) -> None:
    """The stand-in knows one subscriber, our integration service, and checks its signature with our key."""
    settings, raw = CrvsSettings(), await request.json()
    if header.sender_id != settings.client_id:
        raise DciRejected(ErrorCode.SENDER_ID_INVALID, f"{header.sender_id} is not a known subscriber")
    subscriber = await signing_key(request.app.state.runtime.pool, settings,
                                   SecretSealer.from_settings(request.app.state.settings))
    verify(raw.get("signature"), raw.get("header") or {}, raw.get("message"), Jwks.from_json(subscriber.jwks()))
    if not header.sender_uri:
        raise DciRejected(ErrorCode.SENDER_URI_INVALID, "a subscriber gives its sender_uri for callbacks")


def _call_back(request: Request, registry: SimulatedRegistry, url: str, body: dict) -> None:
    async def send() -> None:
        status, answer = await _post(request, url, body)
        log.info("CRVS simulator called back", extra={"url": url, "status": status})

    task = asyncio.get_running_loop().create_task(send())
    registry.callbacks.add(task)
    task.add_done_callback(registry.callbacks.discard)


@router.get(WELL_KNOWN_JWKS_PATH)
async def jwks(request: Request) -> dict:
    """The stand-in's public signing keys."""
    return (await _registry(request)).key.jwks()


@router.post("/registry/subscribe", response_model=Acknowledgement, response_model_exclude_none=True)
async def subscribe(body: Envelope[MessageHeader, SubscribeRequest], request: Request):
    """Take a subscription; its confirmation follows at `{sender_uri}/registry/on-subscribe`."""
    await _from_our_subscriber(request, body.header)
    registry = await _registry(request)
    answers = []
    for item in body.message.subscribe_request if body.message else []:
        criteria = item.subscribe_criteria
        answer = {"reference_id": item.reference_id, "timestamp": now()}
        if criteria.reg_event_type not in VITAL_EVENTS:
            answers.append(answer | {"status": RequestStatus.REJECTED, "subscriptions": [],
                                     "status_reason_code": SubscribeReasonCode.NOTIFY_TYPES_INVALID,
                                     "status_reason_message": f"no vital event {criteria.reg_event_type!r}"})
            continue
        subscription = Subscription(new_id(), criteria.reg_event_type, body.header.sender_id, body.header.sender_uri)
        registry.subscriptions[subscription.code] = subscription
        answers.append(answer | {"status": RequestStatus.SUCCEEDED, "subscriptions": [
            {"code": subscription.code, "status": "subscribe", "timestamp": now(), "reg_type": CIVIL_REGISTRY,
             "reg_event_type": criteria.reg_event_type, "filter_type": criteria.filter_type,
             "notify_record_type": criteria.notify_record_type}]})
    correlation_id = new_id()
    header = callback_header(body.header, action="on-subscribe", status=RequestStatus.SUCCEEDED,
                             sender_id=registry.key.sender_id, completed_count=len(answers))
    message = {"transaction_id": body.message.transaction_id if body.message else "", "correlation_id": correlation_id,
               "subscribe_response": answers}
    _call_back(request, registry, f"{body.header.sender_uri.rstrip('/')}/registry/on-subscribe",
               signed_answer(registry.key, header, _json(message)))
    return Acknowledgement.of(AckStatus.ACK, correlation_id)


@router.post("/registry/unsubscribe", response_model=Acknowledgement, response_model_exclude_none=True)
async def unsubscribe(body: Envelope[MessageHeader, UnsubscribeRequest], request: Request):
    """End subscriptions; the answer follows at `{sender_uri}/registry/on-unsubscribe`."""
    await _from_our_subscriber(request, body.header)
    registry = await _registry(request)
    codes = body.message.subscription_codes if body.message else []
    ended = [registry.subscriptions.pop(code).code for code in codes if code in registry.subscriptions]
    correlation_id = new_id()
    header = callback_header(body.header, action="on-unsubscribe", status=RequestStatus.SUCCEEDED,
                             sender_id=registry.key.sender_id)
    message = {"transaction_id": body.message.transaction_id if body.message else "", "correlation_id": correlation_id,
               "timestamp": now(), "status": RequestStatus.SUCCEEDED if ended else RequestStatus.REJECTED,
               "subscription_status": [{"code": code, "status": "unsubscribe"} for code in ended]}
    _call_back(request, registry, f"{body.header.sender_uri.rstrip('/')}/registry/on-unsubscribe",
               signed_answer(registry.key, header, _json(message)))
    return Acknowledgement.of(AckStatus.ACK, correlation_id)


class VitalEventIn(BaseModel):
    """A vital event the stand-in registers: its type and the CRVS person record(s) it notifies."""

    reg_event_type: str = Field(min_length=1, max_length=100)
    reg_records: dict[str, Any] | list[dict[str, Any]]


class Notified(BaseModel):
    subscription: str
    url: str
    sent: dict
    status_code: int | None
    answer: Any


class VitalEventOut(BaseModel):
    notifications: list[Notified]


@router.post("/vital-events", response_model=VitalEventOut)
async def register_vital_event(body: VitalEventIn, request: Request):
    """Register a vital event and notify it, signed, to every subscriber of its type; returns what each answered."""
    registry = await _registry(request)
    notified = []
    for subscription in [s for s in registry.subscriptions.values() if s.reg_event_type == body.reg_event_type]:
        request_header = MessageHeader(message_id=new_id(), message_ts=now(), action="notify",
                                       sender_id=subscription.subscriber, total_count=1)
        header = callback_header(request_header, action="notify", status=RequestStatus.SUCCEEDED,
                                 sender_id=registry.key.sender_id)
        message = {"transaction_id": new_id(), "notify_event": [{
            "reference_id": new_id(), "timestamp": now(),
            "data": {"version": "1.0.0", "reg_type": CIVIL_REGISTRY, "reg_event_type": body.reg_event_type,
                     "reg_record_type": PERSON_RECORD, "reg_records": body.reg_records}}]}
        sent = signed_answer(registry.key, header, _json(message))
        url = f"{subscription.sender_uri.rstrip('/')}/registry/notify"
        status_code, answer = await _post(request, url, sent)
        notified.append(Notified(subscription=subscription.code, url=url, sent=sent, status_code=status_code,
                                 answer=answer))
    return VitalEventOut(notifications=notified)


def death_record(*, nik: str, name: str, died_on: date, death_registration_number: str,
                 place_of_death: str | None = None) -> dict[str, Any]:
    """A CRVS person record of a death, shaped like the standard's example."""
    return {"@type": "CRVS_Person",
            "identifier": [{"@type": "Identifier", "identifier_type": "UIN", "identifier_value": nik},
                           {"@type": "Identifier", "identifier_type": "DRN",
                            "identifier_value": death_registration_number}],
            "name": {"@type": "Name", "given_name": name, "surname": ""},
            "death_date": died_on.isoformat(), "death_place": {"name": place_of_death or ""}}


def move_record(*, nik: str, moving_certificate: str, from_region: str, to_region: str) -> dict[str, Any]:
    """A CRVS person record of a change of address between two villages (`previous_address` is our extension)."""
    return {"@type": "CRVS_Person",
            "identifier": [{"@type": "Identifier", "identifier_type": "UIN", "identifier_value": nik},
                           {"@type": "Identifier", "identifier_type": "SKPWNI", "identifier_value": moving_certificate}],
            "address": [{"@type": "Address", "region_code": to_region, "country_code": "ID"}],
            "previous_address": [{"@type": "Address", "region_code": from_region, "country_code": "ID"}]}


def _json(message: dict) -> dict:
    """The message as it travels (dates as ISO strings), so the signature covers what is sent."""
    return to_jsonable_python(message)
