"""The copy of DTKS folded from the registry's events: members, memberships, moves, order."""

from __future__ import annotations

from datetime import date

from siks_events.catalog.registry import (
    HouseholdGraduated,
    HouseholdMergedInto,
    HouseholdMoved,
    HouseholdRegistered,
    JoinReason,
    MemberDeceased,
    MembersJoined,
    MembersLeft,
    Program,
    ProgramEnded,
    ProgramEnrolled,
)
from siks_proposals.domain.dtks import folded

from ..builders import ANI, BUDI, HOUSEHOLD, KK, OTHER_VILLAGE, SITI, VILLAGE

REGISTERED = HouseholdRegistered(household_id=HOUSEHOLD, kk_number=KK, region_code=VILLAGE, address="Jl. 1",
                                 members=(BUDI, SITI, ANI))


def _fold(*events):
    household = None
    for version, event in enumerate(events, start=1):
        household = folded(household, event, version) or household
    return household


def test_a_registered_household_is_copied_with_its_members_active():
    household = _fold(REGISTERED)
    assert [(m.nik, m.active) for m in household.members] == [(BUDI.nik, True), (SITI.nik, True), (ANI.nik, True)]
    assert (household.region_code, household.kk_number, household.version) == (VILLAGE, KK, 1)


def test_a_deceased_member_is_inactive_and_holds_no_memberships():
    household = _fold(REGISTERED,
                      ProgramEnrolled(household_id=HOUSEHOLD, nik=SITI.nik, program=Program.PKH, start_date=date(2025, 1, 1)),
                      ProgramEnrolled(household_id=HOUSEHOLD, nik=ANI.nik, program=Program.PIP, start_date=date(2025, 1, 1)),
                      ProgramEnded(household_id=HOUSEHOLD, nik=ANI.nik, program=Program.PIP, end_date=date(2025, 6, 1),
                                   reason="school finished"),
                      MemberDeceased(household_id=HOUSEHOLD, nik=SITI.nik, died_on=date(2026, 10, 2)))
    assert [(m.active, m.programs) for m in household.active_members()] == [(True, frozenset()), (True, frozenset())]
    assert household.member(SITI.nik).active is False


def test_a_moved_household_is_found_in_its_new_village_and_a_graduated_one_is_no_longer_active():
    moved = _fold(REGISTERED, HouseholdMoved(household_id=HOUSEHOLD, from_region=VILLAGE, to_region=OTHER_VILLAGE,
                                             moved_on=date(2026, 9, 1)))
    assert moved.region_code == OTHER_VILLAGE
    # built without validation: the registry is adding `graduated_on` to this event, and the copy needs only the id
    graduation = HouseholdGraduated.model_construct(household_id=HOUSEHOLD, reason="no longer poor")
    graduated = _fold(REGISTERED, graduation)
    assert not graduated.active and graduated.active_members() == []


def test_members_who_left_are_inactive_here_and_joined_there_and_a_merged_household_is_no_longer_active():
    left = _fold(REGISTERED, MembersLeft(household_id=HOUSEHOLD, niks=(ANI.nik,), to_household_id="hh-2",
                                         reason="split", left_on=date(2026, 11, 2)))
    assert [(m.nik, m.active) for m in left.members] == [(BUDI.nik, True), (SITI.nik, True), (ANI.nik, False)]
    newcomer = ANI.model_copy(update={"nik": "3571016109120009"})
    joined = _fold(REGISTERED, MembersJoined(household_id=HOUSEHOLD, persons=(newcomer,), from_household_id="hh-2",
                                             join_reason=JoinReason.TRANSFER, joined_on=date(2026, 11, 2)))
    assert [m.nik for m in joined.active_members()][-1] == newcomer.nik
    merged = _fold(REGISTERED, HouseholdMergedInto(household_id=HOUSEHOLD, into_household_id="hh-2",
                                                   merged_on=date(2026, 11, 2), reason="marriage"))
    assert not merged.active and merged.active_members() == []


def test_an_old_or_repeated_event_changes_nothing():
    household = _fold(REGISTERED, MemberDeceased(household_id=HOUSEHOLD, nik=SITI.nik, died_on=date(2026, 10, 2)))
    assert folded(household, REGISTERED, 1) is None
    assert folded(household, REGISTERED, 2) is None


def test_news_of_a_household_the_copy_never_saw_registered_is_ignored():
    assert folded(None, MemberDeceased(household_id="hh-unknown", nik=SITI.nik, died_on=date(2026, 10, 2)), 5) is None
