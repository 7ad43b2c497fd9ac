"""The household aggregate: given past events, when a decision, then events."""

from __future__ import annotations

from datetime import date

import pytest
from siks_events.catalog.registry import (
    HouseholdMoved,
    MemberDeceased,
    MemberMovedOut,
    Person,
    Program,
    ProgramEnded,
    Relationship,
)
from siks_registry.domain.errors import DuplicateMember, HeadRequired, HouseholdClosed, MemberNotActive
from siks_registry.domain.household import Household, Status

from ..builders import ANI, BUDI, SITI, VILLAGE

PEOPLE = [Person(**p) for p in (BUDI, SITI, ANI)]
BUDI_NIK, SITI_NIK, ANI_NIK = (p.nik for p in PEOPLE)


def registered(*programs: tuple[str, Program, date]) -> Household:
    household = Household.register("h-1", kk_number="3571010101090001", region_code=VILLAGE, address="Jl. 1",
                                   members=PEOPLE)
    for nik, program, start in programs:
        household.enrol(nik, program, start)
    return Household.rehydrate("h-1", household.collect_events())


def test_a_household_without_a_head_is_refused():
    with pytest.raises(HeadRequired) as refused:
        Household.register("h-1", kk_number="x", region_code=VILLAGE, address="a", members=PEOPLE[1:])
    assert refused.value.code == "head-required" and "0 given" in refused.value.detail


def test_a_household_with_two_heads_is_refused():
    second_head = PEOPLE[1].model_copy(update={"relationship": Relationship.HEAD})
    with pytest.raises(HeadRequired) as refused:
        Household.register("h-1", kk_number="x", region_code=VILLAGE, address="a",
                           members=[PEOPLE[0], second_head, PEOPLE[2]])
    assert refused.value.code == "head-required" and "2 given" in refused.value.detail


def test_a_nik_listed_twice_names_the_second_member():
    with pytest.raises(DuplicateMember) as refused:
        Household.register("h-1", kk_number="x", region_code=VILLAGE, address="a", members=[*PEOPLE, PEOPLE[2]])
    assert refused.value.field == "members/3/nik"


def test_a_death_ends_every_open_membership_on_the_day_of_death():
    household = registered((SITI_NIK, Program.PKH, date(2025, 1, 1)), (SITI_NIK, Program.PBI_JK, date(2025, 3, 1)))
    household.record_death(SITI_NIK, date(2026, 10, 2), report_id="r-1")
    events = household.collect_events()
    assert [type(e) for e in events] == [ProgramEnded, ProgramEnded, MemberDeceased]
    assert {e.end_date for e in events[:2]} == {date(2026, 10, 2)}
    assert household.members[SITI_NIK].status is Status.DECEASED


def test_a_second_death_report_records_nothing():
    household = registered()
    household.record_death(ANI_NIK, date(2026, 10, 2))
    household.collect_events()
    household.record_death(ANI_NIK, date(2026, 10, 5))
    assert household.pending_events == []


def test_the_death_of_the_head_flags_the_household_for_a_new_head():
    household = registered()
    household.record_death(BUDI_NIK, date(2026, 10, 2))
    assert household.needs_new_head
    household.change_head(SITI_NIK)
    assert not household.needs_new_head and household.head_nik == SITI_NIK


def test_a_move_reported_after_the_death_changes_nothing():
    household = registered()
    household.record_death(ANI_NIK, date(2026, 10, 2))
    household.collect_events()
    household.record_move_out(ANI_NIK, "3506012001", date(2026, 11, 1))
    assert household.pending_events == []


def test_a_death_reported_after_a_move_out_still_records_the_death():
    household = registered()
    household.record_move_out(ANI_NIK, "3506012001", date(2026, 9, 1))
    household.record_death(ANI_NIK, date(2026, 10, 2))
    assert [type(e) for e in household.collect_events()] == [MemberMovedOut, MemberDeceased]


def test_a_repeated_household_move_records_nothing():
    household = registered()
    household.move("3571021001", date(2026, 9, 1))
    household.move("3571021001", date(2026, 9, 1))
    assert [type(e) for e in household.collect_events()] == [HouseholdMoved]


def test_an_inactive_member_cannot_be_enrolled():
    household = registered()
    household.record_death(ANI_NIK, date(2026, 10, 2))
    with pytest.raises(MemberNotActive):
        household.enrol(ANI_NIK, Program.PIP, date(2026, 11, 1))


def test_replaying_the_events_gives_the_same_state():
    made = Household.register("h-1", kk_number="3571010101090001", region_code=VILLAGE, address="Jl. 1",
                              members=PEOPLE)
    made.enrol(ANI_NIK, Program.PIP, date(2025, 7, 1))
    made.record_move_out(ANI_NIK, "3506012001", date(2026, 9, 1))
    made.record_death(BUDI_NIK, date(2026, 10, 2))
    replayed = Household.rehydrate("h-1", made.collect_events())
    assert replayed.members == made.members
    assert (replayed.head_nik, replayed.needs_new_head, replayed.version) == (BUDI_NIK, True, 4)


def test_graduation_ends_open_memberships_and_closes_the_household():
    household = registered((SITI_NIK, Program.PKH, date(2025, 1, 1)))
    household.graduate("no longer poor", date(2026, 11, 1), proposal_id="p-1")
    ended, graduated = household.collect_events()
    assert isinstance(ended, ProgramEnded) and (ended.nik, ended.reason) == (SITI_NIK, "graduated")
    assert graduated.type == "siks.registry.household-graduated.v1" and graduated.proposal_id == "p-1"
    assert household.active_members() == []
    assert {m.status for m in household.members.values()} == {Status.GRADUATED}


def test_a_graduated_household_takes_no_new_member_and_a_second_graduation_records_nothing():
    household = registered()
    household.graduate("no longer poor", date(2026, 11, 1))
    household.collect_events()
    with pytest.raises(HouseholdClosed):
        household.add_member(PEOPLE[2].model_copy(update={"nik": "3571012109120009"}))
    household.graduate("again", date(2026, 11, 2))
    assert household.pending_events == []
