"""A prelist entry (daftar awal): one household to visit for one submitted proposal.

The entry's own stream holds its additions, assignments and drops; whether it was visited and
how the visit was judged lives in the visits' streams. Its state is the fold of both in store
order, so a re-submission (a new `PrelistEntryAdded`) starts a new round and earlier visits
stop counting.
"""

from __future__ import annotations

from enum import StrEnum

from siks_events.catalog.registry import Location
from siks_events.catalog.verification import (
    PrelistEntryAdded,
    PrelistEntryDropped,
    VisitAccepted,
    VisitAssigned,
    VisitRecorded,
    VisitRejected,
)
from siks_events.model import Aggregate, Event

from siks_verification.domain.errors import EntryNotInState, NotAssignedToYou


class EntryStatus(StrEnum):
    OPEN = "open"
    ASSIGNED = "assigned"
    VISITED = "visited"
    """A visit awaits the supervisor's review."""
    ACCEPTED = "accepted"
    DROPPED = "dropped"


ROUND_OPEN = frozenset({EntryStatus.OPEN, EntryStatus.ASSIGNED, EntryStatus.VISITED})
"""States in which the entry still waits for an accepted visit."""


def household_key_of(added: PrelistEntryAdded) -> str:
    """What tells one household from another: its DTKS id, else its KK number, else the proposal."""
    return added.household_id or added.kk_number or added.proposal_id


def entry_id_for(proposal_id: str) -> str:
    """The one entry a proposal has: derived from it, so a redelivered submission finds it again."""
    return f"prelist-{proposal_id}"


class PrelistEntry(Aggregate):
    """A household on a village's prelist and where its verification stands."""

    def __init__(self, id: str) -> None:
        super().__init__(id)
        self.status = EntryStatus.OPEN
        self.added: PrelistEntryAdded | None = None
        self.enumerator: str | None = None
        self.pending_visits: list[str] = []
        self.accepted_visit: str | None = None
        self.verified_location: Location | None = None

    @classmethod
    def add(cls, entry_id: str, added: PrelistEntryAdded) -> PrelistEntry:
        entry = cls(entry_id)
        entry._record(added)
        return entry

    @property
    def region_code(self) -> str:
        assert self.added is not None
        return self.added.region_code

    @property
    def proposal_id(self) -> str:
        assert self.added is not None
        return self.added.proposal_id

    @property
    def proposal_niks(self) -> tuple[str, ...]:
        """The NIKs of the people the proposal concerns."""
        assert self.added is not None
        return self.added.niks

    @property
    def household_key(self) -> str:
        assert self.added is not None
        return household_key_of(self.added)

    @property
    def last_known_location(self) -> Location | None:
        """Where a visit last found the house, else where the proposal put it."""
        return self.verified_location or (self.added.location if self.added else None)

    def add_again(self, added: PrelistEntryAdded) -> None:
        """A re-submitted proposal starts a new round; while a round is open, a repeat changes nothing."""
        if self.status in ROUND_OPEN:
            return
        self._record(added)

    def assign(self, enumerator: str, supervisor: str) -> None:
        """Give the visit to an enumerator (again to another one, as long as nobody has visited)."""
        if self.status not in (EntryStatus.OPEN, EntryStatus.ASSIGNED):
            raise EntryNotInState(f"entry {self.id} is {self.status.value}; only open or assigned entries are assigned")
        if self.enumerator == enumerator and self.status is EntryStatus.ASSIGNED:
            return
        self._record(VisitAssigned(entry_id=self.id, proposal_id=self.proposal_id, enumerator=enumerator,
                                   supervisor=supervisor))

    def drop(self, reason: str) -> None:
        """Take the entry off the prelist while its round is open; after that, nothing to drop."""
        if self.status not in ROUND_OPEN:
            return
        self._record(PrelistEntryDropped(entry_id=self.id, proposal_id=self.proposal_id, reason=reason))

    def ensure_visitable_by(self, enumerator: str) -> None:
        """An enumerator uploads a visit only for an entry assigned to them that still awaits one."""
        if self.status not in (EntryStatus.ASSIGNED, EntryStatus.VISITED):
            raise EntryNotInState(f"entry {self.id} is {self.status.value}; visits are recorded for assigned entries")
        if self.enumerator != enumerator:
            raise NotAssignedToYou(f"entry {self.id} is not assigned to you")

    def ensure_reviewable(self) -> None:
        """A visit is judged only while its entry's round is open."""
        if self.status not in ROUND_OPEN:
            raise EntryNotInState(f"entry {self.id} is {self.status.value}; its visits can no longer be reviewed")

    def follow(self, visit_event: Event) -> None:
        """Take in an event just recorded in one of this entry's visits' streams (not in its own)."""
        self._apply(visit_event)

    def _apply(self, event: Event) -> None:
        match event:
            case PrelistEntryAdded():
                self.added, self.status = event, EntryStatus.OPEN
                self.enumerator, self.pending_visits, self.accepted_visit = None, [], None
            case VisitAssigned(enumerator=enumerator):
                self.enumerator, self.status = enumerator, EntryStatus.ASSIGNED
            case PrelistEntryDropped():
                self.status = EntryStatus.DROPPED
            case VisitRecorded(visit_id=visit_id) if self.status in ROUND_OPEN:
                self.pending_visits.append(visit_id)
                self.status = EntryStatus.VISITED
            case VisitAccepted(visit_id=visit_id, findings=findings) if self.status in ROUND_OPEN:
                self.accepted_visit, self.status = visit_id, EntryStatus.ACCEPTED
                self.pending_visits = [v for v in self.pending_visits if v != visit_id]
                self.verified_location = findings.location or self.verified_location
            case VisitRejected(visit_id=visit_id) if self.status in ROUND_OPEN:
                self.pending_visits = [v for v in self.pending_visits if v != visit_id]
                if not self.pending_visits:
                    self.status = EntryStatus.ASSIGNED if self.enumerator else EntryStatus.OPEN
