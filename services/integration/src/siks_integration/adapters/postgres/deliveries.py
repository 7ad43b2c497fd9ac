"""Outbound deliveries: BPJS notifications and subscribers' events, queued in the same transaction
as the event that caused them, and their delivery log."""

from __future__ import annotations

import asyncpg
from siks_events import telemetry
from siks_events.catalog.registry import Program, ProgramEnded, ProgramEnrolled
from siks_events.envelope import Envelope
from siks_events.model import Event

BPJS = "bpjs"
SUBSCRIPTION = "subscription"


def structured(envelope: Envelope) -> dict:
    """The event in CloudEvents structured JSON, as subscribers receive it."""
    body = {"specversion": "1.0", "id": envelope.id, "source": envelope.source, "type": envelope.type,
            "subject": envelope.subject, "time": envelope.time.isoformat(), "datacontenttype": "application/json",
            "data": envelope.data}
    return body | {k: v for k, v in envelope.extensions.items() if k not in ("actor", "actorrole", "actorregion")}


def bpjs_notification(event: Event, envelope: Envelope) -> dict | None:
    """A change of PBI JK (state-paid health insurance) membership, as BPJS Kesehatan is told it."""
    match event:
        case ProgramEnrolled(program=Program.PBI_JK):
            return {"notification_id": envelope.id, "nik": event.nik, "program": "PBI_JK", "change": "start",
                    "effective_date": event.start_date.isoformat(), "reason": None}
        case ProgramEnded(program=Program.PBI_JK):
            return {"notification_id": envelope.id, "nik": event.nik, "program": "PBI_JK", "change": "end",
                    "effective_date": event.end_date.isoformat(), "reason": event.reason}
    return None


async def queue(connection: asyncpg.Connection, *, kind: str, subscription_id: str | None, envelope: Envelope,
                payload: dict) -> None:
    """Queue one delivery in the caller's transaction, with the trace it continues (the consumer's span)."""
    await connection.execute(
        "INSERT INTO outbound_deliveries (kind, subscription_id, event_id, event_type, payload, traceparent)"
        " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
        kind, subscription_id, envelope.id, envelope.type, payload,
        telemetry.current_traceparent() or envelope.traceparent)


async def fan_out(connection: asyncpg.Connection, envelope: Envelope, region: str) -> None:
    """Queue the event for every subscription that asked for its type (and region)."""
    rows = await connection.fetch(
        "SELECT subscription_id FROM subscriptions WHERE $1 = ANY(event_types) AND $2 LIKE region_prefix || '%'",
        envelope.type, region)
    for row in rows:
        await queue(connection, kind=SUBSCRIPTION, subscription_id=row["subscription_id"], envelope=envelope,
                    payload=structured(envelope))
