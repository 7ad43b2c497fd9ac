"""Our side of the DCI CRVS API towards Dukcapil's civil registry: our signing key, its published keys,
subscribing to its vital events, and checking that a message it sends is really its own.

We subscribe with one `subscribe_request` item per vital event type; the registry confirms each with a
subscription code in its `on-subscribe` callback. Its `notify` and callbacks reach us at
`{callback_url}/registry/...`: our `sender_uri` is that base, the paths are the standard's.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import asyncpg
import httpx
from siks_events.dci import (
    DciRejected,
    ErrorCode,
    Jwks,
    SignatureInvalid,
    SigningKey,
    SubscribeRequest,
    new_id,
    now,
    signed_request,
    verify,
)
from siks_events.sealing import SecretSealer

from siks_integration.adapters.dci_crvs.person import CIVIL_REGISTRY, PERSON_RECORD
from siks_integration.adapters.dci_crvs.vital_events import VitalEvent
from siks_integration.adapters.postgres import crvs_subscriptions
from siks_integration.settings import CrvsSettings

log = logging.getLogger("siks.integration.dci-crvs")

JWKS_KEPT_SECONDS = 300.0
TIMEOUT_SECONDS = 10.0


async def signing_key(pool: asyncpg.Pool, settings: CrvsSettings, sealer: SecretSealer) -> SigningKey:
    """Our key for `client_id`: from `signing_key_file` when one is configured (a mounted secret), else the
    one kept (sealed) in the database, made on first use; kept, so the registry's copy of our JWKS stays valid."""
    if settings.signing_key_file is not None:
        return SigningKey.from_pem(settings.client_id, settings.signing_key_file.read_bytes())
    pem = await crvs_subscriptions.client_key(
        pool, sealer, settings.client_id, lambda: SigningKey.generate(settings.client_id).to_pem().decode())
    return SigningKey.from_pem(settings.client_id, pem.encode())


_published: dict[str, tuple[Jwks, float]] = {}


async def registry_keys(settings: CrvsSettings, *, fresh: bool = False) -> Jwks:
    """The registry's published signing keys, kept a few minutes; unreachable is err.service.unavailable."""
    url = settings.registry_jwks_url
    if url is None:
        raise DciRejected(ErrorCode.SERVICE_UNAVAILABLE, "no CRVS registry is configured to check signatures with")
    kept = _published.get(url)
    if kept and not fresh and time.monotonic() - kept[1] < JWKS_KEPT_SECONDS:
        return kept[0]
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS) as client:
            response = await client.get(url)
            response.raise_for_status()
            keys = Jwks.from_json(response.json())
    except (httpx.HTTPError, ValueError) as exc:
        raise DciRejected(ErrorCode.SERVICE_UNAVAILABLE, "the registry's signing keys cannot be read now") from exc
    _published[url] = (keys, time.monotonic())
    return keys


async def check_sender(body: dict[str, Any], settings: CrvsSettings) -> None:
    """Refuse a message that is not the configured registry's to us, signed with one of its published keys."""
    header = body.get("header") if isinstance(body.get("header"), dict) else {}
    if header.get("sender_id") != settings.sender_id:
        raise DciRejected(ErrorCode.SENDER_ID_INVALID, "messages are taken only from the configured CRVS registry")
    if header.get("receiver_id") not in (None, "", settings.client_id):
        raise DciRejected(ErrorCode.RECEIVER_ID_INVALID, f"this is {settings.client_id}, not {header['receiver_id']}")
    signature, message = body.get("signature"), body.get("message")
    try:
        try:
            verify(signature, header, message, await registry_keys(settings))
        except SignatureInvalid:
            # A key rotated since we read the registry's keys verifies once they are read again.
            verify(signature, header, message, await registry_keys(settings, fresh=True))
    except DciRejected as refused:
        log.warning("a message claiming to be the CRVS registry's was refused",
                    extra={"message_id": header.get("message_id"), "code": refused.code, "reason": refused.message})
        raise


def subscription_request(settings: CrvsSettings, event_types: list[str]) -> tuple[SubscribeRequest, dict[str, str]]:
    """The message subscribing to `event_types`, and its items' reference ids -> event type."""
    items = {new_id(): event for event in event_types}
    everyone_here = [{"seq_num": 1, "expression1": {"attribute_name": "country_code", "operator": "eq",
                                                    "attribute_value": settings.country_code}}]
    message = SubscribeRequest.model_validate({
        "transaction_id": new_id(),
        "subscribe_request": [
            {"reference_id": reference_id, "timestamp": now(),
             "subscribe_criteria": {"reg_type": CIVIL_REGISTRY, "reg_event_type": event, "filter_type": "predicate",
                                    "filter": everyone_here, "notify_record_type": PERSON_RECORD}}
            for reference_id, event in items.items()],
    })
    return message, items


async def subscribe(pool: asyncpg.Pool, settings: CrvsSettings, event_types: list[str], sealer: SecretSealer) -> str:
    """Ask the registry for `event_types`; returns the correlation id of its ACK. The items are recorded
    before sending (the on-subscribe callback may come first) and forgotten if it is not acknowledged."""
    assert settings.url, "no CRVS registry configured"
    message, items = subscription_request(settings, event_types)
    body = signed_request(await signing_key(pool, settings, sealer), action="subscribe", message=message,
                          receiver_id=settings.sender_id,
                          sender_uri=settings.callback_url, total_count=len(items))
    await crvs_subscriptions.requested(pool, transaction_id=message.transaction_id, items=items)
    headers = {"Authorization": f"Bearer {settings.token}"} if settings.token else {}
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS) as client:
            response = await client.post(f"{settings.url.rstrip('/')}/registry/subscribe", json=body, headers=headers)
        answer = response.json().get("message", {}) if response.content else {}
        if response.is_success and answer.get("ack_status") == "ACK":
            return str(answer.get("correlation_id"))
        problem = f"HTTP {response.status_code}: {(answer.get('error') or {}).get('code') or response.text[:200]}"
    except (httpx.HTTPError, ValueError, AttributeError) as exc:
        problem = f"not reached: {exc!r}"
    await crvs_subscriptions.withdrawn(pool, list(items))
    raise ConnectionError(f"the CRVS registry did not acknowledge the subscription ({problem})")


async def run_crvs_subscriptions(runtime) -> None:
    """Keep a confirmed subscription to every vital event we take (a `ServiceDefinition` worker); a registry
    that cannot be reached is asked again after a pause that doubles up to `resubscribe_seconds`."""
    settings = CrvsSettings()
    if not settings.url:
        return
    wanted = [event.value for event in VitalEvent]
    pause = settings.poll_seconds
    while True:
        missing = await crvs_subscriptions.missing(runtime.pool, wanted, patience_seconds=settings.resubscribe_seconds)
        if missing:
            try:
                await subscribe(runtime.pool, settings, missing, SecretSealer.from_settings(runtime.settings))
                log.info("subscribed to the CRVS registry's vital events", extra={"event_types": missing})
                pause = settings.poll_seconds
            except ConnectionError as exc:
                log.warning("subscribing to the CRVS registry failed; will try again", extra={"error": str(exc)})
                pause = min(pause * 2, settings.resubscribe_seconds)
                await asyncio.sleep(pause)
                continue
        await asyncio.sleep(settings.poll_seconds)
