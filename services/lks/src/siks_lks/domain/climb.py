"""What aid proposals and monitoring reports share: they climb the regency/city office, the province and the
directorate general; any level can return them for correction, and corrected they climb again from the
level that returned them; the directorate general decides. One state machine, two kinds of paper."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from siks_events.catalog.lks import Level
from siks_events.model import Aggregate, Event

from siks_lks.domain.errors import AlreadyDecided, OutOfTurn, ReasonRequired
from siks_lks.domain.levels import ORDER, above


class ClimbStatus(StrEnum):
    IN_REVIEW = "in_review"
    RETURNED = "returned"
    APPROVED = "approved"
    REJECTED = "rejected"


class Climb(Aggregate):
    """A paper on its way up the offices; subclasses name their events (`_passed`, `_returned`, ...)."""

    noun = "paper"

    def __init__(self, id: str) -> None:  # noqa: A002 - the aggregate's id
        super().__init__(id)
        self.status = ClimbStatus.IN_REVIEW
        self.at = Level.REGENCY
        """The office that holds it (in review) or returned it (returned)."""
        self.reason = ""

    # --- the events of a kind of paper ------------------------------------------------

    def _passed(self, level: Level) -> Event: raise NotImplementedError
    def _returned(self, level: Level, reason: str) -> Event: raise NotImplementedError
    def _corrected(self, **content: Any) -> Event: raise NotImplementedError
    def _decided(self, approved: bool, reason: str) -> Event: raise NotImplementedError

    # --- decisions ---------------------------------------------------------------------

    def _turn(self, level: Level, step: str) -> None:
        if self.status in (ClimbStatus.APPROVED, ClimbStatus.REJECTED):
            raise AlreadyDecided(f"the {self.noun} is already {self.status.value}")
        if self.status is ClimbStatus.RETURNED:
            raise OutOfTurn(f"the {self.noun} was returned by the {self.at.value} office: the LKS corrects it first")
        if level is not self.at:
            raise OutOfTurn(f"the {self.noun} is with the {self.at.value} office: the {level.value} cannot {step} it now")

    def pass_up(self, level: Level) -> None:
        """This office checked it: on to the next one (the directorate decides instead of passing)."""
        self._turn(level, "pass")
        if above(level) is None:
            raise OutOfTurn("the directorate general approves or rejects; there is no level above it")
        self._record(self._passed(level))

    def return_for_correction(self, level: Level, reason: str) -> None:
        self._turn(level, "return")
        if not reason.strip():
            raise ReasonRequired("a return for correction says what to correct")
        self._record(self._returned(level, reason))

    def correct(self, **content: Any) -> None:
        """The LKS resubmits a returned paper; it goes back to the office that returned it."""
        if self.status is not ClimbStatus.RETURNED:
            raise OutOfTurn(f"the {self.noun} is {self.status.value}: only a returned one can be corrected")
        self._record(self._corrected(**content))

    def decide(self, level: Level, approved: bool, reason: str = "") -> None:
        self._turn(level, "decide")
        if level is not ORDER[-1]:
            raise OutOfTurn(f"the {level.value} office checks and passes it up; the directorate general decides")
        if not approved and not reason.strip():
            raise ReasonRequired("a rejection says why")
        self._record(self._decided(approved, reason))

    # --- state -------------------------------------------------------------------------

    def _climbed(self, *, passed: Level | None = None, returned: tuple[Level, str] | None = None,
                 corrected: bool = False, decided: tuple[bool, str] | None = None) -> None:
        """The state change each kind of climbing event makes; `_apply` of a subclass calls it."""
        if passed is not None:
            self.at = above(passed) or passed
        if returned is not None:
            self.status, (self.at, self.reason) = ClimbStatus.RETURNED, returned
        if corrected:
            self.status, self.reason = ClimbStatus.IN_REVIEW, ""
        if decided is not None:
            approved, self.reason = decided
            self.status = ClimbStatus.APPROVED if approved else ClimbStatus.REJECTED
