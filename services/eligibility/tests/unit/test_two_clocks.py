"""Two clocks: "eligible on 1 March as we knew it then" and "as we know it now" differ for a late-recorded death."""

from __future__ import annotations

from datetime import UTC, date, datetime

from siks_eligibility.domain.assessment import assess
from siks_eligibility.domain.decision import Beneficiary
from siks_events.catalog.eligibility import EndReason
from siks_events.catalog.registry import MemberDeceased, Program

from .builders import ON, RULES, WEIGHTS, Log, head, person, ranked_at, years_before

END_OF_1_MARCH = datetime(2026, 3, 1, 23, 59, 59, tzinfo=UTC)
RECORDED_10_MARCH = datetime(2026, 3, 10, 8, tzinfo=UTC)


def test_a_death_effective_before_the_day_but_recorded_after_it_changes_only_the_answer_as_known_now():
    grandmother = person(years_before(ON, 70))  # the household's only PKH component
    log = Log()
    ranked_at(log, "h1", head(), grandmother, decile=1)
    known_then = log.position
    log.record(MemberDeceased(household_id="h1", nik=grandmother.nik, died_on=date(2026, 2, 20)), at=RECORDED_10_MARCH)

    then = log.assess(known_at=END_OF_1_MARCH).decision(Program.PKH, Beneficiary("h1"))
    now = log.assess().decision(Program.PKH, Beneficiary("h1"))

    assert then.eligible and then.basis.known_at == END_OF_1_MARCH and then.basis.log_position == known_then
    assert not now.eligible and now.end_reason is EndReason.DECEASED and now.basis.log_position == log.position
    assert now.household_position > then.household_position


def test_a_death_recorded_in_time_changes_both_answers():
    grandmother = person(years_before(ON, 70))
    log = Log()
    ranked_at(log, "h1", head(), grandmother, decile=1)
    log.record(MemberDeceased(household_id="h1", nik=grandmother.nik, died_on=date(2026, 2, 20)),
               at=datetime(2026, 2, 21, tzinfo=UTC))
    assert not log.assess(known_at=END_OF_1_MARCH).decision(Program.PKH, Beneficiary("h1")).eligible
    assert not log.assess().decision(Program.PKH, Beneficiary("h1")).eligible


def test_a_death_effective_after_the_day_changes_neither_answer_about_that_day():
    grandmother = person(years_before(ON, 70))
    log = Log()
    ranked_at(log, "h1", head(), grandmother, decile=1)
    log.record(MemberDeceased(household_id="h1", nik=grandmother.nik, died_on=date(2026, 3, 2)), at=RECORDED_10_MARCH)
    assert log.assess(known_at=END_OF_1_MARCH).decision(Program.PKH, Beneficiary("h1")).eligible
    assert log.assess().decision(Program.PKH, Beneficiary("h1")).eligible


def test_a_decision_recomputed_from_the_log_position_it_names_is_the_same_decision():
    grandmother = person(years_before(ON, 70))
    log = Log()
    ranked_at(log, "h1", head(), grandmother, decile=1)
    first = log.assess().decision(Program.PKH, Beneficiary("h1"))
    log.record(MemberDeceased(household_id="h1", nik=grandmother.nik, died_on=date(2026, 2, 20)))

    position = first.basis.log_position
    replayed = [s for h in log.histories.values() if (s := h.as_known_up_to(position)) is not None]
    again = assess(replayed, on=first.basis.on, rules=RULES, weights=WEIGHTS, log_position=position)
    assert again.decision(Program.PKH, Beneficiary("h1")) == first
    assert not log.assess().decision(Program.PKH, Beneficiary("h1")).eligible
