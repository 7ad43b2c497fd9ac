"""The prelist entry's life: added, assigned, visited, accepted or rejected, dropped, added again."""

from __future__ import annotations

import random

import pytest
from siks_events.catalog.verification import (
    PrelistEntryAdded,
    PrelistEntryDropped,
    VisitAccepted,
    VisitAssigned,
    VisitRejected,
)
from siks_verification.domain.errors import (
    EntryNotInState,
    IdentityNotConfirmed,
    InterviewTimesInvalid,
    NotAssignedToYou,
    VisitAlreadyReviewed,
)
from siks_verification.domain.prelist import EntryStatus, PrelistEntry
from siks_verification.domain.visit import Visit, visit_id_for

from ..builders import VILLAGE, normal_visit, submitted

PROPOSAL = submitted("p-1")
ADDED = PrelistEntryAdded(entry_id="prelist-p-1", proposal_id="p-1", region_code=VILLAGE, period="2026-11",
                          kk_number=PROPOSAL.kk_number, niks=PROPOSAL.niks, names=PROPOSAL.names,
                          location=PROPOSAL.location)
ASSIGNED = VisitAssigned(entry_id="prelist-p-1", proposal_id="p-1", enumerator="enum-ani", supervisor="spv")


def entry(*events) -> PrelistEntry:
    return PrelistEntry.rehydrate("prelist-p-1", [ADDED, *events])


def visit_to(an_entry: PrelistEntry, enumerator: str = "enum-ani", client_visit_id: str = "c-1") -> Visit:
    cmd = normal_visit(PROPOSAL, random.Random(1), client_visit_id=client_visit_id)
    return Visit.record(an_entry, client_visit_id=cmd.client_visit_id, enumerator=enumerator,
                        started_at=cmd.started_at, ended_at=cmd.ended_at, position=cmd.position, photos=cmd.photos,
                        findings=cmd.findings, flags=())


def test_a_new_entry_is_open_and_assigning_it_records_the_enumerator():
    an_entry = entry()
    assert an_entry.status is EntryStatus.OPEN
    an_entry.assign("enum-ani", supervisor="spv")
    assert an_entry.pending_events == [ASSIGNED] and an_entry.status is EntryStatus.ASSIGNED


def test_assigning_the_same_enumerator_twice_records_nothing():
    an_entry = entry(ASSIGNED)
    an_entry.assign("enum-ani", supervisor="spv")
    assert an_entry.pending_events == []


def test_a_recorded_visit_makes_the_entry_visited_and_it_can_no_longer_be_reassigned():
    an_entry = entry(ASSIGNED)
    visit_to(an_entry)
    assert an_entry.status is EntryStatus.VISITED
    with pytest.raises(EntryNotInState):
        an_entry.assign("enum-budi", supervisor="spv")


def test_only_the_assigned_enumerator_records_a_visit():
    with pytest.raises(NotAssignedToYou):
        visit_to(entry(ASSIGNED), enumerator="enum-budi")
    with pytest.raises(EntryNotInState):
        visit_to(entry())


def test_an_interview_that_ends_before_it_starts_is_refused():
    an_entry = entry(ASSIGNED)
    cmd = normal_visit(PROPOSAL, random.Random(1))
    with pytest.raises(InterviewTimesInvalid):
        Visit.record(an_entry, client_visit_id="c-1", enumerator="enum-ani", started_at=cmd.ended_at,
                     ended_at=cmd.started_at, position=cmd.position, photos=(), findings=cmd.findings, flags=())


def test_the_visit_id_is_derived_from_enumerator_and_client_id_only():
    assert visit_id_for("enum-ani", "c-1") == visit_id_for("enum-ani", "c-1")
    assert visit_id_for("enum-ani", "c-1") != visit_id_for("enum-budi", "c-1")
    assert visit_to(entry(ASSIGNED)).id == visit_id_for("enum-ani", "c-1")


def test_accepting_a_visit_records_verified_with_the_findings_and_the_entry_is_accepted():
    an_entry = entry(ASSIGNED)
    visit = visit_to(an_entry)
    visit.collect_events()
    visit.accept(an_entry, "spv", identity_confirmed=True)
    [accepted] = visit.collect_events()
    assert isinstance(accepted, VisitAccepted) and accepted.findings == visit.recorded.findings
    assert accepted.region_code == VILLAGE and an_entry.status is EntryStatus.ACCEPTED


def test_a_found_household_is_not_accepted_before_the_identity_is_confirmed():
    an_entry = entry(ASSIGNED)
    with pytest.raises(IdentityNotConfirmed):
        visit_to(an_entry).accept(an_entry, "spv", identity_confirmed=False)


def test_a_rejected_visit_returns_the_entry_to_its_enumerator_for_another_visit():
    an_entry = entry(ASSIGNED)
    visit = visit_to(an_entry)
    visit.reject(an_entry, "spv", "the photo of the roof is blurred")
    assert isinstance(visit.pending_events[-1], VisitRejected)
    assert an_entry.status is EntryStatus.ASSIGNED
    with pytest.raises(VisitAlreadyReviewed):
        visit.accept(an_entry, "spv", identity_confirmed=True)
    visit_to(an_entry, client_visit_id="c-2")
    assert an_entry.status is EntryStatus.VISITED


def test_dropping_an_open_entry_records_it_once_and_an_accepted_entry_is_not_dropped():
    an_entry = entry(ASSIGNED)
    an_entry.drop("deceased")
    an_entry.drop("deceased")
    assert [type(e) for e in an_entry.pending_events] == [PrelistEntryDropped]
    done = entry(ASSIGNED)
    visit_to(done).accept(done, "spv", identity_confirmed=True)
    done.drop("closed")
    assert done.pending_events == [] and done.status is EntryStatus.ACCEPTED


def test_a_visit_of_a_dropped_entry_can_no_longer_be_reviewed():
    an_entry = entry(ASSIGNED)
    visit = visit_to(an_entry)
    an_entry.drop("withdrawn")
    with pytest.raises(EntryNotInState):
        visit.accept(an_entry, "spv", identity_confirmed=True)


def test_a_resubmission_reopens_a_dropped_entry_and_a_repeat_while_open_changes_nothing():
    an_entry = entry(ASSIGNED)
    an_entry.add_again(ADDED)
    assert an_entry.pending_events == []
    dropped = entry(ASSIGNED, PrelistEntryDropped(entry_id="prelist-p-1", proposal_id="p-1", reason="returned"))
    dropped.add_again(ADDED)
    assert dropped.pending_events == [ADDED] and dropped.status is EntryStatus.OPEN and dropped.enumerator is None


def test_an_accepted_visit_moves_the_households_last_known_position_to_where_it_was_found():
    an_entry = entry(ASSIGNED)
    visit = visit_to(an_entry)
    assert an_entry.last_known_location == PROPOSAL.location
    visit.accept(an_entry, "spv", identity_confirmed=True)
    assert an_entry.last_known_location == visit.recorded.findings.location != PROPOSAL.location


def test_a_resubmission_after_an_accepted_visit_opens_a_new_round_in_which_the_old_visit_no_longer_counts():
    an_entry = entry(ASSIGNED)
    visit = visit_to(an_entry)
    visit.accept(an_entry, "spv", identity_confirmed=True)
    an_entry.add_again(ADDED)
    assert an_entry.status is EntryStatus.OPEN and an_entry.accepted_visit is None
    assert an_entry.last_known_location == visit.recorded.findings.location  # what the field saw still stands
