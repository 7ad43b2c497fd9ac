"""Events from other services that the registry applies."""

from __future__ import annotations

import logging

from siks_events.envelope import Envelope
from siks_events.model import Event
from siks_events.uow import UnitOfWork

log = logging.getLogger("siks.registry.consumers")


async def apply_civil_registry_event(event: Event, envelope: Envelope, uow: UnitOfWork) -> None:
    """Dukcapil's deaths and moves (deceased-reported, moved-domicile).

    The household aggregate that applies them arrives with the registry's domain model;
    until then the event is only acknowledged, which the inbox records.
    """
    log.info("civil registry event received", extra={"type": envelope.type, "event_id": envelope.id})
