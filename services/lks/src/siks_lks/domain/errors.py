"""What the LKS service refuses, each with a stable code and, where one input is at fault, its field."""

from __future__ import annotations

from siks_events.model import Conflict, Forbidden, NotFound, RuleViolated


class OutOfTurn(Conflict):
    """Not this office's turn: the decision sits with another level (a step out of order)."""

    code = "out-of-turn"


class NotThisLevel(Forbidden):
    """This office's level has no say over the institution (its scope names another level)."""

    code = "not-this-level"


class AlreadyDecided(Conflict):
    """The registration or proposal has been decided; it takes no further step."""

    code = "already-decided"


class LksNotApproved(RuleViolated):
    """Only an approved institution may submit aid proposals."""

    code = "lks-not-approved"
    field = "lks_id"


class UnknownService(RuleViolated):
    """The institution did not register this service."""

    code = "unknown-service"
    field = "service"


class LksNotFound(NotFound):
    """No institution with this id."""

    code = "lks-not-found"
    field = "lks_id"


class ReasonRequired(RuleViolated):
    """A return or a rejection says why."""

    code = "reason-required"
    field = "reason"


class AidNotApproved(RuleViolated):
    """Only approved aid is reported on."""

    code = "aid-not-approved"
    field = "aid_proposal_id"


class CorrectionRequired(RuleViolated):
    """A corrected PPKS entry carries the record as found; the other outcomes carry none."""

    code = "correction-required"
    field = "corrected"
