"""Monitoring reports climb like proposals do, only on approved aid, and know how far the reported amount
is from the approved one."""

from __future__ import annotations

import pytest
from siks_events.catalog.lks import BankAccount, Level
from siks_lks.domain.climb import ClimbStatus
from siks_lks.domain.errors import AidNotApproved, OutOfTurn
from siks_lks.domain.monitoring_report import MonitoringReport

from ..builders import proposal

ACCOUNT = BankAccount(bank="BRI", number="0123456789", holder="Yayasan Al-Ikhlas")


def approved_aid():
    return proposal(lambda p: p.pass_up(Level.REGENCY), lambda p: p.pass_up(Level.PROVINCE),
                    lambda p: p.decide(Level.DIRECTORATE, approved=True))


def test_only_approved_aid_is_reported_on():
    with pytest.raises(AidNotApproved):
        MonitoringReport.submit("r-1", proposal(), reported_amount=1, bank_account=ACCOUNT)


def test_a_report_climbs_the_three_levels_with_a_correction_and_keeps_its_mismatch():
    report = MonitoringReport.submit("r-1", approved_aid(), reported_amount=149_000_000, bank_account=ACCOUNT)
    assert report.mismatch == -1_000_000
    report.return_for_correction(Level.REGENCY, "the kuitansi for the roof tiles is missing")
    with pytest.raises(OutOfTurn):
        report.pass_up(Level.REGENCY)
    report.correct(reported_amount=150_000_000, bank_account=ACCOUNT)
    assert (report.at, report.mismatch) == (Level.REGENCY, 0)
    report.pass_up(Level.REGENCY)
    report.pass_up(Level.PROVINCE)
    report.decide(Level.DIRECTORATE, approved=True)
    again = MonitoringReport.rehydrate("r-1", report.collect_events())
    assert (again.status, again.reported_amount, again.approved_amount) == (ClimbStatus.APPROVED, 150_000_000,
                                                                            150_000_000)
