"""What the verification API tests share: publishing proposals' events, polling, seeding the prelist, uploads."""

from __future__ import annotations

from datetime import UTC, datetime

from aiokafka import AIOKafkaProducer
from siks_events.auth import Role
from siks_events.envelope import Envelope
from siks_events.model import Cause
from siks_events.pytest_plugin import eventually
from siks_verification.adapters.postgres.uow import PostgresVerificationUnitOfWork
from siks_verification.application import handlers

from ..builders import PHOTO_BYTES, VILLAGE

ENUMERATOR = {"role": Role.ENUMERATOR, "region": VILLAGE, "subject": "enum-ani"}
PROPOSALS = Cause(actor="/siks-ng/proposals", role="system")


async def publish(client, *events) -> None:
    settings = client.app.state.settings
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers)
    await producer.start()
    try:
        for n, event in enumerate(events):
            envelope = Envelope(id=f"{event.proposal_id}-{n}-{event.type}", source="/siks-ng/proposals",
                                type=event.type, subject=event.proposal_id, time=datetime.now(UTC),
                                data=event.model_dump(mode="json"), key=event.proposal_id)
            key, value, headers = envelope.to_kafka()
            await producer.send_and_wait(settings.topic_prefix + event.topic, value, key=key, headers=headers)
    finally:
        await producer.stop()


async def prelist(client, token, **params) -> list[dict]:
    answer = await client.get(f"/v1/prelists/{VILLAGE}", params=params, headers=token())
    assert answer.status_code == 200, answer.text
    return answer.json()


async def on_prelist(client, token, proposals, *, via_kafka: bool = False) -> list[dict]:
    """The proposals' households on the prelist: through the broker and the consumer, or straight through the
    handler the consumer calls (quicker, for tests about what happens after)."""
    if via_kafka:
        await publish(client, *proposals)
    else:
        for proposal in proposals:
            await handlers.handle_proposal_submitted(
                proposal, PostgresVerificationUnitOfWork(client.app.state.runtime.pool, PROPOSALS))
    wanted = {p.proposal_id for p in proposals}
    entries = await eventually(lambda: prelist(client, token),
                               until=lambda e: wanted <= {entry["proposal_id"] for entry in e})
    return [e for e in entries if e["proposal_id"] in wanted]


def as_json(visit) -> dict:
    return {"client_visit_id": visit.client_visit_id, "entry_id": visit.entry_id,
            "started_at": visit.started_at.isoformat(), "ended_at": visit.ended_at.isoformat(),
            "position": visit.position.model_dump(mode="json"), "findings": visit.findings.model_dump(mode="json"),
            "photos": [p.model_dump(mode="json") for p in visit.photos]}


async def visit_count(client) -> int:
    return await client.app.state.runtime.pool.fetchval("SELECT count(*) FROM events WHERE type LIKE '%visit-recorded%'")


def enumerator(token, name: str) -> dict:
    return token(role=Role.ENUMERATOR, region=VILLAGE, subject=name)


async def ready_to_visit(client, token, proposals, who) -> None:
    """Entries on the prelist, each assigned to `who(i)`."""
    await on_prelist(client, token, proposals)
    for i, proposal in enumerate(proposals):
        answer = await client.put(f"/v1/prelist-entries/prelist-{proposal.proposal_id}/assignment",
                                  json={"enumerator": who(i)}, headers=token())
        assert answer.status_code == 204, answer.text


async def upload_photos(client, token, visits) -> None:
    for visit in visits:
        for photo in visit.photos:
            answer = await client.put("/v1/photos", content=PHOTO_BYTES[photo.sha256],
                                      headers={**enumerator(token, "enum-ani"), "Content-Type": photo.content_type})
            assert answer.status_code in (200, 201), answer.text
