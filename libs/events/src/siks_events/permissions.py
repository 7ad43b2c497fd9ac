"""Who may do what: one table of (operation -> roles), and the region rule beside it.

Every route names the operation it performs and asks `authorize`; services do not grow checks
of their own. An object outside the actor's region and an object that does not exist get the
same answer (`NotAccessible`), so a 403 tells nobody where a record lives or whether it exists.
"""

from __future__ import annotations

from enum import StrEnum

from siks_events.auth import Actor, Role
from siks_events.model import Forbidden


class Operation(StrEnum):
    # proposals (usulan)
    PROPOSAL_DRAFT = "proposal.draft"
    PROPOSAL_CORRECT = "proposal.correct"
    PROPOSAL_SUBMIT = "proposal.submit"
    PROPOSAL_WITHDRAW = "proposal.withdraw"
    PROPOSAL_DECIDE = "proposal.decide"
    """Approve, reject or return a proposal (alone or as a period's batch)."""
    PROPOSAL_READ = "proposal.read"
    PERIOD_CLOSE = "period.close"
    # verification (verivali)
    PRELIST_READ = "prelist.read"
    PRELIST_ASSIGN = "prelist.assign"
    VISIT_UPLOAD = "visit.upload"
    VISIT_READ = "visit.read"
    VISIT_REVIEW = "visit.review"
    """Accept or reject a visit."""


_OFFICES = {Role.DISTRICT_OFFICE, Role.PROVINCE_OFFICE, Role.MINISTRY}

PERMISSIONS: dict[Operation, frozenset[Role]] = {
    Operation.PROPOSAL_DRAFT: frozenset({Role.VILLAGE_OPERATOR}),
    Operation.PROPOSAL_CORRECT: frozenset({Role.VILLAGE_OPERATOR}),
    Operation.PROPOSAL_SUBMIT: frozenset({Role.VILLAGE_OPERATOR}),
    Operation.PROPOSAL_WITHDRAW: frozenset({Role.VILLAGE_OPERATOR}),
    Operation.PROPOSAL_DECIDE: frozenset({Role.DISTRICT_OFFICE}),
    Operation.PROPOSAL_READ: frozenset(
        {Role.VILLAGE_OPERATOR, Role.ENUMERATOR, Role.SUPERVISOR, Role.AUDITOR} | _OFFICES),
    Operation.PERIOD_CLOSE: frozenset({Role.DISTRICT_OFFICE}),
    Operation.PRELIST_READ: frozenset({Role.VILLAGE_OPERATOR, Role.ENUMERATOR, Role.SUPERVISOR, Role.AUDITOR} | _OFFICES),
    Operation.PRELIST_ASSIGN: frozenset({Role.SUPERVISOR}),
    Operation.VISIT_UPLOAD: frozenset({Role.ENUMERATOR}),
    Operation.VISIT_READ: frozenset({Role.ENUMERATOR, Role.SUPERVISOR, Role.AUDITOR} | _OFFICES),
    Operation.VISIT_REVIEW: frozenset({Role.SUPERVISOR}),
}


class OperationNotAllowed(Forbidden):
    """The actor's role may not perform this operation."""

    code = "operation-not-allowed"


class NotAccessible(Forbidden):
    """The record is not accessible to this actor (outside their region, or no such record)."""

    code = "not-accessible"


def allowed(role: Role, operation: Operation) -> bool:
    return role in PERMISSIONS[operation]


def authorize(actor: Actor, operation: Operation) -> Actor:
    """The actor, if their role may perform `operation`; OperationNotAllowed otherwise."""
    if not allowed(actor.role, operation):
        raise OperationNotAllowed(f"role {actor.role.value} may not perform {operation.value}")
    return actor


def require_access(actor: Actor, kind: str, object_id: str, region_code: str | None) -> None:
    """Raise NotAccessible unless the object exists (`region_code` is not None) inside the actor's region.

    The message names only what the caller already sent, so it is the same either way.
    """
    if region_code is None or not actor.covers(region_code):
        raise NotAccessible(f"{kind} {object_id} is not accessible to you")
