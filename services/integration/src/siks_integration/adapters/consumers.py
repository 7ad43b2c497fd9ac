"""What the integration service consumes: Dukcapil's inbound topic, and SIKS-NG's own events
(to mirror DTKS, mark reports applied, notify BPJS and feed subscribers)."""

from __future__ import annotations

from siks_events.catalog import integration as integration_events
from siks_events.catalog import registry as registry_events
from siks_events.catalog.dukcapil import DukcapilDeathRecorded, DukcapilDomicileMoveRecorded
from siks_events.envelope import Envelope
from siks_events.model import Event
from siks_events.uow import PostgresUnitOfWork

from siks_integration.adapters.postgres import deliveries, mirror
from siks_integration.adapters.postgres.uow import PostgresIntegrationUnitOfWork
from siks_integration.application import handlers
from siks_integration.domain.civil_report import CivilReport


def _factory(uow: PostgresIntegrationUnitOfWork):
    """The consumer's own unit of work first (it carries the inbox row), fresh ones for retries."""
    handed = []

    def make() -> PostgresIntegrationUnitOfWork:
        if not handed:
            handed.append(uow)
            return uow
        return PostgresIntegrationUnitOfWork(uow.pool, uow.cause)

    return make


async def apply_dukcapil_event(event: Event, envelope: Envelope, uow: PostgresIntegrationUnitOfWork) -> None:
    """Dukcapil's own CloudEvents, read from its inbound topic: the same handlers as the HTTP API."""
    match event:
        case DukcapilDeathRecorded():
            await handlers.handle_death_recorded(event, _factory(uow))
        case DukcapilDomicileMoveRecorded():
            await handlers.handle_move_recorded(event, _factory(uow))


def _applied_report(event: Event) -> str | None:
    match event:
        case registry_events.MemberDeceased(report_id=report_id):
            return report_id
        case registry_events.MemberMovedOut(move_id=move_id) | registry_events.HouseholdMoved(move_id=move_id):
            return move_id
    return None


async def apply_siks_event(event: Event, envelope: Envelope, uow: PostgresIntegrationUnitOfWork) -> None:
    """Mirror DTKS, mark Dukcapil reports applied, queue BPJS notifications and subscribers' deliveries."""
    is_registry = event.topic == registry_events.TOPIC

    async def write(u: PostgresUnitOfWork) -> None:
        if is_registry:
            await mirror.apply(u.connection, event)
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


SIKS_TOPICS = [registry_events.TOPIC, integration_events.TOPIC]
