"""PPKS verification (Stage IV): regency/city offices check PPKS records against their prelist, each entry
once, and the recap shows each office's progress."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, status
from pydantic import BaseModel, ConfigDict, Field
from siks_events.catalog.lks import Instrument, PpksOutcome, PpksRecord
from siks_events.http import cause_for
from siks_events.model import RegionCode
from siks_events.permissions import Operation, allowed_to, named_region, require_access, scoped

from siks_lks.adapters.api.deps import Pool, UnitOfWorkFactory
from siks_lks.adapters.postgres import read_models
from siks_lks.application import handlers

router = APIRouter(prefix="/v1", tags=["ppks"])


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Listing(_Body):
    region_code: RegionCode = Field(description="the village (desa/kelurahan) where the person lives")
    record: PpksRecord


class PrelistUpload(_Body):
    entries: list[Listing] = Field(min_length=1, max_length=1000)


class Verification(_Body):
    outcome: PpksOutcome
    instrument: Instrument
    corrected: PpksRecord | None = Field(None, description="the record as found, for a corrected entry only")


class Listed(BaseModel):
    entry_ids: list[str]


class EntryPublic(BaseModel):
    entry_id: str
    region_code: str
    name: str
    category: str
    outcome: str | None
    instrument: str | None


class Progress(BaseModel):
    regency_code: str
    listed: int
    verified: int
    confirmed: int
    corrected: int
    not_found: int


async def _entry_region(request: Request, entry_id: str) -> str | None:
    return await read_models.ppks_region(request.app.state.runtime.pool, entry_id)


@router.post("/ppks-entries", status_code=status.HTTP_201_CREATED, response_model=Listed)
async def list_entries(body: PrelistUpload, actor: allowed_to(Operation.PPKS_LIST), uow: UnitOfWorkFactory,
                       request: Request):
    """Put PPKS records on the prelist, each in its village (inside the office's region)."""
    for listing in body.entries:
        require_access(actor, "region", listing.region_code, listing.region_code)
    ids = await handlers.handle_list_ppks([(e.region_code, e.record) for e in body.entries],
                                          uow(cause_for(request, actor, "ListPpks")))
    return Listed(entry_ids=ids)


@router.get("/regions/{region_code}/ppks-entries", response_model=list[EntryPublic])
async def entries(region_code: Annotated[str, Path(pattern=r"^[0-9]{2,10}$")], pool: Pool,
                  actor: scoped(Operation.PPKS_READ, "region", "region_code", named_region),
                  pending: bool = Query(False, description="only the entries not verified yet")):
    return [EntryPublic(**dict(row)) for row in await read_models.ppks_entries(pool, region_code, pending)]


@router.post("/ppks-entries/{entry_id}/verification", response_model=EntryPublic)
async def verify(entry_id: Annotated[str, Path(max_length=100)], body: Verification,
                 actor: scoped(Operation.PPKS_VERIFY, "PPKS entry", "entry_id", _entry_region),
                 uow: UnitOfWorkFactory, request: Request):
    """Record what the check found and how it was done (paper, PAPI or CAPI); once per entry."""
    entry = await handlers.handle_verify_ppks(entry_id, body.outcome, body.instrument, body.corrected,
                                              uow(cause_for(request, actor, "VerifyPpks")))
    assert entry.record is not None
    return EntryPublic(entry_id=entry.id, region_code=entry.region_code, name=entry.record.name,
                       category=entry.record.category, outcome=entry.outcome and entry.outcome.value,
                       instrument=entry.instrument and entry.instrument.value)


@router.get("/ppks-progress", response_model=list[Progress])
async def progress(actor: allowed_to(Operation.LKS_RECAP_READ), pool: Pool,
                   region: RegionCode | None = Query(None, description="the actor's region by default")):
    """Each regency/city office's verification progress: listed, verified, and each outcome."""
    region = actor.region if region is None else region
    require_access(actor, "region", region or "national", region)
    return [Progress(**dict(row)) for row in await read_models.ppks_progress(pool, region)]
