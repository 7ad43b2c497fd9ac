"""What the integration service consumes: Dukcapil's inbound topic, and SIKS-NG's own events
(to mirror DTKS, mark reports applied, notify BPJS and feed subscribers).

Each handler uses only the unit of work the consumer hands it, once: that unit of work is bound
to the consumer's own connection and transaction (the inbox row and position commit with it),
so a handler never takes a second connection. A lost race for a stream (StreamVersionConflict)
propagates: retrying it is the consumer's job. An event nobody here has a rule for is refused
with `UnexpectedEventType`, so the consumer dead-letters it with that reason instead of
acknowledging it silently.
"""

from __future__ import annotations

from siks_events.catalog import integration as integration_events
from siks_events.catalog import registry as registry_events
from siks_events.catalog.dukcapil import TOPIC as DUKCAPIL_TOPIC
from siks_events.catalog.dukcapil import DukcapilDeathRecorded, DukcapilDomicileMoveRecorded
from siks_events.consumer import UnexpectedEventType
from siks_events.envelope import Envelope
from siks_events.model import Event
from siks_events.uow import PostgresUnitOfWork

from siks_integration.adapters.postgres import deliveries, mirror
from siks_integration.adapters.postgres.uow import PostgresIntegrationUnitOfWork
from siks_integration.application import handlers
from siks_integration.domain.civil_report import CivilReport

SIKS_TOPICS = [registry_events.TOPIC, integration_events.TOPIC]


async def apply_dukcapil_event(event: Event, envelope: Envelope, uow: PostgresIntegrationUnitOfWork) -> None:
    """Dukcapil's own CloudEvents, read from its inbound topic: the same handlers as the HTTP API."""
    match event:
        case DukcapilDeathRecorded():
            await handlers.handle_death_recorded(event, uow)
        case DukcapilDomicileMoveRecorded():
            await handlers.handle_move_recorded(event, uow)
        case _:
            # Decodable (it is in our catalogue) but not Dukcapil's: someone published to the wrong topic.
            raise UnexpectedEventType(envelope.type, DUKCAPIL_TOPIC)


def _applied_report(event: Event) -> str | None:
    match event:
        case registry_events.MemberDeceased(report_id=report_id):
            return report_id
        case registry_events.MemberMovedOut(move_id=move_id) | registry_events.HouseholdMoved(move_id=move_id):
            return move_id
    return None


async def apply_siks_event(event: Event, envelope: Envelope, uow: PostgresIntegrationUnitOfWork) -> None:
    """Mirror DTKS, mark Dukcapil reports applied, queue BPJS notifications and subscribers' deliveries."""
    if event.topic not in SIKS_TOPICS:
        # Every type of these topics is mirrored, confirmed or fanned out; another service's type is misrouted.
        raise UnexpectedEventType(envelope.type, " or ".join(SIKS_TOPICS))
    is_registry = event.topic == registry_events.TOPIC

    async def write(u: PostgresUnitOfWork) -> None:
        if is_registry:
            await mirror.apply(u.connection, event, envelope)
        notification = deliveries.bpjs_notification(event, envelope)
        if notification is not None:
            await deliveries.queue(u.connection, kind=deliveries.BPJS, subscription_id=None, envelope=envelope,
                                   payload=notification)
        await deliveries.fan_out(u.connection, envelope, await mirror.region_of(u.connection, event))

    async with uow:
        report_id = _applied_report(event) if is_registry else None
        if report_id:
            report = await uow.load(CivilReport, report_id)
            if report is not None:
                report.record_applied(applied_by=envelope.source)
        uow.after_events(write)
        await uow.commit()
