"""Events from other services that the registry applies: Dukcapil's deaths and moves, and approved proposals."""

from __future__ import annotations

from siks_events.catalog.integration import DeathReported, DomicileMoved
from siks_events.catalog.proposals import TOPIC as PROPOSALS_TOPIC
from siks_events.catalog.proposals import ProposalApproved
from siks_events.consumer import UnexpectedEventType
from siks_events.envelope import Envelope
from siks_events.model import Event

from siks_registry.adapters import metrics
from siks_registry.application import handlers, proposals
from siks_registry.application.uow import RegistryUnitOfWork


async def apply_civil_registry_event(event: Event, envelope: Envelope, uow: RegistryUnitOfWork) -> None:
    """deceased-reported deactivates the person; moved-domicile moves the person or the whole KK."""
    match event:
        case DeathReported():
            await handlers.handle_death_reported(event, uow)
            metrics.observe_death_applied(uow, envelope)
        case DomicileMoved():
            await handlers.handle_domicile_moved(event, uow)


async def apply_proposal_event(event: Event, envelope: Envelope, uow: RegistryUnitOfWork) -> None:
    """An approved proposal is applied (or refused) on the approval's date; the rest of a proposal's life
    is the proposals service's business."""
    if event.topic != PROPOSALS_TOPIC:
        raise UnexpectedEventType(envelope.type, PROPOSALS_TOPIC)
    if isinstance(event, ProposalApproved):
        await proposals.handle_proposal_approved(event, uow, today=envelope.time.date())
