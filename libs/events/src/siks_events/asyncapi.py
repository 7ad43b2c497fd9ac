"""The catalogue of topics and event types as an AsyncAPI 3.0 document, generated from the models."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from siks_events import catalog
from siks_events.envelope import REQUIRED


def document(topics: Iterable[str] | None = None, *, title: str = "SIKS-NG events") -> dict[str, Any]:
    """AsyncAPI 3.0: one channel per topic (every topic, or those named), one message per event type."""
    wanted = set(topics) if topics is not None else None
    channels: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for type_, cls in sorted(catalog.published_types().items()):
        if wanted is not None and cls.topic not in wanted:
            continue
        name = cls.__name__
        schema = cls.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[name] = schema
        messages[name] = {
            "name": type_,
            "title": name,
            "summary": (cls.__doc__ or "").strip().splitlines()[0],
            "contentType": "application/json",
            "headers": {"$ref": "#/components/schemas/CloudEventHeaders"},
            "payload": {"$ref": f"#/components/schemas/{name}"},
            "bindings": {"kafka": {"key": {"type": "string", "description": "id of the recording stream"}}},
        }
        channel = channels.setdefault(cls.topic.replace(".", "-"), {"address": cls.topic, "messages": {}})
        channel["messages"][name] = {"$ref": f"#/components/messages/{name}"}
    schemas["CloudEventHeaders"] = {
        "type": "object",
        "required": ["ce_specversion", *(f"ce_{a}" for a in REQUIRED)],
        "properties": {
            "ce_specversion": {"const": "1.0"},
            "ce_id": {"type": "string"},
            "ce_source": {"type": "string", "format": "uri-reference"},
            "ce_type": {"type": "string"},
            "ce_subject": {"type": "string"},
            "ce_time": {"type": "string", "format": "date-time"},
            "ce_traceparent": {"type": "string"},
            "ce_partitionkey": {"type": "string"},
            "ce_actor": {"type": "string"},
            "ce_actorrole": {"type": "string"},
            "ce_actorregion": {"type": "string"},
        },
    }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": title,
            "version": "0.1.0",
            "description": "Domain events of SIKS-NG as CloudEvents 1.0 in Kafka binary content mode.",
        },
        "channels": channels,
        "components": {"messages": messages, "schemas": schemas},
    }
