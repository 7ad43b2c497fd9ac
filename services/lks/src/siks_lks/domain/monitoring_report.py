"""Monitoring and evaluation (monev) of approved aid: the LKS reports how it used the money (bank account,
receipts, minutes, activity report); the report climbs like the proposal did (see `climb`). A reported
amount other than the approved one is a mismatch that the recap flags."""

from __future__ import annotations

from siks_events.catalog.lks import (
    BankAccount,
    Document,
    Level,
    MonitoringReportCorrected,
    MonitoringReportDecided,
    MonitoringReportPassed,
    MonitoringReportReturned,
    MonitoringReportSubmitted,
)
from siks_events.model import Event

from siks_lks.domain.aid_proposal import AidProposal
from siks_lks.domain.climb import Climb, ClimbStatus
from siks_lks.domain.errors import AidNotApproved


class MonitoringReport(Climb):
    """A report on one approved aid proposal, and where it stands."""

    noun = "report"

    def __init__(self, id: str) -> None:  # noqa: A002 - the aggregate's id
        super().__init__(id)
        self.aid_proposal_id = ""
        self.lks_id = ""
        self.region_code = ""
        self.approved_amount = 0
        self.reported_amount = 0

    @classmethod
    def submit(cls, report_id: str, aid: AidProposal, *, reported_amount: int, bank_account: BankAccount,
               documents: tuple[Document, ...] = ()) -> MonitoringReport:
        if aid.status is not ClimbStatus.APPROVED:
            raise AidNotApproved(f"aid proposal {aid.id} is {aid.status.value}: only approved aid is reported on")
        report = cls(report_id)
        report._record(MonitoringReportSubmitted(
            report_id=report_id, aid_proposal_id=aid.id, lks_id=aid.lks_id, region_code=aid.region_code,
            approved_amount=aid.amount, reported_amount=reported_amount, bank_account=bank_account,
            documents=documents))
        return report

    @property
    def mismatch(self) -> int:
        """Reported minus approved (0 when they agree)."""
        return self.reported_amount - self.approved_amount

    def _passed(self, level: Level) -> Event:
        return MonitoringReportPassed(report_id=self.id, level=level)

    def _returned(self, level: Level, reason: str) -> Event:
        return MonitoringReportReturned(report_id=self.id, level=level, reason=reason)

    def _corrected(self, **content) -> Event:
        return MonitoringReportCorrected(report_id=self.id, **content)

    def _decided(self, approved: bool, reason: str) -> Event:
        return MonitoringReportDecided(report_id=self.id, approved=approved, reason=reason)

    def _apply(self, event: Event) -> None:
        match event:
            case MonitoringReportSubmitted():
                self.aid_proposal_id, self.lks_id, self.region_code = event.aid_proposal_id, event.lks_id, \
                    event.region_code
                self.approved_amount, self.reported_amount = event.approved_amount, event.reported_amount
            case MonitoringReportPassed(level=level):
                self._climbed(passed=level)
            case MonitoringReportReturned(level=level, reason=reason):
                self._climbed(returned=(level, reason))
            case MonitoringReportCorrected(reported_amount=amount):
                self.reported_amount = amount
                self._climbed(corrected=True)
            case MonitoringReportDecided(approved=approved, reason=reason):
                self._climbed(decided=(approved, reason))
