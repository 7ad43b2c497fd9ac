"""Registry events handed to the proposals consumer, as the registry's relay would send them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from siks_events.consumer import cause_of
from siks_events.envelope import Envelope
from siks_events.model import Event
from siks_proposals.adapters.consumers import apply_registry_event
from siks_proposals.adapters.postgres.uow import PostgresProposalsUnitOfWork


def envelope(event: Event, stream_id: str, version: int) -> Envelope:
    return Envelope(id=str(uuid.uuid4()), source="/siks/registry", type=event.type, subject=event.subject() or stream_id,
                    time=datetime.now(UTC), data=event.model_dump(mode="json"), key=stream_id,
                    extensions={"streamid": stream_id, "streamversion": str(version)})


async def deliver(client, event: Event, stream_id: str, version: int) -> None:
    """Apply one registry event through the consumer's handler and the service's real unit of work."""
    wrapped = envelope(event, stream_id, version)
    uow = PostgresProposalsUnitOfWork(client.app.state.runtime.pool, cause_of(wrapped, "proposals.registry"))
    await apply_registry_event(event, wrapped, uow)
