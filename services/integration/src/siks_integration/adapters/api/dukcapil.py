"""Dukcapil's way in over HTTP: death reports, domicile moves, their status; and NIK checks."""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter, Query, Request, status
from pydantic import BaseModel, ConfigDict
from siks_events.catalog.dukcapil import DukcapilDeathRecorded, DukcapilDomicileMoveRecorded
from siks_events.http import cause_for
from siks_events.model import Nik
from siks_events.store import PostgresEventStore

from siks_integration.adapters.api.deps import DukcapilSender, NikChecker, Pool, ReportReader
from siks_integration.adapters.dukcapil import HttpDukcapil, SimulatedDukcapil
from siks_integration.adapters.postgres.uow import PostgresIntegrationUnitOfWork
from siks_integration.application import handlers
from siks_integration.domain.civil_report import Status
from siks_integration.domain.errors import ReportNotFound
from siks_integration.settings import PartnerSettings

router = APIRouter(prefix="/v1/dukcapil", tags=["dukcapil"])


class DeathReportIn(DukcapilDeathRecorded):
    """A death report (laporan kematian) from Dukcapil."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class DomicileMoveIn(DukcapilDomicileMoveRecorded):
    """A move of domicile (surat pindah) of one person (nik) or a whole family card (kk_number)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ReportAccepted(BaseModel):
    report_id: str
    status: str
    reason: str | None
    duplicate: bool
    status_url: str


class ReportStep(BaseModel):
    type: str
    recorded_at: datetime
    data: dict


class ReportPublic(BaseModel):
    report_id: str
    kind: str
    nik: str | None
    kk_number: str | None
    event_date: date | None
    status: str
    reason: str | None
    received_at: datetime
    updated_at: datetime
    history: list[ReportStep] = []


class NikCheckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    nik: str
    name: str
    birth_date: date


class NikCheckOut(BaseModel):
    nik_well_formed: bool
    found: bool
    name_matches: bool
    birth_date_matches: bool


def _accepted(request: Request, receipt: handlers.Receipt) -> ReportAccepted:
    return ReportAccepted(report_id=receipt.report_id, status=receipt.status, reason=receipt.reason,
                          duplicate=receipt.duplicate,
                          status_url=str(request.url_for("get_report", report_id=receipt.report_id)))


def _uow(request: Request, actor, command: str):
    """A fresh unit of work (and pooled connection) per try: two copies of one report may race."""
    cause = cause_for(request, actor, command)
    return lambda: PostgresIntegrationUnitOfWork(request.app.state.runtime.pool, cause)


@router.post("/death-reports", status_code=status.HTTP_202_ACCEPTED, response_model=ReportAccepted)
async def report_death(body: DeathReportIn, actor: DukcapilSender, request: Request):
    """Report a death. The same certificate number twice is one report. `pending`: our copy of DTKS
    did not know the person and may be behind; the report is forwarded all the same."""
    make_uow = _uow(request, actor, "ReportDeath")
    receipt = await handlers.retrying_races(lambda: handlers.handle_death_recorded(body, make_uow()))
    return _accepted(request, receipt)


@router.post("/domicile-moves", status_code=status.HTTP_202_ACCEPTED, response_model=ReportAccepted)
async def report_move(body: DomicileMoveIn, actor: DukcapilSender, request: Request):
    """Report a move of domicile. The same move id twice is one report."""
    make_uow = _uow(request, actor, "ReportDomicileMove")
    receipt = await handlers.retrying_races(lambda: handlers.handle_move_recorded(body, make_uow()))
    return _accepted(request, receipt)


@router.get("/reports/{report_id}", response_model=ReportPublic, name="get_report")
async def get_report(report_id: str, pool: Pool, actor: ReportReader):
    """A report's processing status and every step it went through."""
    async with pool.acquire() as connection:  # one connection for both reads
        row = await connection.fetchrow("SELECT * FROM civil_reports WHERE report_id = $1", report_id)
        if row is None:
            raise ReportNotFound(f"no report {report_id}")
        steps = await PostgresEventStore(connection).read_stream(report_id)
    return ReportPublic(**dict(row), history=[ReportStep(type=e.type, recorded_at=e.recorded_at, data=e.data)
                                              for e in steps])


@router.get("/reports", response_model=list[ReportPublic])
async def list_reports(
    pool: Pool,
    actor: ReportReader,
    nik: Nik | None = None,
    received_from: date | None = None,
    received_to: date | None = None,
    status_: Status | None = Query(None, alias="status"),
    limit: int = Query(100, ge=1, le=1000),
):
    """Reports by NIK, by day received, or by status (e.g. `unmatched` for review)."""
    rows = await pool.fetch(
        "SELECT * FROM civil_reports WHERE ($1::text IS NULL OR nik = $1)"
        " AND ($2::date IS NULL OR received_at >= $2) AND ($3::date IS NULL OR received_at < $3 + 1)"
        " AND ($4::text IS NULL OR status = $4) ORDER BY received_at DESC LIMIT $5",
        nik, received_from, received_to, status_.value if status_ else None, limit)
    return [ReportPublic(**dict(r)) for r in rows]


@router.post("/nik-check", response_model=NikCheckOut)
async def nik_check(body: NikCheckIn, pool: Pool, actor: NikChecker):
    """Confirm a NIK, name and birth date with Dukcapil (the simulator unless SIKS_DUKCAPIL_URL is set)."""
    settings = PartnerSettings()
    client = HttpDukcapil(settings.dukcapil_url) if settings.dukcapil_url else SimulatedDukcapil(pool)
    answer = await client.check(body.nik, body.name, body.birth_date)
    return NikCheckOut(**answer.__dict__)
