"""The DCI worker: answers received async requests and sends the signed callbacks and notifications.

An async request is only recorded by its route (which answers ACK); this worker answers it, queues the
callback to the sender's URI, and sends what is queued, signed at sending, retried with backoff until
the receiver answers 2xx. Rows are leased, so several workers may run.
"""

from __future__ import annotations

import asyncio
import logging

import asyncpg
import httpx
from siks_events.dci import (
    MessageHeader,
    RequestStatus,
    SearchRequest,
    SigningKey,
    SubscribeRequest,
    TxnStatusRequest,
    UnsubscribeRequest,
    callback_header,
)
from siks_events.dci.envelope import DciModel
from siks_events.sealing import SecretSealer

from siks_registry.adapters.dci import answers, events, keys
from siks_registry.adapters.dci.settings import DciSettings
from siks_registry.adapters.postgres import dci

log = logging.getLogger("siks.registry.dci")

CALLBACK_ACTION = {"search": "on-search", "subscribe": "on-subscribe", "unsubscribe": "on-unsubscribe",
                   "txn-status": "txn-on-status"}


def backoff(attempts: int, most: float) -> float:
    return min(most, 2.0 ** min(attempts, 20))


def callback_status(message: DciModel) -> tuple[RequestStatus, int]:
    """The callback header's status: succeeded if any request of the batch did; and how many did."""
    items = (getattr(message, "search_response", None) or getattr(message, "subscribe_response", None))
    if items is None:
        status = getattr(message, "status", RequestStatus.SUCCEEDED)
        return status, 1
    done = sum(1 for i in items if i.status == RequestStatus.SUCCEEDED)
    return (RequestStatus.SUCCEEDED if done else RequestStatus.REJECTED), done


async def answer(pool: asyncpg.Pool, settings: DciSettings, transaction: dict) -> None:
    """Answer one received async request and queue its callback, in one transaction."""
    request, correlation_id = transaction["request"], transaction["correlation_id"]
    header = MessageHeader.model_validate(request["header"])
    partner = answers.partner_actor(transaction["sender_id"], transaction["actor_region"])
    action = transaction["action"]
    async with pool.acquire() as connection, connection.transaction():
        match action:
            case "search":
                found = await dci.partner(connection, partner.subject)
                message: DciModel = await answers.search(
                    connection, SearchRequest.model_validate(request["message"]), correlation_id=correlation_id,
                    partner=partner, disclose=found["disclose"] if found else [], route="POST /dci/registry/search")
            case "subscribe":
                found = await dci.partner(connection, partner.subject)
                message = await answers.subscribe(
                    connection, SubscribeRequest.model_validate(request["message"]), correlation_id=correlation_id,
                    partner=partner, notify_uri=found["callback_base"].rstrip("/") + "/registry/notify")
            case "unsubscribe":
                message = await answers.unsubscribe(
                    connection, UnsubscribeRequest.model_validate(request["message"]), correlation_id=correlation_id,
                    sender_id=partner.subject)
            case _:
                message = await answers.txn_status(
                    connection, TxnStatusRequest.model_validate(request["message"]), correlation_id=correlation_id,
                    sender_id=partner.subject)
        status, done = callback_status(message)
        reply = callback_header(header, action=CALLBACK_ACTION[action], status=status, sender_id=settings.sender_id,
                                completed_count=done)
        await dci.answer_transaction(connection, correlation_id, message.wire(), status.value)
        await dci.enqueue(connection, url=transaction["reply_to"], header=reply.wire(), message=message.wire(),
                          correlation_id=correlation_id)


class DciWorker:
    def __init__(self, pool: asyncpg.Pool, settings: DciSettings, sealer: SecretSealer, *, batch: int = 20) -> None:
        self.pool = pool
        self.settings = settings
        self.sealer = sealer
        self.batch = batch

    async def run(self) -> None:
        key = await keys.signing_key(self.pool, self.sealer, self.settings.sender_id)
        async with httpx.AsyncClient(timeout=10.0) as client:
            while True:
                received = await dci.claim_pending(self.pool, self.batch)
                for transaction in received:
                    await answer(self.pool, self.settings, transaction)
                # a replay reads the store after its subscription committed: an event that commits later
                # reaches the notification consumer, which by then sees the subscription
                for subscription in await dci.replays_pending(self.pool, self.batch):
                    await events.replay(self.pool, self.settings, subscription)
                    await dci.replayed(self.pool, subscription["code"])
                due = await dci.claim_outbox(self.pool, self.batch)
                if due:
                    await asyncio.gather(*(self._send(client, key, row) for row in due))
                if not received and not due:
                    await asyncio.sleep(self.settings.poll_seconds)

    async def _send(self, client: httpx.AsyncClient, key: SigningKey, row: dict) -> None:
        body = key.sign_envelope({"header": row["header"], "message": row["message"]})
        error = None
        try:
            response = await client.post(row["url"], json=body)
            if not response.is_success:
                error = f"HTTP {response.status_code}"
        except httpx.HTTPError as exc:
            error = repr(exc)
        attempts = row["attempts"] + 1
        if error is None:
            await dci.delivered(self.pool, row["id"], attempts)
        else:
            await dci.failed(self.pool, row["id"], attempts, error, backoff(attempts, self.settings.max_backoff_seconds))
            log.info("DCI callback not delivered; will retry", extra={"outbox_id": row["id"], "error": error})


async def run_dci_worker(runtime) -> None:
    """The registry's DCI loop (a `ServiceDefinition` worker)."""
    await DciWorker(runtime.pool, DciSettings(), SecretSealer.from_settings(runtime.settings)).run()
