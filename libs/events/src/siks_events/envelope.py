"""CloudEvents 1.0 in Kafka binary content mode: attributes in `ce_*` headers, JSON data as the value.

Any CloudEvents SDK reads what `Envelope.to_kafka` writes, and `Envelope.from_kafka` accepts
what such an SDK writes. The Kafka key is the partition key (the CloudEvents `partitionkey`
extension): the id of the stream that recorded the event, so one stream stays on one
partition and in order.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from siks_events import catalog
from siks_events.catalog import MalformedEvent
from siks_events.model import Event

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/json"
MAX_EVENT_BYTES = 1_048_576
"""Largest value accepted; the embedded broker does not enforce `max.message.bytes`, so we do."""

REQUIRED = ("id", "source", "type", "subject", "time")
_ATTRIBUTE_NAME = re.compile(r"^[a-z0-9]{1,20}$")
_CORE = {"specversion", "id", "source", "type", "subject", "time", "datacontenttype", "dataschema"}


@dataclass(frozen=True)
class Envelope:
    """One CloudEvent: its context attributes, its JSON data and its Kafka key."""

    id: str
    source: str
    type: str
    subject: str
    time: datetime
    data: dict[str, Any]
    key: str | None = None
    extensions: dict[str, str] = field(default_factory=dict)

    @property
    def traceparent(self) -> str | None:
        return self.extensions.get("traceparent")

    def event(self) -> Event:
        """The typed event; raises UnknownEventType or InvalidEventData."""
        return catalog.decode(self.type, self.data)

    def to_kafka(self) -> tuple[bytes | None, bytes, list[tuple[str, bytes]]]:
        """(key, value, headers) for a Kafka record in binary content mode."""
        headers = [
            ("ce_specversion", SPEC_VERSION),
            ("ce_id", self.id),
            ("ce_source", self.source),
            ("ce_type", self.type),
            ("ce_subject", self.subject),
            ("ce_time", _format_time(self.time)),
            ("content-type", CONTENT_TYPE),
        ]
        if self.key is not None:
            headers.append(("ce_partitionkey", self.key))
        for name, value in sorted(self.extensions.items()):
            if not _ATTRIBUTE_NAME.match(name) or name in _CORE:
                raise ValueError(f"{name!r} is not a valid CloudEvents extension attribute name")
            headers.append((f"ce_{name}", value))
        value = json.dumps(self.data, separators=(",", ":"), default=str).encode()
        key = self.key.encode() if self.key is not None else None
        return key, value, [(k, v.encode()) for k, v in headers]

    @classmethod
    def from_kafka(
        cls, key: bytes | None, value: bytes | None, headers: list[tuple[str, bytes]] | tuple
    ) -> Envelope:
        """Read a binary-mode record; raises MalformedEvent naming what is wrong."""
        if value is not None and len(value) > MAX_EVENT_BYTES:
            raise MalformedEvent(f"event of {len(value)} bytes exceeds the {MAX_EVENT_BYTES}-byte limit")
        attributes: dict[str, str] = {}
        content_type = None
        for name, raw in headers or ():
            try:
                text = raw.decode() if raw is not None else ""
            except UnicodeDecodeError:
                raise MalformedEvent(f"header {name!r} is not UTF-8") from None
            if name.startswith("ce_"):
                attributes[name[3:]] = text
            elif name.lower() == "content-type":
                content_type = text
        if not attributes:
            raise MalformedEvent("no ce_* headers: not a CloudEvent in Kafka binary content mode")
        if attributes.get("specversion") != SPEC_VERSION:
            raise MalformedEvent(f"ce_specversion must be {SPEC_VERSION!r}, got {attributes.get('specversion')!r}")
        missing = [name for name in REQUIRED if not attributes.get(name)]
        if missing:
            raise MalformedEvent("missing required attribute(s): " + ", ".join(f"ce_{m}" for m in missing))
        if content_type and not content_type.split(";")[0].strip().endswith("json"):
            raise MalformedEvent(f"content-type {content_type!r} is not JSON")
        try:
            data = json.loads(value) if value else {}
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise MalformedEvent(f"data is not valid JSON: {exc}") from None
        if not isinstance(data, dict):
            raise MalformedEvent("data must be a JSON object")
        try:
            time = _parse_time(attributes["time"])
        except ValueError:
            raise MalformedEvent(f"ce_time {attributes['time']!r} is not an RFC 3339 timestamp") from None
        extensions = {k: v for k, v in attributes.items() if k not in _CORE and k != "partitionkey"}
        partition_key = attributes.get("partitionkey") or (key.decode(errors="replace") if key else None)
        return cls(
            id=attributes["id"],
            source=attributes["source"],
            type=attributes["type"],
            subject=attributes["subject"],
            time=time,
            data=data,
            key=partition_key,
            extensions=extensions,
        )


def _format_time(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _parse_time(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError("RFC 3339 requires an offset")
    return moment
