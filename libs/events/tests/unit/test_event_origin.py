"""A consumer trusts an event only from the topic and source that own its type, caused by a role that may change data."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from aiokafka.structs import ConsumerRecord
from siks_events.catalog.dukcapil import DukcapilDeathRecorded
from siks_events.catalog.integration import DeathReported
from siks_events.catalog.registry import MemberDeceased
from siks_events.consumer.batch import decode
from siks_events.envelope import Envelope

NIK = "3571014302840002"
PREFIX = "t1."
DEATH = DeathReported(report_id="r-1", nik=NIK, name="Siti", died_on=date(2026, 10, 2), certificate_number="KM-1")
DECEASED = MemberDeceased(household_id="hh-1", nik=NIK, died_on=date(2026, 10, 2))
FROM_DUKCAPIL = DukcapilDeathRecorded(nik=NIK, name="Siti", died_on=date(2026, 10, 2), certificate_number="KM-1")


def record(event, *, topic: str, source: str, **extensions) -> ConsumerRecord:
    envelope = Envelope(id="e-1", source=source, type=event.type, subject=NIK, time=datetime.now(UTC),
                        data=event.model_dump(mode="json"), key=NIK, extensions=extensions)
    key, value, headers = envelope.to_kafka()
    return ConsumerRecord(topic=PREFIX + topic, partition=0, offset=0, timestamp=0, timestamp_type=0, key=key,
                          value=value, checksum=None, serialized_key_size=0, serialized_value_size=0, headers=headers)


@pytest.mark.parametrize(("event", "topic", "source", "extensions"), [
    (DEATH, "siks.integration.events", "/siks-ng/integration", {"actorrole": "dukcapil"}),
    (DECEASED, "siks.registry.events", "/siks-ng/registry", {"actorrole": "village_operator"}),
    (FROM_DUKCAPIL, "dukcapil.civil-events", "/dukcapil/jawa-timur", {}),  # partners name their own sources
])
def test_an_event_from_its_owner_is_accepted(event, topic, source, extensions):
    item = decode(record(event, topic=topic, source=source, **extensions), PREFIX)
    assert item.rejected is None and item.event == event


@pytest.mark.parametrize(("event", "topic", "source", "extensions", "named"), [
    (DECEASED, "siks.integration.events", "/siks-ng/registry", {}, "siks.integration.events"),
    (DECEASED, "siks.registry.events", "/siks-ng/integration", {}, "/siks-ng/integration"),
    (DEATH, "siks.integration.events", "/dukcapil/jawa-timur", {}, "/dukcapil/jawa-timur"),
    (FROM_DUKCAPIL, "siks.integration.events", "/dukcapil/jawa-timur", {}, "dukcapil.civil-events"),
    (DEATH, "siks.integration.events", "/siks-ng/integration", {"actorrole": "auditor"}, "auditor"),
    (DEATH, "siks.integration.events", "/siks-ng/integration", {"actorrole": "superuser"}, "superuser"),
])
def test_an_event_from_another_topic_source_or_role_is_refused_naming_what_is_wrong(event, topic, source,
                                                                                    extensions, named):
    item = decode(record(event, topic=topic, source=source, **extensions), PREFIX)
    assert item.rejected is not None and item.rejected.reason_code == "not-from-owner"
    assert named in item.rejected.reason
    assert item.dead_letter().event_id == "e-1"
