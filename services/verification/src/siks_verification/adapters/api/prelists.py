"""Prelists (daftar awal): a region's entries, one entry, assignment, and the paper forms."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request, Response, status
from siks_events.http import cause_for
from siks_events.model import RegionCode
from siks_events.permissions import Operation

from siks_verification.adapters import paper
from siks_verification.adapters.api.deps import ObjectId, Reads, UnitOfWorkFactory, entry_in_scope, region_in_scope
from siks_verification.adapters.api.schemas import Assignment, EntryPublic
from siks_verification.application import handlers
from siks_verification.domain import commands
from siks_verification.domain.prelist import EntryStatus

router = APIRouter(prefix="/v1", tags=["prelists"])

PrelistReader = region_in_scope(Operation.PRELIST_READ)
EntryReader = entry_in_scope(Operation.PRELIST_READ)
Assigner = entry_in_scope(Operation.PRELIST_ASSIGN)


async def _entries(reads: Reads, region_code: str, entry_status: EntryStatus | None,
                   enumerator: str | None) -> list[dict]:
    return await reads.prelist(region_code, status=entry_status.value if entry_status else None, enumerator=enumerator)


@router.get("/prelists/{region_code}", response_model=list[EntryPublic])
async def prelist(region_code: RegionCode, reads: Reads, actor: PrelistReader,
                  entry_status: EntryStatus | None = Query(None, alias="status"), enumerator: str | None = None):
    """The region's prelist, filtered by status (open, assigned, visited, accepted, dropped) and enumerator."""
    return await _entries(reads, region_code, entry_status, enumerator)


@router.get("/prelists/{region_code}/prelist.csv", response_class=Response)
async def prelist_csv(region_code: RegionCode, reads: Reads, actor: PrelistReader,
                      entry_status: EntryStatus | None = Query(None, alias="status"), enumerator: str | None = None):
    """The prelist as CSV (PAPI)."""
    entries = await _entries(reads, region_code, entry_status, enumerator)
    return Response(paper.prelist_csv(entries), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="prelist-{region_code}.csv"'})


@router.get("/prelists/{region_code}/prelist.pdf", response_class=Response)
async def prelist_pdf(region_code: RegionCode, reads: Reads, actor: PrelistReader,
                      entry_status: EntryStatus | None = Query(None, alias="status"), enumerator: str | None = None):
    """The prelist as a printable PDF form (PAPI)."""
    entries = await _entries(reads, region_code, entry_status, enumerator)
    return Response(paper.prelist_pdf(region_code, entries), media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="prelist-{region_code}.pdf"'})


@router.get("/prelist-entries/{entry_id}", response_model=EntryPublic)
async def entry(entry_id: ObjectId, reads: Reads, actor: EntryReader):
    return await reads.entry(entry_id)


@router.put("/prelist-entries/{entry_id}/assignment", status_code=status.HTTP_204_NO_CONTENT)
async def assign(entry_id: ObjectId, body: Assignment, actor: Assigner, uow: UnitOfWorkFactory, request: Request):
    """A supervisor gives the entry's visit to an enumerator (again to another while nobody has visited)."""
    await handlers.handle_assign_entry(commands.AssignEntry(entry_id, body.enumerator),
                                       uow(cause_for(request, actor, "AssignEntry")))
