"""The registry's answer to an approved proposal (usulan disetujui): applied or refused, once."""

from __future__ import annotations

from siks_events.catalog.registry import ProposalApplied, ProposalRefused
from siks_events.model import Aggregate, Event

ANSWER_PREFIX = "proposal-"


def answer_stream(proposal_id: str) -> str:
    """The stream holding the registry's answer to one proposal."""
    return f"{ANSWER_PREFIX}{proposal_id}"


class ProposalAnswer(Aggregate):
    """Whether the registry has answered a proposal; a redelivered approval finds it answered."""

    def __init__(self, id: str) -> None:  # noqa: A002 - the aggregate's id
        super().__init__(id)
        self.answered = False

    @classmethod
    def for_proposal(cls, proposal_id: str) -> ProposalAnswer:
        return cls(answer_stream(proposal_id))

    def applied(self, proposal_id: str, household_id: str) -> None:
        if not self.answered:
            self._record(ProposalApplied(proposal_id=proposal_id, household_id=household_id))

    def refused(self, proposal_id: str, reason_code: str, reason: str, household_id: str | None) -> None:
        if not self.answered:
            self._record(ProposalRefused(proposal_id=proposal_id, reason_code=reason_code, reason=reason,
                                         household_id=household_id))

    def _apply(self, event: Event) -> None:
        self.answered = True
