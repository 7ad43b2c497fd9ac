"""The proposal's one state machine: its statuses, the steps that move it, and the table between them."""

from __future__ import annotations

from enum import StrEnum

from siks_events.catalog.proposals import VISITED_KINDS, ProposalKind


class Status(StrEnum):
    """Where a proposal (usulan) stands in the monthly update."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    IN_VERIFICATION = "in_verification"
    VERIFIED = "verified"
    VERIFICATION_FAILED = "verification_failed"
    APPROVED = "approved"
    REJECTED = "rejected"
    RETURNED = "returned"
    APPLIED = "applied"
    REFUSED = "refused"
    CANCELLED = "cancelled"


class Step(StrEnum):
    """What can happen to a proposal, named as the past participle the error message uses."""

    CORRECT = "corrected"
    SUBMIT = "submitted"
    START_VERIFICATION = "put in verification"
    VERIFY = "verified"
    FAIL_VERIFICATION = "failed in verification"
    APPROVE = "approved"
    REJECT = "rejected"
    RETURN = "returned"
    APPLY = "applied"
    REFUSE = "refused"
    CANCEL = "cancelled"


_ALL = frozenset(ProposalKind)
_VISITED = VISITED_KINDS
_UNVISITED = _ALL - VISITED_KINDS

OPEN = frozenset({Status.DRAFT, Status.SUBMITTED, Status.IN_VERIFICATION, Status.VERIFIED,
                  Status.VERIFICATION_FAILED, Status.RETURNED})
"""States a death, a move or a withdrawal can still cancel; an approved proposal waits for the registry."""

_DECISIONS = {Step.APPROVE: Status.APPROVED, Step.REJECT: Status.REJECTED, Step.RETURN: Status.RETURNED}

TRANSITIONS: dict[tuple[Status, Step], tuple[Status, frozenset[ProposalKind]]] = {
    (Status.DRAFT, Step.CORRECT): (Status.DRAFT, _ALL),
    (Status.DRAFT, Step.SUBMIT): (Status.SUBMITTED, _ALL),
    (Status.RETURNED, Step.CORRECT): (Status.RETURNED, _ALL),
    (Status.RETURNED, Step.SUBMIT): (Status.SUBMITTED, _ALL),
    # Visit events come from two streams (the entry's, the visit's), so acceptance may overtake assignment.
    (Status.SUBMITTED, Step.START_VERIFICATION): (Status.IN_VERIFICATION, _VISITED),
    (Status.IN_VERIFICATION, Step.START_VERIFICATION): (Status.IN_VERIFICATION, _VISITED),  # reassigned
    (Status.SUBMITTED, Step.VERIFY): (Status.VERIFIED, _VISITED),
    (Status.IN_VERIFICATION, Step.VERIFY): (Status.VERIFIED, _VISITED),
    (Status.SUBMITTED, Step.FAIL_VERIFICATION): (Status.VERIFICATION_FAILED, _VISITED),
    (Status.IN_VERIFICATION, Step.FAIL_VERIFICATION): (Status.VERIFICATION_FAILED, _VISITED),
    # No office decides before the field has: visited kinds are decided only once verified.
    **{(Status.VERIFIED, step): (target, _VISITED) for step, target in _DECISIONS.items()},
    **{(Status.SUBMITTED, step): (target, _UNVISITED) for step, target in _DECISIONS.items()},
    # A household not found can be rejected or sent back, never approved.
    (Status.VERIFICATION_FAILED, Step.REJECT): (Status.REJECTED, _VISITED),
    (Status.VERIFICATION_FAILED, Step.RETURN): (Status.RETURNED, _VISITED),
    (Status.APPROVED, Step.APPLY): (Status.APPLIED, _ALL),
    (Status.APPROVED, Step.REFUSE): (Status.REFUSED, _ALL),
    **{(status, Step.CANCEL): (Status.CANCELLED, _ALL) for status in OPEN},
}


def next_status(status: Status, step: Step, kind: ProposalKind) -> Status | None:
    """The status `step` leads to from `status` for a proposal of `kind`; None when the table forbids it."""
    target, kinds = TRANSITIONS.get((status, step), (None, _ALL))
    return target if kind in kinds else None


def ready_for_approval(status: Status, kind: ProposalKind) -> bool:
    """Whether the office may approve a proposal in this state now."""
    return next_status(status, Step.APPROVE, kind) is not None
