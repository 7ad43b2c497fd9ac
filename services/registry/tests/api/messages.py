"""Talking to the registry as other systems do: events on its inbound topics, and waiting for effects."""

from __future__ import annotations

from datetime import UTC, datetime

from aiokafka import AIOKafkaProducer
from siks_events.consumer.origin import owner_source
from siks_events.envelope import Envelope
from siks_events.pytest_plugin import eventually

__all__ = ["eventually", "publish"]


async def publish(client, event, event_id: str, source: str | None = None, stream_id: str | None = None,
                  topic: str | None = None, **extensions) -> None:
    """Publish one event to the topic of its type, as its owner would (a binary-mode CloudEvent keyed by
    `stream_id`, the event's subject by default; from the type's owner and on its topic unless others are named)."""
    settings = client.app.state.settings
    source = source or owner_source(type(event)) or "/dukcapil/jawa-timur"
    key = stream_id or event.subject()
    envelope = Envelope(id=event_id, source=source, type=event.type, subject=event.subject() or key,
                        time=datetime.now(UTC), data=event.model_dump(mode="json"), key=key, extensions=extensions)
    key, value, headers = envelope.to_kafka()
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers)
    await producer.start()
    try:
        await producer.send_and_wait(settings.topic_prefix + (topic or event.topic), value, key=key, headers=headers)
    finally:
        await producer.stop()
