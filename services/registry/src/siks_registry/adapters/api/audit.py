"""The audit trail of a person's data for auditors: who read or changed it, when, through what, in which
request; JSON or CSV. Nothing here, or anywhere, changes or deletes an audit record."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field
from siks_events.model import Nik
from siks_events.permissions import Operation, allowed_to

from siks_registry.adapters.api.deps import Pool, require_person
from siks_registry.adapters.postgres import audit

router = APIRouter(prefix="/v1/audit", tags=["audit"])

Auditor = allowed_to(Operation.AUDIT_READ)


class TrailQuery(BaseModel):
    """The NIK goes in the body, never in a URL (URLs end up in logs and proxies)."""

    model_config = ConfigDict(extra="forbid")

    nik: Nik
    actor: str | None = Field(None, max_length=200, description="only this actor's reads and changes")
    since: datetime | None = None
    until: datetime | None = None


class TrailEntry(BaseModel):
    at: datetime
    kind: str = Field(description="read or change")
    actor: str | None
    role: str | None
    region: str | None
    what: str = Field(description="the route read through, or the type of the event that changed the data")
    request_id: str | None


async def _trail(body: TrailQuery, actor, pool) -> list[TrailEntry]:
    await require_person(actor, pool, body.nik)  # an auditor of a region audits only its people
    return [TrailEntry(**entry) for entry in
            await audit.trail(pool, body.nik, actor=body.actor, since=body.since, until=body.until)]


@router.post("/person-trail", response_model=list[TrailEntry])
async def person_trail(body: TrailQuery, actor: Auditor, pool: Pool):
    """Every read and change of one person's data, oldest first."""
    return await _trail(body, actor, pool)


@router.post("/person-trail.csv", response_class=Response)
async def person_trail_csv(body: TrailQuery, actor: Auditor, pool: Pool):
    """The same trail as CSV."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(TrailEntry.model_fields))
    writer.writeheader()
    writer.writerows(entry.model_dump(mode="json") for entry in await _trail(body, actor, pool))
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="person-trail.csv"'})
