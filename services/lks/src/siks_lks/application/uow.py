"""The LKS service's unit of work: institutions and aid proposals by id."""

from __future__ import annotations

from siks_events.model import NotFound
from siks_events.uow import UnitOfWork

from siks_lks.domain.aid_proposal import AidProposal
from siks_lks.domain.errors import LksNotFound
from siks_lks.domain.institution import Institution
from siks_lks.domain.monitoring_report import MonitoringReport
from siks_lks.domain.ppks import PpksEntry


class AidProposalNotFound(NotFound):
    """No aid proposal with this id."""

    code = "aid-proposal-not-found"
    field = "aid_proposal_id"


class MonitoringReportNotFound(NotFound):
    """No monitoring report with this id."""

    code = "monitoring-report-not-found"
    field = "report_id"


class PpksEntryNotFound(NotFound):
    """No PPKS entry with this id."""

    code = "ppks-entry-not-found"
    field = "entry_id"


class LksUnitOfWork(UnitOfWork):
    async def get_institution(self, lks_id: str) -> Institution:
        institution = await self.load(Institution, lks_id)
        if institution is None:
            raise LksNotFound(f"no institution {lks_id}")
        return institution

    async def get_aid_proposal(self, aid_proposal_id: str) -> AidProposal:
        proposal = await self.load(AidProposal, aid_proposal_id)
        if proposal is None:
            raise AidProposalNotFound(f"no aid proposal {aid_proposal_id}")
        return proposal

    async def get_monitoring_report(self, report_id: str) -> MonitoringReport:
        report = await self.load(MonitoringReport, report_id)
        if report is None:
            raise MonitoringReportNotFound(f"no monitoring report {report_id}")
        return report

    async def get_ppks_entry(self, entry_id: str) -> PpksEntry:
        entry = await self.load(PpksEntry, entry_id)
        if entry is None:
            raise PpksEntryNotFound(f"no PPKS entry {entry_id}")
        return entry
