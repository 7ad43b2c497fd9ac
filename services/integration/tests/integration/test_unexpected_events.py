"""Point 5 of issue 14: an event the consumer has no rule for is dead-lettered with its reason, never dropped."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime

from aiokafka import AIOKafkaProducer
from siks_events.catalog.dukcapil import TOPIC as DUKCAPIL_TOPIC
from siks_events.catalog.dukcapil import DukcapilDeathRecorded
from siks_events.catalog.registry import TOPIC as REGISTRY_TOPIC
from siks_events.catalog.registry import MemberDeceased
from siks_events.envelope import Envelope
from siks_events.pytest_plugin import serving

NIK = "3571014302840002"


async def publish(settings, topic: str, event) -> str:
    event_id = str(uuid.uuid4())
    envelope = Envelope(id=event_id, source="/somewhere/else", type=event.type, subject=NIK,
                        time=datetime.now(UTC), data=event.model_dump(mode="json"), key=NIK,
                        extensions={"streamid": "hh-1", "streamversion": "1"})
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers)
    await producer.start()
    try:
        key, value, headers = envelope.to_kafka()
        await producer.send_and_wait(settings.topic_prefix + topic, value, key=key, headers=headers)
    finally:
        await producer.stop()
    return event_id


async def dead_letter(pool, event_id: str, timeout: float = 60.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        row = await pool.fetchrow("SELECT * FROM dead_letters WHERE event_id = $1", event_id)
        if row is not None:
            return row
        await asyncio.sleep(0.2)
    raise AssertionError(f"no dead letter for {event_id} within {timeout} s")


async def test_a_decodable_event_of_the_wrong_type_is_dead_lettered_with_its_reason_and_applies_nothing(
        service_settings):
    from siks_integration.main import create_app

    app = create_app(service_settings("integration"))
    settings = app.state.settings
    registry_event = MemberDeceased(household_id="hh-1", nik=NIK, died_on=date(2026, 10, 2), report_id="death-KM-1")
    dukcapil_event = DukcapilDeathRecorded(nik=NIK, name="Siti Aminah", died_on=date(2026, 10, 2),
                                           certificate_number="KM-1")
    async with serving(app):
        pool = app.state.runtime.pool
        on_dukcapil = await publish(settings, DUKCAPIL_TOPIC, registry_event)
        on_registry = await publish(settings, REGISTRY_TOPIC, dukcapil_event)
        for event_id, event, topic in ((on_dukcapil, registry_event, DUKCAPIL_TOPIC),
                                       (on_registry, dukcapil_event, REGISTRY_TOPIC)):
            letter = await dead_letter(pool, event_id)
            assert event.type in letter["reason"] and topic in letter["reason"], letter["reason"]
            # 'unknown' is the column's default, for consumers that do not record a reason code yet
            assert letter.get("reason_code", "unknown") in ("not-from-owner", "unexpected-event-type", "unknown")
        assert await pool.fetchval("SELECT count(*) FROM civil_reports") == 0
        assert await pool.fetchval("SELECT count(*) FROM dtks_memberships") == 0
        assert await pool.fetchval("SELECT count(*) FROM inbox WHERE event_id LIKE '%' || $1", on_dukcapil) == 0
