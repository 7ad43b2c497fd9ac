"""Persons: lookup by NIK, region search, programme enrolment, statement letters."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Query, Request, Response, status
from siks_events.http import PageNumber, PageSize, cause_for
from siks_events.identity import region_name
from siks_events.model import Nik
from siks_events.permissions import NotAccessible, Operation, allowed_to

from siks_registry.adapters import letters
from siks_registry.adapters.api.deps import (
    Pool,
    UnitOfWorkFactory,
    audited,
    person_in_scope,
    person_read_for_scope,
    require_person,
)
from siks_registry.adapters.api.schemas import EnrolmentIn, LetterRequest, PersonPage, PersonPublic, ProgramEnd
from siks_registry.application import handlers, queries
from siks_registry.domain import commands

router = APIRouter(tags=["persons"])

Reader = allowed_to(Operation.PERSON_READ)
PersonReader = person_in_scope(Operation.PERSON_READ)
Enroller = allowed_to(Operation.ENROLMENT_CHANGE)
LetterIssuer = allowed_to(Operation.STATEMENT_LETTER_ISSUE)


@router.get("/v1/persons/{nik}", response_model=PersonPublic)
async def get_person(nik: Nik, pool: Pool, actor: PersonReader, request: Request):
    """A person by NIK: status (active, deceased, moved_out, graduated, left), household, region and programmes."""
    found = PersonPublic.of(await person_read_for_scope(request, nik))
    await audited(request, actor, [nik])
    return found


@router.get("/v1/persons", response_model=PersonPage)
async def search_persons(
    pool: Pool,
    actor: Reader,
    request: Request,
    region: str = Query("", pattern=r"^([0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{10})?$",
                        description="region code prefix: province, regency, sub-district or village"),
    name: str | None = Query(None, max_length=100),
    status_: str | None = Query(None, alias="status", pattern="^(active|deceased|moved_out|graduated|left)$"),
    page: PageNumber = 1,
    size: PageSize = 50,
):
    """Persons in a region (within the actor's own), optionally filtered by name, a page at a time."""
    scope = region or actor.region
    if not actor.covers(scope):
        raise NotAccessible("this region is not accessible to you")
    total, rows = await queries.search_persons(pool, region_prefix=scope, name=name, status=status_, page=page,
                                               size=size)
    await audited(request, actor, [r["nik"] for r in rows])
    return PersonPage(total=total, page=page, size=size, items=[PersonPublic.of(r) for r in rows])


@router.post("/v1/enrolments", status_code=status.HTTP_204_NO_CONTENT)
async def enrol(body: EnrolmentIn, actor: Enroller, pool: Pool, uow: UnitOfWorkFactory, request: Request):
    """Enrol an active person in a programme (PKH, SEMBAKO, PBI_JK, PIP, KIP_KULIAH, ELECTRICITY_SUBSIDY)."""
    await require_person(actor, pool, body.nik)
    await handlers.handle_enrol_in_program(commands.EnrolInProgram(body.nik, body.program, body.start_date),
                                           uow(cause_for(request, actor, "EnrolInProgram")))


@router.post("/v1/enrolments/end", status_code=status.HTTP_204_NO_CONTENT)
async def end_program(body: ProgramEnd, actor: Enroller, pool: Pool, uow: UnitOfWorkFactory, request: Request):
    await require_person(actor, pool, body.nik)
    await handlers.handle_end_program(commands.EndProgram(body.nik, body.program, body.end_date, body.reason),
                                      uow(cause_for(request, actor, "EndProgram")))


@router.post("/v1/statement-letters", response_class=Response,
             responses={200: {"content": {"application/pdf": {}}, "description": "the letter"}})
async def issue_statement_letter(body: LetterRequest, pool: Pool, actor: LetterIssuer, request: Request):
    """A DTKS statement letter (surat keterangan DTKS) for a person, as a PDF with a verification code."""
    await require_person(actor, pool, body.nik)
    row = await queries.person(pool, body.nik)
    household = await queries.household(pool, row["household_id"])
    member = household.get_member(body.nik)
    programs = sorted(p["program"] for p in row["programs"] if p["active"])
    codes = await letters.letter_codes(pool, request.app.state.settings)
    code = codes.issue()
    issued_at = datetime.now(UTC)
    await pool.execute(
        "INSERT INTO statement_letters (code, nik, household_id, full_name, status, programs, issued_at, issued_by)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        code, body.nik, row["household_id"], row["full_name"], row["status"], programs, issued_at, actor.subject)
    pdf = letters.render(letters.LetterContent(
        code=code, nik=body.nik, full_name=row["full_name"], birth_place=member.person.birth_place,
        birth_date=member.person.birth_date.isoformat(), address=household.address,
        region_name=region_name(row["region_code"]) or row["region_code"], status=row["status"], programs=programs,
        issued_at=issued_at, issued_by=actor.subject,
        verify_url=str(request.base_url).rstrip("/") + f"/v1/public/statement-letters/{code}",
    ))
    return Response(pdf, media_type="application/pdf", headers={
        "x-verification-code": code, "content-disposition": f'attachment; filename="surat-keterangan-dtks-{code}.pdf"'})
