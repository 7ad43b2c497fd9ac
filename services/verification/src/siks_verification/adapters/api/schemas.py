"""Request and response models of the verification API."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from siks_events.catalog.verification import Findings, Photo, Position, QualityFlag

from siks_verification.domain.prelist import EntryStatus
from siks_verification.domain.visit import VisitStatus


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EntryPublic(_Model):
    entry_id: str
    proposal_id: str
    region_code: str
    period: str
    household_id: str | None
    kk_number: str | None
    address: str | None
    niks: list[str]
    names: list[str]
    lat: float | None
    lon: float | None
    status: EntryStatus
    enumerator: str | None
    updated_at: datetime


class Assignment(_Model):
    enumerator: str = Field(min_length=1, max_length=200, description="the enumerator's subject (login)")


class StoredPhoto(_Model):
    sha256: str
    content_type: str
    size: int
    created: bool


class VisitUpload(_Model):
    """One visit as the phone recorded it; `client_visit_id` is the phone's own id, the same on every resend."""

    client_visit_id: str = Field(pattern=r"^[A-Za-z0-9._:-]{1,100}$")
    entry_id: str
    started_at: datetime
    ended_at: datetime
    position: Position
    photos: tuple[Photo, ...] = Field(default=(), max_length=20)
    findings: Findings


class VisitBatch(_Model):
    visits: list[VisitUpload] = Field(min_length=1, max_length=200)


class ItemStatus(StrEnum):
    CREATED = "created"
    EXISTING = "existing"
    REFUSED = "refused"


class VisitItemResult(_Model):
    client_visit_id: str
    status: ItemStatus
    visit_id: str | None = None
    flags: list[QualityFlag] = []
    problem: dict[str, Any] | None = None
    """For a refused visit: `code`, `detail` and, where one field is at fault, `pointer`."""


class BatchResult(_Model):
    results: list[VisitItemResult]


class VisitPublic(_Model):
    visit_id: str
    client_visit_id: str
    entry_id: str
    proposal_id: str
    region_code: str
    enumerator: str
    started_at: datetime
    ended_at: datetime
    duration_seconds: int
    lat: float
    lon: float
    accuracy_m: float
    household_found: bool
    status: VisitStatus
    flags: list[QualityFlag]
    findings: dict[str, Any]
    photos: list[dict[str, Any]]
    reviewed_by: str | None
    review_reason: str | None
    recorded_at: datetime
    proposal_niks: list[str] = []
    proposal_names: list[str] = []
    """The NIKs and names on the proposal, beside what the enumerator typed, for the check against the ID photo."""


class Review(_Model):
    decision: Literal["accept", "reject"]
    identity_confirmed: bool = False
    """The supervisor saw that NIK and name match the ID card (KTP) photo."""
    reason: str = Field(default="", max_length=1000)
