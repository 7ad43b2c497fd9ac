"""The household as eligibility sees it: the fold of the registry's events, with both clocks."""

from __future__ import annotations

from datetime import date, timedelta

from siks_eligibility.domain.household import HouseholdHistory, LoggedEvent, MemberStatus, age_on
from siks_events.catalog.registry import (
    Assets,
    HouseholdGraduated,
    HouseholdMoved,
    Housing,
    JoinReason,
    MemberAdded,
    MemberDeceased,
    MemberMovedOut,
    MemberRemoved,
    MembersJoined,
    MembersLeft,
    MemberUpdated,
    Program,
    ProgramEnded,
    ProgramEnrolled,
    SocioEconomicDataUpdated,
)

from .builders import MORNING, ON, OTHER_REGENCY_VILLAGE, VILLAGE, Log, head, person, registered, years_before

FEB_20 = date(2026, 2, 20)


def test_a_member_is_active_until_the_day_their_death_took_effect():
    grandmother = person(years_before(ON, 70))
    log = Log()
    log.record(registered("h1", head(), grandmother), MemberDeceased(household_id="h1", nik=grandmother.nik, died_on=FEB_20))
    member = log.state("h1").members[grandmother.nik]
    assert member.status_on(FEB_20 - timedelta(days=1)) is MemberStatus.ACTIVE
    assert member.status_on(FEB_20) is MemberStatus.DECEASED


def test_a_death_recorded_after_a_moment_is_unknown_as_known_at_that_moment():
    grandmother = person(years_before(ON, 70))
    log = Log()
    log.record(registered("h1", head(), grandmother))
    log.record(MemberDeceased(household_id="h1", nik=grandmother.nik, died_on=FEB_20), at=MORNING + timedelta(days=70))
    then = log.state("h1", known_at=MORNING + timedelta(days=55))
    now = log.state("h1")
    assert then.members[grandmother.nik].active_on(ON) and then.last_position == 1
    assert not now.members[grandmother.nik].active_on(ON) and now.last_position == 2


def test_a_member_who_moved_out_and_later_died_was_moved_out_in_between():
    son = person(years_before(ON, 25))
    log = Log()
    log.record(registered("h1", head(), son),
               MemberMovedOut(household_id="h1", nik=son.nik, from_region=VILLAGE, to_region="3571011002",
                              moved_on=date(2026, 1, 10)),
               MemberDeceased(household_id="h1", nik=son.nik, died_on=date(2026, 2, 1)))
    son_state = log.state("h1").members[son.nik]
    assert [son_state.status_on(d) for d in (date(2026, 1, 9), date(2026, 1, 20), date(2026, 2, 1))] == [
        MemberStatus.ACTIVE, MemberStatus.MOVED_OUT, MemberStatus.DECEASED]


def test_a_household_belongs_to_its_new_regency_from_the_day_it_moved():
    log = Log()
    log.record(registered("h1", head()),
               HouseholdMoved(household_id="h1", from_region=VILLAGE, to_region=OTHER_REGENCY_VILLAGE, moved_on=ON))
    state = log.state("h1")
    assert state.regency_on(ON - timedelta(days=1)) == "3571"
    assert state.regency_on(ON) == "3506" and state.region_on(ON) == OTHER_REGENCY_VILLAGE


def test_graduation_makes_every_active_member_graduated_from_that_day_and_leaves_dtks():
    wife, son = person(years_before(ON, 38)), person(years_before(ON, 20))
    log = Log()
    log.record(registered("h1", head(), wife, son),
               MemberDeceased(household_id="h1", nik=son.nik, died_on=date(2026, 1, 2)),
               HouseholdGraduated(household_id="h1", graduated_on=date(2026, 2, 1), reason="mampu"))
    state = log.state("h1")
    assert state.in_registry_on(date(2026, 1, 31)) and not state.in_registry_on(date(2026, 2, 1))
    assert state.members[wife.nik].status_on(ON) is MemberStatus.GRADUATED
    assert state.members[son.nik].status_on(ON) is MemberStatus.DECEASED


def test_an_update_replaces_a_members_data_and_keeps_their_status_history():
    daughter = person(years_before(ON, 30))
    log = Log()
    log.record(registered("h1", head(), daughter),
               MemberMovedOut(household_id="h1", nik=daughter.nik, from_region=VILLAGE, to_region="3571011002",
                              moved_on=FEB_20),
               MemberUpdated(household_id="h1", nik=daughter.nik, person=daughter.model_copy(update={"pregnant": True})))
    member = log.state("h1").members[daughter.nik]
    assert member.pregnant and member.status_on(ON) is MemberStatus.MOVED_OUT


def test_added_and_removed_members_come_and_go_and_socio_economic_data_is_replaced():
    baby, lodger = person(years_before(ON, 0, 10)), person(years_before(ON, 30))
    log = Log()
    log.record(registered("h1", head(), lodger), MemberAdded(household_id="h1", nik=baby.nik, person=baby),
               MemberRemoved(household_id="h1", nik=lodger.nik, reason="married"),
               SocioEconomicDataUpdated(household_id="h1", housing=Housing(roof_material="tile"),
                                        assets=Assets(land_owned=True), welfare_decile=9))
    state = log.state("h1")
    assert set(state.members) == {state.head_nik, baby.nik}
    assert state.housing.roof_material == "tile" and state.assets.land_owned


def test_programme_memberships_open_and_end():
    wife = person(years_before(ON, 38))
    log = Log()
    log.record(registered("h1", head(), wife),
               ProgramEnrolled(household_id="h1", nik=wife.nik, program=Program.PKH, start_date=date(2025, 1, 1)),
               ProgramEnded(household_id="h1", nik=wife.nik, program=Program.PKH, end_date=FEB_20, reason="x"),
               ProgramEnrolled(household_id="h1", nik=wife.nik, program=Program.SEMBAKO, start_date=FEB_20))
    memberships = log.state("h1").members[wife.nik].memberships
    assert [(m.program, m.end_date) for m in memberships] == [(Program.PKH, FEB_20), (Program.SEMBAKO, None)]


def test_a_history_folds_only_its_own_households_events_and_nothing_before_registration():
    history = HouseholdHistory("h1")
    history.record(MemberDeceased(household_id="h1", nik="3571014506880001", died_on=FEB_20), position=1,
                   recorded_at=MORNING)
    assert history.as_known_at() is None
    history.record(registered("h1", head()), position=2, recorded_at=MORNING)
    state = history.as_known_at()
    assert state.apply(LoggedEvent(registered("h2", head()), 3, MORNING)) is state


def test_the_household_up_to_a_log_position_is_the_household_that_position_reflected():
    grandmother = person(years_before(ON, 70))
    log = Log()
    first = log.record(registered("h1", head(), grandmother))
    log.record(MemberDeceased(household_id="h1", nik=grandmother.nik, died_on=FEB_20))
    then = log.histories["h1"].as_known_up_to(first)
    assert then.last_position == first and then.members[grandmother.nik].active_on(ON)
    assert not log.histories["h1"].as_known_up_to(first + 1).members[grandmother.nik].active_on(ON)


def test_age_counts_completed_years_and_a_leap_day_birthday_falls_on_the_first_of_march():
    assert age_on(date(2020, 3, 1), date(2026, 2, 28)) == 5
    assert age_on(date(2020, 3, 1), date(2026, 3, 1)) == 6
    assert age_on(date(2008, 2, 29), date(2026, 2, 28)) == 17
    assert age_on(date(2008, 2, 29), date(2026, 3, 1)) == 18


def test_a_member_who_moved_out_and_was_added_again_is_active_from_the_day_that_was_recorded():
    son = person(years_before(ON, 25))
    log = Log()
    log.record(registered("h1", head(), son),
               MemberMovedOut(household_id="h1", nik=son.nik, from_region=VILLAGE, to_region="3571011002",
                              moved_on=date(2026, 1, 10)))
    log.record(MemberAdded(household_id="h1", nik=son.nik, person=son), at=MORNING + timedelta(days=40))
    son_state = log.state("h1").members[son.nik]
    assert son_state.status_on(date(2026, 2, 13)) is MemberStatus.MOVED_OUT
    assert son_state.status_on((MORNING + timedelta(days=40)).date()) is MemberStatus.ACTIVE


def test_a_member_who_leaves_counts_here_until_that_day_and_in_the_household_they_join_from_then():
    son = person(years_before(ON, 20))
    log = Log()
    log.record(registered("h1", head(), son), registered("h2", head()),
               MembersLeft(household_id="h1", niks=(son.nik,), to_household_id="h2", reason="transfer", left_on=FEB_20),
               MembersJoined(household_id="h2", persons=(son,), from_household_id="h1",
                             join_reason=JoinReason.TRANSFER, joined_on=FEB_20))
    before, after = FEB_20 - timedelta(days=1), FEB_20
    old, new = log.state("h1").members[son.nik], log.state("h2").members[son.nik]
    assert (old.status_on(before), old.status_on(after)) == (MemberStatus.ACTIVE, MemberStatus.LEFT)
    assert (new.status_on(before), new.status_on(after)) == (MemberStatus.LEFT, MemberStatus.ACTIVE)
