"""What the proposals service consumes: the verification service's visits and the registry's facts and answers.

Each handler uses only the unit of work the consumer hands it (bound to the consumer's connection
and transaction, with the inbox row), and enters it at most once. Both topics carry many types that
concern others (prelist entries, member updates): those are simply not relevant here and are
acknowledged untouched. A type that cannot belong to the topic at all is refused with
`UnexpectedEventType`, so the consumer dead-letters it with that reason instead of dropping it.
"""

from __future__ import annotations

from siks_events.catalog import registry, verification
from siks_events.consumer import UnexpectedEventType
from siks_events.envelope import Envelope
from siks_events.model import Event

from siks_proposals.application import handlers
from siks_proposals.application.uow import ProposalsUnitOfWork
from siks_proposals.domain.dtks import COPIED
from siks_proposals.domain.errors import MissingStreamPosition


async def apply_verification_event(event: Event, envelope: Envelope, uow: ProposalsUnitOfWork) -> None:
    """An assignment puts the proposal in verification; an accepted visit (**verified**) verifies or fails it."""
    if event.topic != verification.TOPIC:
        raise UnexpectedEventType(envelope.type, verification.TOPIC)
    match event:
        case verification.VisitAssigned():
            await handlers.handle_visit_assigned(event, uow)
        case verification.VisitAccepted():
            await handlers.handle_visit_accepted(event, uow)
        # A rejected visit puts the entry back on the prelist: the proposal stays where it is.


def stream_version(envelope: Envelope) -> int:
    """The version of the registry's household stream that recorded the event (a CloudEvents extension)."""
    try:
        return int(envelope.extensions["streamversion"])
    except (KeyError, ValueError):
        raise MissingStreamPosition(f"{envelope.type} {envelope.id} carries no streamversion") from None


async def apply_registry_event(event: Event, envelope: Envelope, uow: ProposalsUnitOfWork) -> None:
    """The registry's answer closes an approved proposal; its household facts keep the copy of DTKS and
    cancel open proposals of people who died or moved."""
    if event.topic != registry.TOPIC:
        raise UnexpectedEventType(envelope.type, registry.TOPIC)
    match event:
        case registry.ProposalApplied() | registry.ProposalRefused():
            await handlers.handle_registry_answer(event, uow)
        case _ if isinstance(event, COPIED):
            await handlers.handle_registry_fact(event, stream_version(envelope), uow)
