"""Past events that put a proposal in each status, for tests that start from a given state."""

from __future__ import annotations

from siks_events.catalog.proposals import (
    VISITED_KINDS,
    Change,
    ProposalApproved,
    ProposalCancelled,
    ProposalClosed,
    ProposalDrafted,
    ProposalRejected,
    ProposalReturned,
    ProposalSubmitted,
    ProposalVerificationFailed,
    ProposalVerificationStarted,
    ProposalVerified,
)
from siks_events.model import Event
from siks_proposals.domain.lifecycle import Status
from siks_proposals.domain.proposal import Proposal

from ..builders import VILLAGE

ID = "p-1"
PERIOD = "2026-11"


def _submitted(change: Change) -> list[Event]:
    return [ProposalDrafted(proposal_id=ID, region_code=VILLAGE, change=change),
            ProposalSubmitted(proposal_id=ID, region_code=VILLAGE, period=PERIOD, change=change,
                              needs_visit=change.kind in VISITED_KINDS)]


def _ready(change: Change) -> list[Event]:
    if change.kind not in VISITED_KINDS:
        return _submitted(change)
    return [*_submitted(change), ProposalVerificationStarted(proposal_id=ID, entry_id="entry-1", enumerator="enum-1"),
            ProposalVerified(proposal_id=ID, visit_id="visit-1", change=change)]


def history(status: Status, change: Change) -> list[Event]:
    """Events that lead a proposal of this change to `status` by the shortest path."""
    approved = [*_ready(change), ProposalApproved(proposal_id=ID, region_code=VILLAGE, period=PERIOD, change=change)]
    return {
        Status.DRAFT: _submitted(change)[:1],
        Status.SUBMITTED: _submitted(change),
        Status.IN_VERIFICATION: _ready(change)[:3],
        Status.VERIFIED: _ready(change),
        Status.VERIFICATION_FAILED: [*_ready(change)[:3], ProposalVerificationFailed(
            proposal_id=ID, visit_id="visit-1", reason="household not found at the address")],
        Status.APPROVED: approved,
        Status.REJECTED: [*_ready(change), ProposalRejected(proposal_id=ID, reason="not poor")],
        Status.RETURNED: [*_ready(change), ProposalReturned(proposal_id=ID, reason="wrong KK number")],
        Status.APPLIED: [*approved, ProposalClosed(proposal_id=ID, outcome="applied", household_id="hh-1")],
        Status.REFUSED: [*approved, ProposalClosed(proposal_id=ID, outcome="refused", reason_code="nik-already-active",
                                                   reason="NIK active elsewhere")],
        Status.CANCELLED: [*_submitted(change)[:1], ProposalCancelled(proposal_id=ID, reason_code="withdrawn",
                                                                      reason="asked twice")],
    }[status]


def proposal_in(status: Status, change: Change) -> Proposal:
    proposal = Proposal.rehydrate(ID, history(status, change))
    assert proposal.status is status, f"the history for {status} leads to {proposal.status}"
    return proposal
