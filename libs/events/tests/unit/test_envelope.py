"""The wire format: CloudEvents 1.0 in Kafka binary mode, readable and writable by the CloudEvents SDK."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from cloudevents.core.bindings import kafka as ce_kafka
from cloudevents.core.v1.event import CloudEvent
from siks_events.catalog import InvalidEventData, MalformedEvent, UnknownEventType
from siks_events.catalog.integration import DeathReported
from siks_events.envelope import MAX_EVENT_BYTES, Envelope

DEATH = DeathReported(report_id="r-1", nik="3571014506880001", name="Siti Aminah", died_on=date(2026, 3, 1),
                      certificate_number="AKT-3571-2026-0001")


def envelope(**overrides) -> Envelope:
    values = dict(id="e-1", source="/siks-ng/integration", type=DEATH.type, subject="3571014506880001",
                  time=datetime(2026, 3, 2, 8, 0, tzinfo=UTC), data=DEATH.model_dump(mode="json"), key="report-r-1",
                  extensions={"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"})
    values.update(overrides)
    return Envelope(**values)


def as_sdk_message(key, value, headers) -> ce_kafka.KafkaMessage:
    return ce_kafka.KafkaMessage(headers=dict(headers), key=key, value=value)


def test_our_records_are_read_by_the_cloudevents_sdk():
    key, value, headers = envelope().to_kafka()
    event = ce_kafka.from_binary_event(as_sdk_message(key, value, headers))
    assert event.get_id() == "e-1"
    assert event.get_type() == "siks.integration.deceased-reported.v1"
    assert event.get_subject() == "3571014506880001"
    assert event.get_time() == datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    assert event.get_extension("partitionkey") == "report-r-1"
    assert event.get_extension("traceparent").startswith("00-0af7651916cd43dd")
    assert event.get_data()["certificate_number"] == "AKT-3571-2026-0001"


def test_records_written_by_the_cloudevents_sdk_are_read_and_decoded():
    sdk_event = CloudEvent(
        attributes={"type": DEATH.type, "source": "/dukcapil/jatim", "id": "dk-9", "subject": DEATH.nik,
                    "time": datetime(2026, 3, 2, tzinfo=UTC), "datacontenttype": "application/json",
                    "partitionkey": DEATH.nik},
        data=DEATH.model_dump(mode="json"),
    )
    message = ce_kafka.to_binary_event(sdk_event)
    ours = Envelope.from_kafka(message.key.encode() if isinstance(message.key, str) else message.key,
                               message.value, list(message.headers.items()))
    assert ours.id == "dk-9" and ours.source == "/dukcapil/jatim" and ours.key == DEATH.nik
    assert ours.event() == DEATH


def test_an_envelope_survives_the_round_trip():
    original = envelope()
    assert Envelope.from_kafka(*original.to_kafka()) == original


@pytest.mark.parametrize(
    ("value", "headers", "reason"),
    [
        (b"{}", [], "no ce_* headers"),
        (b"{}", [("ce_specversion", b"0.3"), ("ce_id", b"x")], "ce_specversion"),
        (b"{}", [("ce_specversion", b"1.0"), ("ce_id", b"x"), ("ce_source", b"/s"), ("ce_type", b"t")],
         "ce_subject, ce_time"),
        (b"not json", [("ce_specversion", b"1.0"), ("ce_id", b"x"), ("ce_source", b"/s"), ("ce_type", b"t"),
                       ("ce_subject", b"s"), ("ce_time", b"2026-01-01T00:00:00Z")], "not valid JSON"),
        (b"{}", [("ce_specversion", b"1.0"), ("ce_id", b"x"), ("ce_source", b"/s"), ("ce_type", b"t"),
                 ("ce_subject", b"s"), ("ce_time", b"yesterday")], "RFC 3339"),
        (b"x" * (MAX_EVENT_BYTES + 1), [], "exceeds"),
    ],
    ids=["no-headers", "old-spec", "missing-attributes", "bad-json", "bad-time", "oversized"],
)
def test_malformed_records_are_rejected_with_the_reason(value, headers, reason):
    with pytest.raises(MalformedEvent) as rejected:
        Envelope.from_kafka(None, value, headers)
    assert reason in rejected.value.reason


def test_an_unknown_type_and_invalid_data_are_rejected_with_the_reason():
    with pytest.raises(UnknownEventType, match="siks.nobody.v1"):
        envelope(type="siks.nobody.v1").event()
    data = DEATH.model_dump(mode="json") | {"nik": "12345"}
    with pytest.raises(InvalidEventData, match="nik"):
        envelope(data=data).event()


def test_data_is_json_in_the_value():
    _, value, headers = envelope().to_kafka()
    assert json.loads(value)["nik"] == "3571014506880001"
    assert ("content-type", b"application/json") in headers
