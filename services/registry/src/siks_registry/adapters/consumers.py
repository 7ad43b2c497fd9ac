"""Events from other services that the registry applies: Dukcapil's deaths and moves."""

from __future__ import annotations

from siks_events.catalog.integration import DeathReported, DomicileMoved
from siks_events.envelope import Envelope
from siks_events.model import Event

from siks_registry.application import handlers
from siks_registry.application.uow import RegistryUnitOfWork


async def apply_civil_registry_event(event: Event, envelope: Envelope, uow: RegistryUnitOfWork) -> None:
    """deceased-reported deactivates the person; moved-domicile moves the person or the whole KK."""
    match event:
        case DeathReported():
            await handlers.handle_death_reported(event, uow)
        case DomicileMoved():
            await handlers.handle_domicile_moved(event, uow)
