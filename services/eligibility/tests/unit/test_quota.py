"""Quotas per regency and the reallocation of freed slots down the waiting list, as events."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from siks_eligibility.domain.decision import Beneficiary
from siks_eligibility.domain.quota import enrolled, reallocate
from siks_eligibility.domain.rules import PkhRule
from siks_events import catalog
from siks_events.catalog.eligibility import EligibilityEnded, EligibilityGranted, EndReason, QuotaSlotReallocated
from siks_events.catalog.registry import (
    HouseholdGraduated,
    HouseholdMoved,
    MemberDeceased,
    Program,
    ProgramEnded,
    ProgramEnrolled,
)

from .builders import ON, OTHER_REGENCY_VILLAGE, REGENCY, RULES, VILLAGE, Log, head, person, registered, years_before


def _pkh_regency() -> tuple[Log, dict[str, str]]:
    """Ten households, a..j poorest first, each with a grandmother of 70 as its only PKH component."""
    log, grandmothers = Log(), {}
    for wealth, household_id in enumerate("abcdefghij"):
        grandmother = person(years_before(ON, 70))
        grandmothers[household_id] = grandmother.nik
        log.record(registered(household_id, head(), grandmother, wealth=wealth))
    return log, grandmothers


def _pkh(log: Log, beneficiaries: set[str], quota: int | None = 2, **assessing):
    return reallocate(log.assess(**assessing), program=Program.PKH, regency=REGENCY, quota=quota,
                      beneficiaries={Beneficiary(h) for h in beneficiaries})


def test_a_death_in_a_pkh_household_under_a_full_quota_gives_the_slot_to_the_next_ranked_household():
    log, grandmothers = _pkh_regency()
    assert _pkh(log, {"a", "b"}) == []  # the quota of 2 is full: nothing to do
    log.record(MemberDeceased(household_id="a", nik=grandmothers["a"], died_on=ON))

    events = _pkh(log, {"a", "b"})

    common = {"program": Program.PKH, "regency": REGENCY, "effective_on": ON, "rule_version": "pkh-test",
              "weights_version": "pmt-2025.1", "log_position": log.position}
    assert events == [
        EligibilityEnded(household_id="a", reason=EndReason.DECEASED, **common),
        EligibilityGranted(household_id="c", welfare_rank=3, decile=3, **common),
        QuotaSlotReallocated(from_household_id="a", reason=EndReason.DECEASED, to_household_id="c", to_welfare_rank=3,
                             **common),
    ]
    assert all(catalog.decode(e.type, e.model_dump(mode="json")) == e for e in events)


def test_the_waiting_list_puts_equal_scores_in_household_id_order():
    log = Log()
    for household_id in ("z", "y", "x"):  # identical households, recorded in reverse order
        log.record(registered(household_id, head(), person(years_before(ON, 2))))
    events = _pkh(log, set(), quota=2)
    assert [e.household_id for e in events] == ["x", "y"]


def test_a_household_that_moved_to_another_regency_frees_its_slot_there():
    log, _ = _pkh_regency()
    log.record(HouseholdMoved(household_id="b", from_region=VILLAGE, to_region=OTHER_REGENCY_VILLAGE, moved_on=ON))
    events = _pkh(log, {"a", "b"})
    assert [type(e).__name__ for e in events] == ["EligibilityEnded", "EligibilityGranted", "QuotaSlotReallocated"]
    assert (events[0].household_id, events[0].reason, events[2].to_household_id) == ("b", EndReason.MOVED_AWAY, "c")


def test_a_graduated_household_frees_its_slot():
    log, _ = _pkh_regency()
    log.record(HouseholdGraduated(household_id="a", graduated_on=ON, reason="mampu"))
    events = _pkh(log, {"a", "b"})
    assert (events[0].reason, events[1].household_id) == (EndReason.GRADUATED, "c")


def test_a_rule_change_that_ends_beneficiaries_frees_their_slots_in_household_id_order():
    log, _ = _pkh_regency()
    stricter = RULES.replacing(PkhRule(version="pkh-v2", effective_from=date(2026, 3, 1), max_decile=2))
    # d and c leave (deciles 4 and 3 are now above the limit); nobody left on the waiting list qualifies
    events = _pkh(log, {"d", "c", "b", "a"}, quota=4, rules=stricter)
    assert [(type(e).__name__, e.household_id, e.reason) for e in events] == [
        ("EligibilityEnded", "c", EndReason.NO_LONGER_ENTITLED), ("EligibilityEnded", "d", EndReason.NO_LONGER_ENTITLED)]
    assert {e.rule_version for e in events} == {"pkh-v2"}


def test_slots_freed_by_a_rule_change_go_down_the_waiting_list():
    log, _ = _pkh_regency()
    stricter = RULES.replacing(PkhRule(version="pkh-v2", effective_from=date(2026, 3, 1), max_decile=3))
    events = _pkh(log, {"d", "a"}, quota=2, rules=stricter)
    assert [(type(e).__name__, getattr(e, "household_id", e.subject())) for e in events] == [
        ("EligibilityEnded", "d"), ("EligibilityGranted", "b"), ("QuotaSlotReallocated", "b")]


def test_a_quota_lowered_below_the_beneficiaries_evicts_no_one_and_grants_nothing():
    log, _ = _pkh_regency()
    assert _pkh(log, {"a", "b", "c"}, quota=1) == []


def test_without_a_quota_every_eligible_household_is_granted_in_rank_order():
    log, _ = _pkh_regency()
    assert [e.household_id for e in _pkh(log, {"b"}, quota=None)] == ["a", "c", "d"]


def test_a_raised_quota_grants_without_reallocating():
    log, _ = _pkh_regency()
    events = _pkh(log, {"a"}, quota=3)
    assert [(type(e).__name__, e.household_id) for e in events] == [("EligibilityGranted", "b"), ("EligibilityGranted", "c")]


def test_a_slot_of_a_person_programme_passes_from_person_to_person():
    log, grandmothers = _pkh_regency()
    log.record(MemberDeceased(household_id="a", nik=grandmothers["a"], died_on=ON))
    assessment = log.assess()
    a_head = next(n for n in log.state("a").members if n != grandmothers["a"])
    events = reallocate(assessment, program=Program.PBI_JK, regency=REGENCY, quota=2,
                        beneficiaries={Beneficiary("a", grandmothers["a"]), Beneficiary("a", a_head)})
    assert [(type(e).__name__, e.subject()) for e in events] == [
        ("EligibilityEnded", "a"), ("EligibilityGranted", "b"), ("QuotaSlotReallocated", "b")]
    assert events[0].nik == grandmothers["a"] and events[2].from_nik == grandmothers["a"]
    assert events[1].nik == min(log.state("b").members)  # in a household, persons wait in NIK order


def test_a_death_recorded_late_ends_the_membership_on_the_day_of_death_and_grants_the_slot_from_the_day_assessed():
    log, grandmothers = _pkh_regency()
    log.record(MemberDeceased(household_id="a", nik=grandmothers["a"], died_on=date(2026, 2, 20)),
               at=datetime(2026, 3, 10, tzinfo=UTC))
    ended, granted, reallocated = _pkh(log, {"a", "b"}, on=date(2026, 3, 10))
    assert (ended.effective_on, ended.reason) == (date(2026, 2, 20), EndReason.DECEASED)
    assert granted.effective_on == reallocated.effective_on == date(2026, 3, 10)


def test_a_household_that_moved_away_leaves_its_old_regency_on_the_day_it_moved():
    log, _ = _pkh_regency()
    log.record(HouseholdMoved(household_id="b", from_region=VILLAGE, to_region=OTHER_REGENCY_VILLAGE,
                              moved_on=date(2026, 2, 2)))
    assert _pkh(log, {"a", "b"})[0].effective_on == date(2026, 2, 2)


def test_the_registrys_open_memberships_name_the_current_beneficiaries():
    log, grandmothers = _pkh_regency()
    log.record(ProgramEnrolled(household_id="a", nik=grandmothers["a"], program=Program.PKH, start_date=date(2025, 1, 1)),
               ProgramEnrolled(household_id="b", nik=grandmothers["b"], program=Program.PBI_JK, start_date=date(2025, 1, 1)),
               ProgramEnrolled(household_id="c", nik=grandmothers["c"], program=Program.PKH, start_date=date(2025, 1, 1)),
               ProgramEnded(household_id="c", nik=grandmothers["c"], program=Program.PKH, end_date=ON, reason="x"))
    assert enrolled(log.states(), Program.PKH, ON) == {Beneficiary("a")}
    assert enrolled(log.states(), Program.PKH, ON - timedelta(days=1)) == {Beneficiary("a"), Beneficiary("c")}
    assert enrolled(log.states(), Program.PBI_JK, ON) == {Beneficiary("b", grandmothers["b"])}
