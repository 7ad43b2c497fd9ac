"""The AsyncAPI document lists every topic and every event type with its schema."""

from __future__ import annotations

from siks_events import catalog
from siks_events.asyncapi import document


def test_every_published_type_is_a_message_on_its_topic_with_its_schema():
    doc = document()
    assert doc["asyncapi"].startswith("3.")
    types = {t: cls for t, cls in catalog.event_types().items() if not t.startswith("siks.testing.")}
    messages = doc["components"]["messages"]
    assert {m["name"] for m in messages.values()} == set(types)
    for cls in types.values():
        channel = next(c for c in doc["channels"].values() if c["address"] == cls.topic)
        assert cls.__name__ in channel["messages"]
        assert set(cls.model_fields) <= set(doc["components"]["schemas"][cls.__name__]["properties"])
    assert "dukcapil.civil-events" in {c["address"] for c in doc["channels"].values()}
