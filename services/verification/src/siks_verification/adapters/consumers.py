"""Events from the proposals service that the verification service applies: the prelist follows the proposals."""

from __future__ import annotations

from siks_events.catalog.proposals import TOPIC as PROPOSALS_TOPIC
from siks_events.catalog.proposals import (
    ProposalCancelled,
    ProposalClosed,
    ProposalRejected,
    ProposalReturned,
    ProposalSubmitted,
)
from siks_events.consumer import UnexpectedEventType
from siks_events.envelope import Envelope
from siks_events.model import Event

from siks_verification.application import handlers
from siks_verification.application.uow import VerificationUnitOfWork


def _ended_because(event: Event) -> str | None:
    match event:
        case ProposalCancelled(reason_code=code, reason=reason):
            return f"cancelled ({code}): {reason}"
        case ProposalRejected(reason=reason):
            return f"rejected: {reason}"
        case ProposalReturned(reason=reason):
            return f"returned to the village: {reason}"
        case ProposalClosed(outcome=outcome):
            return f"closed: {outcome}"
    return None


async def apply_proposal_event(event: Event, envelope: Envelope, uow: VerificationUnitOfWork) -> None:
    """proposed puts the household on the prelist; a proposal that ends takes it off; other steps change nothing."""
    if event.topic != PROPOSALS_TOPIC:
        raise UnexpectedEventType(envelope.type, PROPOSALS_TOPIC)  # misrouted: the consumer dead-letters it
    if isinstance(event, ProposalSubmitted):
        await handlers.handle_proposal_submitted(event, uow)
        return
    reason = _ended_because(event)
    if reason is not None:
        await handlers.handle_proposal_ended(event.proposal_id, reason, uow)
