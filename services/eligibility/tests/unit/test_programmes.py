"""Programme rules: PKH, Sembako/BPNT, PBI JK and PIP, their limits and their versions."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from siks_eligibility.domain.decision import Beneficiary
from siks_eligibility.domain.policy import NoVersionInForce
from siks_eligibility.domain.rules import PkhRule, RuleBook, RuleSet
from siks_events.catalog.eligibility import EndReason
from siks_events.catalog.registry import (
    Assets,
    Education,
    HouseholdGraduated,
    MemberDeceased,
    MemberMovedOut,
    Person,
    Program,
    Sex,
)

from .builders import ON, RULES, VILLAGE, Log, head, person, ranked_at, registered, schoolchild, years_before

DAY_BEFORE = ON - timedelta(days=1)


def _pkh(*members: Person, decile: int = 1, rules: RuleSet = RULES, on: date = ON):
    log = Log()
    ranked_at(log, "h1", head(), *members, decile=decile)
    return log.assess(rules=rules, on=on).decision(Program.PKH, Beneficiary("h1"))


def test_pkh_needs_a_component_member_and_a_decile_within_the_limit():
    assert _pkh(person(years_before(ON, 3))).eligible
    without_component = _pkh(person(years_before(ON, 30)))
    assert not without_component.eligible and not without_component.condition("has_component").passed
    assert (without_component.end_reason, without_component.ended_on) == (EndReason.NO_LONGER_ENTITLED, ON)


def test_a_decile_exactly_at_the_limit_qualifies_and_the_next_one_does_not():
    baby = person(years_before(ON, 1))
    assert _pkh(baby, decile=4).eligible
    above = _pkh(baby, decile=5)
    assert not above.eligible and above.condition("decile").detail == "decile 5 of the regency, limit 4"


def test_a_child_is_a_young_child_until_the_day_before_the_sixth_birthday():
    five = _pkh(person(years_before(ON, 6, days=-1)))
    six = _pkh(person(years_before(ON, 6)))
    assert five.condition("young_child").passed and not five.condition("school_age_child").passed
    assert not six.condition("young_child").passed and six.condition("school_age_child").passed


def test_school_age_ends_at_the_19th_birthday_or_at_the_22nd_for_a_child_in_school():
    def school_age(age: int, *, in_school: bool) -> bool:
        child = person(years_before(ON, age), attending_school=in_school, education=Education.SENIOR_SECONDARY)
        return _pkh(child).condition("school_age_child").passed

    assert school_age(18, in_school=False) and not school_age(19, in_school=False)
    assert school_age(19, in_school=True) and school_age(21, in_school=True) and not school_age(22, in_school=True)


def test_a_member_is_elderly_from_the_60th_birthday():
    assert _pkh(person(years_before(ON, 60))).eligible
    not_yet = _pkh(person(years_before(ON, 60, days=-1)))
    assert not not_yet.condition("elderly").passed and not not_yet.eligible


def test_a_pregnant_woman_and_a_member_with_a_disability_are_components():
    pregnant = _pkh(person(years_before(ON, 28), sex=Sex.FEMALE, pregnant=True))
    disabled = _pkh(person(years_before(ON, 30), disability="disabilitas fisik"))
    assert pregnant.eligible and pregnant.condition("pregnant").passed
    assert disabled.eligible and disabled.condition("severe_disability").passed


def test_a_rule_that_names_severe_disabilities_counts_only_those():
    strict = RULES.replacing(PkhRule(version="pkh-strict", effective_from=date(2025, 1, 1), max_decile=4,
                                     severe_disabilities=("disabilitas berat",)))
    assert _pkh(person(years_before(ON, 30), disability="Disabilitas Berat"), rules=strict).eligible
    assert not _pkh(person(years_before(ON, 30), disability="disabilitas fisik"), rules=strict).eligible


def test_a_component_who_died_before_the_day_counts_no_more_and_death_is_the_reason():
    grandmother = person(years_before(ON, 70))
    log = Log()
    ranked_at(log, "h1", head(), grandmother, decile=1)
    log.record(MemberDeceased(household_id="h1", nik=grandmother.nik, died_on=DAY_BEFORE))
    decision = log.assess().decision(Program.PKH, Beneficiary("h1"))
    assert not decision.eligible and (decision.end_reason, decision.ended_on) == (EndReason.DECEASED, DAY_BEFORE)
    assert log.assess(on=DAY_BEFORE - timedelta(days=1)).decision(Program.PKH, Beneficiary("h1")).eligible


def test_a_component_who_moved_out_counts_no_more_and_the_move_is_the_reason():
    toddler = person(years_before(ON, 2))
    log = Log()
    ranked_at(log, "h1", head(), toddler, decile=1)
    log.record(MemberMovedOut(household_id="h1", nik=toddler.nik, from_region=VILLAGE, to_region="3571011002",
                              moved_on=ON))
    decision = log.assess().decision(Program.PKH, Beneficiary("h1"))
    assert not decision.eligible and decision.end_reason is EndReason.MOVED_OUT


def test_a_graduated_household_and_its_members_are_eligible_for_nothing():
    child = schoolchild(10)
    log = Log()
    ranked_at(log, "h1", head(), child, decile=1)
    log.record(HouseholdGraduated(household_id="h1", graduated_on=ON, reason="mampu"))
    decisions = log.assess().for_household("h1")
    assert {d.program for d in decisions} == {Program.PKH, Program.SEMBAKO, Program.PBI_JK, Program.PIP}
    assert all(not d.eligible and (d.end_reason, d.ended_on) == (EndReason.GRADUATED, ON) for d in decisions)
    assert log.assess(on=DAY_BEFORE).decision(Program.PIP, Beneficiary("h1", child.nik)).eligible


def test_sembako_needs_only_a_decile_within_the_limit():
    log = Log()
    ranked_at(log, "h1", head(), decile=4)
    assessment = log.assess()
    assert assessment.decision(Program.SEMBAKO, Beneficiary("h1")).eligible
    assert not assessment.decision(Program.SEMBAKO, Beneficiary("h1-neighbour-4")).eligible  # decile 5


def test_pbi_jk_covers_every_active_person_of_a_household_in_the_bottom_forty_percent():
    wife, son, daughter = person(years_before(ON, 35), sex=Sex.FEMALE), person(years_before(ON, 12)), person(
        years_before(ON, 9), sex=Sex.FEMALE)
    log = Log()
    ranked_at(log, "h1", head(), wife, son, daughter, decile=4)
    log.record(MemberDeceased(household_id="h1", nik=son.nik, died_on=DAY_BEFORE),
               MemberMovedOut(household_id="h1", nik=daughter.nik, from_region=VILLAGE, to_region="3506012003",
                              moved_on=DAY_BEFORE))
    decisions = {d.beneficiary.nik: d for d in log.assess().for_household("h1") if d.program is Program.PBI_JK}
    assert decisions[wife.nik].eligible
    assert (decisions[son.nik].eligible, decisions[son.nik].end_reason) == (False, EndReason.DECEASED)
    assert (decisions[daughter.nik].eligible, decisions[daughter.nik].end_reason) == (False, EndReason.MOVED_OUT)
    log_decile_5 = Log()
    ranked_at(log_decile_5, "h1", head(), wife, decile=5)
    assert not log_decile_5.assess().eligible(Program.PBI_JK) & {Beneficiary("h1", wife.nik)}


def test_pip_covers_school_age_children_attending_school_in_eligible_households():
    at_six, at_twenty_one = schoolchild(6), schoolchild(21)
    too_old = schoolchild(22)
    out_of_school = person(years_before(ON, 10), education=Education.PRIMARY)
    student = person(years_before(ON, 20), attending_school=True, education=Education.BACHELOR)
    log = Log()
    ranked_at(log, "h1", head(), at_six, at_twenty_one, too_old, out_of_school, student, decile=4)
    eligible = {b.nik for b in log.assess().eligible(Program.PIP)}
    assert eligible == {at_six.nik, at_twenty_one.nik}
    richer = Log()
    ranked_at(richer, "h1", head(), at_six, decile=5)
    assert not richer.assess().eligible(Program.PIP)


def test_the_rule_version_in_force_changes_on_its_effective_date():
    book = RuleBook(rules=(PkhRule(version="pkh-v1", effective_from=date(2025, 1, 1), max_decile=4),
                           PkhRule(version="pkh-v2", effective_from=ON, max_decile=3)))
    baby = person(years_before(ON, 1))
    before = _pkh(baby, decile=4, rules=book.rule_set(DAY_BEFORE), on=DAY_BEFORE)
    on_the_day = _pkh(baby, decile=4, rules=book.rule_set(ON))
    assert (before.rule_version, before.eligible) == ("pkh-v1", True)
    assert (on_the_day.rule_version, on_the_day.eligible) == ("pkh-v2", False)


def test_no_rule_version_in_force_is_an_error_and_a_rule_set_leaves_that_programme_out():
    book = RuleBook(rules=(PkhRule(version="pkh-v1", effective_from=ON, max_decile=4),))
    with pytest.raises(NoVersionInForce):
        book.in_force(Program.PKH, DAY_BEFORE)
    assert book.rule_set(DAY_BEFORE).programs() == [] and book.rule_set(ON).programs() == [Program.PKH]


def test_a_decision_names_its_versions_inputs_conditions_and_the_log_position_it_reflects():
    log = Log()
    ranked_at(log, "h1", head(), person(years_before(ON, 3)), decile=1)
    decision = log.assess().decision(Program.PKH, Beneficiary("h1"))
    assert (decision.rule_version, decision.weights_version) == ("pkh-test", "pmt-2025.1")
    assert decision.basis.log_position == log.position and decision.basis.on == ON
    assert decision.household_position == 1  # h1 was the first household recorded
    assert decision.inputs["decile"] == 1 and decision.inputs["welfare_rank"] == "1 of 10"
    assert decision.inputs["welfare_score"] == sum(decision.inputs["welfare_points"].values())
    assert [(c.name, c.passed, c.required) for c in decision.conditions] == [
        ("in_dtks", True, True), ("decile", True, True), ("pregnant", False, False), ("young_child", True, False),
        ("school_age_child", False, False), ("elderly", False, False), ("severe_disability", False, False),
        ("has_component", True, True)]


def test_the_death_of_the_last_component_ends_pkh_as_a_death_even_when_it_moves_the_household_past_the_decile_limit():
    grandmother = person(years_before(ON, 70))  # her death takes 3 points of size away: the household scores higher
    log = Log()
    for wealth in range(9):
        log.record(registered(f"n{wealth}", head(), wealth=wealth))
    log.record(registered("h1", head(), grandmother).model_copy(  # level with n3, ahead of it by id: rank 4
        update={"assets": Assets(vehicles=("car", "car", "car", "motorcycle"))}))
    assert log.assess().decision(Program.PKH, Beneficiary("h1")).decile == 4
    log.record(MemberDeceased(household_id="h1", nik=grandmother.nik, died_on=DAY_BEFORE))

    after = log.assess().decision(Program.PKH, Beneficiary("h1"))
    assert not after.eligible and after.decile == 5 and not after.condition("has_component").passed
    assert (after.end_reason, after.ended_on) == (EndReason.DECEASED, DAY_BEFORE)
