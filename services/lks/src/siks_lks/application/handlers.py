"""Command handlers of the LKS service: load, decide, commit."""

from __future__ import annotations

import uuid

from siks_events.catalog.lks import Instrument, Level, PpksOutcome, PpksRecord

from siks_lks.application.uow import LksUnitOfWork
from siks_lks.domain import commands
from siks_lks.domain.aid_proposal import AidProposal
from siks_lks.domain.climb import Climb
from siks_lks.domain.errors import OutOfTurn
from siks_lks.domain.institution import Institution
from siks_lks.domain.monitoring_report import MonitoringReport
from siks_lks.domain.ppks import PpksEntry


async def handle_register_lks(cmd: commands.RegisterLks, uow: LksUnitOfWork) -> Institution:
    async with uow:
        institution = Institution.register(
            cmd.lks_id or str(uuid.uuid4()), name=cmd.name, legal_number=cmd.legal_number, address=cmd.address,
            region_code=cmd.region_code, scope=cmd.scope, services=cmd.services, documents=cmd.documents)
        uow.add(institution)
        await uow.commit()
    return institution


async def handle_decide_lks(cmd: commands.DecideLks, uow: LksUnitOfWork) -> Institution:
    async with uow:
        institution = await uow.get_institution(cmd.lks_id)
        institution.decide(cmd.level, cmd.approved, cmd.reason)
        await uow.commit()
    return institution


async def handle_decide_service(cmd: commands.DecideService, uow: LksUnitOfWork) -> Institution:
    async with uow:
        institution = await uow.get_institution(cmd.lks_id)
        institution.decide_service(cmd.service, cmd.approved, cmd.reason)
        await uow.commit()
    return institution


async def handle_submit_aid_proposal(cmd: commands.SubmitAidProposal, uow: LksUnitOfWork) -> AidProposal:
    async with uow:
        institution = await uow.get_institution(cmd.lks_id)
        proposal = AidProposal.submit(cmd.aid_proposal_id or str(uuid.uuid4()), institution, amount=cmd.amount,
                                      purpose=cmd.purpose, beneficiaries=cmd.beneficiaries, documents=cmd.documents,
                                      service=cmd.service)
        uow.add(proposal)
        await uow.commit()
    return proposal


def _review(paper: Climb, level: Level, step: str, reason: str) -> None:
    match step:
        case "pass":
            paper.pass_up(level)
        case "return":
            paper.return_for_correction(level, reason)
        case "approve" | "reject":
            paper.decide(level, step == "approve", reason)
        case _:
            raise OutOfTurn(f"no step {step!r}")


async def handle_review_aid_proposal(cmd: commands.ReviewAidProposal, uow: LksUnitOfWork) -> AidProposal:
    async with uow:
        proposal = await uow.get_aid_proposal(cmd.aid_proposal_id)
        _review(proposal, cmd.level, cmd.step, cmd.reason)
        await uow.commit()
    return proposal


async def handle_correct_aid_proposal(cmd: commands.CorrectAidProposal, uow: LksUnitOfWork) -> AidProposal:
    async with uow:
        proposal = await uow.get_aid_proposal(cmd.aid_proposal_id)
        proposal.correct(amount=cmd.amount, purpose=cmd.purpose, beneficiaries=cmd.beneficiaries,
                         documents=cmd.documents)
        await uow.commit()
    return proposal


async def handle_submit_monitoring_report(cmd: commands.SubmitMonitoringReport, uow: LksUnitOfWork) -> MonitoringReport:
    async with uow:
        aid = await uow.get_aid_proposal(cmd.aid_proposal_id)
        report = MonitoringReport.submit(cmd.report_id or str(uuid.uuid4()), aid, reported_amount=cmd.reported_amount,
                                         bank_account=cmd.bank_account, documents=cmd.documents)
        uow.add(report)
        await uow.commit()
    return report


async def handle_review_monitoring_report(cmd: commands.ReviewMonitoringReport, uow: LksUnitOfWork) -> MonitoringReport:
    async with uow:
        report = await uow.get_monitoring_report(cmd.report_id)
        _review(report, cmd.level, cmd.step, cmd.reason)
        await uow.commit()
    return report


async def handle_correct_monitoring_report(cmd: commands.CorrectMonitoringReport,
                                           uow: LksUnitOfWork) -> MonitoringReport:
    async with uow:
        report = await uow.get_monitoring_report(cmd.report_id)
        report.correct(reported_amount=cmd.reported_amount, bank_account=cmd.bank_account, documents=cmd.documents)
        await uow.commit()
    return report


async def handle_list_ppks(records: list[tuple[str, PpksRecord]], uow: LksUnitOfWork) -> list[str]:
    """Put (village, record) pairs on the prelist; the new entries' ids."""
    async with uow:
        entries = [PpksEntry.list(str(uuid.uuid4()), region_code, record) for region_code, record in records]
        for entry in entries:
            uow.add(entry)
        await uow.commit()
    return [entry.id for entry in entries]


async def handle_verify_ppks(entry_id: str, outcome: PpksOutcome, instrument: Instrument,
                             corrected: PpksRecord | None, uow: LksUnitOfWork) -> PpksEntry:
    async with uow:
        entry = await uow.get_ppks_entry(entry_id)
        entry.verify(outcome, instrument, corrected)
        await uow.commit()
    return entry
