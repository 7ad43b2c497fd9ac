"""What the proposals service refuses, each with a stable code and, where one input is at fault, its field."""

from __future__ import annotations

from siks_events.model import Conflict, NotFound, RuleViolated


class StepOutOfOrder(Conflict):
    """The proposal's life cycle does not allow this step in its current state."""

    code = "step-out-of-order"

    def __init__(self, proposal_id: str, status: str, step: str, hint: str = "") -> None:
        super().__init__(f"proposal {proposal_id} is {status}: it cannot be {step} now{hint}")
        self.status, self.step = status, step


class KindChanged(RuleViolated):
    """A correction keeps the kind of change the proposal was drafted for; draft a new proposal instead."""

    code = "kind-changed"
    field = "change/kind"


class HouseholdNotInDtks(RuleViolated):
    """The household is not in DTKS (as this service's copy knows it)."""

    code = "household-not-in-dtks"
    field = "change/household_id"


class HouseholdOutsideVillage(RuleViolated):
    """The household lies in another village than the proposal's."""

    code = "household-outside-village"
    field = "change/household_id"


class PeriodNotStarted(RuleViolated):
    """A period that has not begun cannot be closed."""

    code = "period-not-started"
    field = "period"


class MissingStreamPosition(RuleViolated):
    """A registry event without its stream version cannot be ordered against the copy of DTKS."""

    code = "missing-stream-position"


class ProposalNotFound(NotFound):
    """No proposal with this id."""

    code = "proposal-not-found"
