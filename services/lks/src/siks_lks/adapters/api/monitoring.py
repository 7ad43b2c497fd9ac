"""Monitoring and evaluation (monev): reports on approved aid climb the offices; recaps for the province and
the ministry sum what was approved and what was reported, and flag the mismatches."""

from __future__ import annotations

import csv
import io

from fastapi import APIRouter, Query, Request, Response, status
from siks_events.http import cause_for
from siks_events.permissions import Operation, allowed_to, require_access

from siks_lks.adapters.api.deps import (
    Blobs,
    ObjectId,
    Pool,
    UnitOfWorkFactory,
    monitoring_report_access,
    require_owner_or_region,
)
from siks_lks.adapters.api.routes import level_at, stored
from siks_lks.adapters.api.schemas import (
    MonitoringReportPublic,
    RecapRow,
    ReportCorrection,
    ReportRequest,
    Review,
)
from siks_lks.adapters.postgres import read_models
from siks_lks.application import handlers
from siks_lks.domain import commands
from siks_lks.domain.monitoring_report import MonitoringReport

router = APIRouter(prefix="/v1", tags=["monitoring"])


def _report(report: MonitoringReport) -> MonitoringReportPublic:
    return MonitoringReportPublic(
        report_id=report.id, aid_proposal_id=report.aid_proposal_id, lks_id=report.lks_id,
        region_code=report.region_code, approved_amount=report.approved_amount,
        reported_amount=report.reported_amount, mismatch=report.mismatch, status=report.status.value,
        at_level=report.at.value, reason=report.reason, version=report.version)


@router.post("/monitoring-reports", status_code=status.HTTP_201_CREATED, response_model=MonitoringReportPublic)
async def submit(body: ReportRequest, actor: allowed_to(Operation.MONITORING_REPORT_SUBMIT), pool: Pool,
                 blobs: Blobs, uow: UnitOfWorkFactory, request: Request):
    """The LKS reports on one of its approved aid proposals (one report each; corrections replace it)."""
    owner = await read_models.aid_proposal_owner(pool, body.aid_proposal_id)
    require_owner_or_region(actor, "aid proposal", body.aid_proposal_id, owner and owner["lks_id"],
                            owner and owner["region_code"])
    documents = await stored(blobs, body.documents)
    return _report(await handlers.handle_submit_monitoring_report(commands.SubmitMonitoringReport(
        body.aid_proposal_id, body.reported_amount, body.bank_account, documents,
        report_id=f"report-{body.aid_proposal_id}"), uow(cause_for(request, actor, "SubmitMonitoringReport"))))


@router.get("/monitoring-reports/{report_id}", response_model=MonitoringReportPublic)
async def get_report(report_id: ObjectId, actor: monitoring_report_access(Operation.MONITORING_REPORT_READ),
                     uow: UnitOfWorkFactory, request: Request):
    unit = uow(cause_for(request, actor, "ReadMonitoringReport"))
    async with unit:
        return _report(await unit.get_monitoring_report(report_id))


@router.post("/monitoring-reports/{report_id}/review", response_model=MonitoringReportPublic)
async def review(report_id: ObjectId, body: Review, actor: monitoring_report_access(Operation.MONITORING_REPORT_REVIEW),
                 uow: UnitOfWorkFactory, request: Request):
    """The office holding the report passes it up, returns it with a reason, or (the directorate) decides."""
    return _report(await handlers.handle_review_monitoring_report(
        commands.ReviewMonitoringReport(report_id, level_at(actor), body.step, body.reason),
        uow(cause_for(request, actor, "ReviewMonitoringReport"))))


@router.put("/monitoring-reports/{report_id}", response_model=MonitoringReportPublic)
async def correct(report_id: ObjectId, body: ReportCorrection,
                  actor: monitoring_report_access(Operation.MONITORING_REPORT_SUBMIT), blobs: Blobs,
                  uow: UnitOfWorkFactory, request: Request):
    """The LKS corrects a returned report; it goes back to the office that returned it."""
    documents = await stored(blobs, body.documents)
    return _report(await handlers.handle_correct_monitoring_report(commands.CorrectMonitoringReport(
        report_id, body.reported_amount, body.bank_account, documents),
        uow(cause_for(request, actor, "CorrectMonitoringReport"))))


async def _recap(actor, pool, region: str | None) -> list[RecapRow]:
    region = actor.region if region is None else region
    require_access(actor, "region", region or "national", region)
    return [RecapRow(**dict(row), flagged=row["mismatches"] > 0) for row in await read_models.recap(pool, region)]


RegionQuery = Query(None, pattern=r"^([0-9]{2}|[0-9]{4})?$",
                    description="a province (2 digits) or regency (4); the actor's by default")


@router.get("/recaps", response_model=list[RecapRow])
async def recap(actor: allowed_to(Operation.LKS_RECAP_READ), pool: Pool, region: str | None = RegionQuery):
    """Approved aid and what was reported on it, per region below the one asked about, service and report
    status; mismatches flagged."""
    return await _recap(actor, pool, region)


@router.get("/recaps.csv", response_class=Response)
async def recap_csv(actor: allowed_to(Operation.LKS_RECAP_READ), pool: Pool, region: str | None = RegionQuery):
    """The same recap as CSV, for spreadsheets."""
    rows = await _recap(actor, pool, region)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(RecapRow.model_fields))
    writer.writeheader()
    writer.writerows(row.model_dump() for row in rows)
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="lks-recap.csv"'})
