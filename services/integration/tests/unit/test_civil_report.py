"""A Dukcapil report: forwarded, held with its reason, or a repeat."""

from __future__ import annotations

from datetime import date

import pytest
from siks_events.catalog.integration import (
    CivilReportApplied,
    CivilReportHeld,
    CivilReportUnmatched,
    DeathReported,
    DomicileMoved,
)
from siks_integration.domain.civil_report import CivilReport, KnownPerson, Status
from siks_integration.domain.dtks import MembershipStatus
from siks_integration.domain.errors import ReportMismatch

NIK = "3571014302840002"
DEATH = DeathReported(report_id="death-KM-1", nik=NIK, name="Siti Aminah", died_on=date(2026, 10, 2),
                      certificate_number="KM-1")
MOVE = DomicileMoved(move_id="move-SP-1", nik=NIK, from_region="3571011001", to_region="3571021001",
                     moved_on=date(2026, 9, 1))
ACTIVE = KnownPerson(NIK, MembershipStatus.ACTIVE)
DECEASED = KnownPerson(NIK, MembershipStatus.DECEASED, date(2026, 8, 1))


def test_a_death_of_someone_in_dtks_is_forwarded():
    report = CivilReport.receive_death(DEATH, ACTIVE)
    assert report.collect_events() == [DEATH] and report.status is Status.TRANSLATED


def test_a_death_of_someone_unknown_is_forwarded_and_listed_as_unmatched():
    report = CivilReport.receive_death(DEATH, None)
    assert [type(e) for e in report.collect_events()] == [DeathReported, CivilReportUnmatched]
    assert report.status is Status.UNMATCHED


def test_a_death_of_someone_unknown_to_a_copy_that_may_be_behind_is_forwarded_and_pending():
    report = CivilReport.receive_death(DEATH, None, dtks_current=False)
    assert report.collect_events() == [DEATH] and report.status is Status.PENDING


def test_a_pending_report_becomes_unmatched_once_the_copy_is_current_and_still_names_nobody():
    report = CivilReport.receive_death(DEATH, None, dtks_current=False)
    report.reconsider(people_known=False, dtks_current=False)
    assert report.status is Status.PENDING
    report.collect_events()
    report.reconsider(people_known=False, dtks_current=True)
    assert report.collect_events() == [CivilReportUnmatched(report_id="death-KM-1")]
    assert report.status is Status.UNMATCHED


def test_a_pending_report_whose_person_the_copy_learns_of_is_translated():
    report = CivilReport.receive_death(DEATH, None, dtks_current=False)
    report.reconsider(people_known=True, dtks_current=True)
    assert report.collect_events() == [DEATH] and report.status is Status.TRANSLATED


def test_the_registry_confirmation_wins_over_pending_and_unmatched():
    for current in (False, True):
        report = CivilReport.receive_death(DEATH, None, dtks_current=current)
        report.record_applied("/siks-ng/registry")
        report.reconsider(people_known=False, dtks_current=True)
        assert report.status is Status.APPLIED


def test_a_move_of_nobody_known_is_pending_while_the_copy_may_be_behind():
    report = CivilReport.receive_move(MOVE, [], region_known=True, dtks_current=False)
    assert report.status is Status.PENDING


def test_a_death_of_someone_already_deceased_is_held_and_says_since_when():
    report = CivilReport.receive_death(DEATH, DECEASED)
    (held,) = report.collect_events()
    assert isinstance(held, CivilReportHeld) and held.reason_code == "already-deceased"
    assert "2026-08-01" in report.reason and report.status is Status.HELD and report.nik == NIK


def test_a_move_after_death_is_held():
    report = CivilReport.receive_move(MOVE, [DECEASED], region_known=True)
    assert report.status is Status.HELD and report.held.reason_code == "person-deceased"


def test_a_move_to_an_unknown_village_is_held():
    report = CivilReport.receive_move(MOVE, [ACTIVE], region_known=False)
    assert report.held.reason_code == "unknown-region"


def test_a_repeat_with_other_facts_is_refused_and_an_identical_one_is_not():
    report = CivilReport.rehydrate("death-KM-1", [DEATH])
    report.ensure_same(DEATH)
    with pytest.raises(ReportMismatch):
        report.ensure_same(DEATH.model_copy(update={"died_on": date(2026, 10, 3)}))


def test_the_registry_confirmation_marks_it_applied_once():
    report = CivilReport.rehydrate("death-KM-1", [DEATH, CivilReportUnmatched(report_id="death-KM-1")])
    report.record_applied("/siks-ng/registry")
    report.record_applied("/siks-ng/registry")
    assert [type(e) for e in report.collect_events()] == [CivilReportApplied]
    assert report.status is Status.APPLIED
