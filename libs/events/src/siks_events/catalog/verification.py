"""Events the verification service publishes: prelists, field visits and their checks (verivali).

A prelist entry is one stream (`entry_id`): a household to visit for one submitted proposal.
Visits are streams of their own (`visit_id`). Photos travel as hashes and metadata, never as
bytes: the bytes are in the blob store under their SHA-256.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from siks_events.catalog import register
from siks_events.catalog.registry import Assets, Housing, Location, Person
from siks_events.model import Event, Nik, RegionCode

TOPIC = "siks.verification.events"


class PhotoKind(StrEnum):
    ROOF = "roof"
    FLOOR = "floor"
    WALLS = "walls"
    HOUSE_FRONT = "house_front"
    ID_CARD = "id_card"  # KTP
    FAMILY_CARD = "family_card"  # KK


class QualityFlag(StrEnum):
    """Why a visit deserves a supervisor's second look."""

    FAR_FROM_HOUSEHOLD = "far_from_household"
    FAR_FROM_VILLAGE = "far_from_village"
    DURATION_OUTLIER = "duration_outlier"
    PHOTO_REUSED = "photo_reused"
    NIK_MISMATCH = "nik_mismatch"


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Position(_Value):
    """Where the phone was during the interview, with the GPS accuracy in metres."""

    lat: float = Field(ge=-11.5, le=6.5)
    lon: float = Field(ge=94.5, le=141.5)
    accuracy_m: float = Field(ge=0, le=10_000)


class Photo(_Value):
    """A stored photo: its kind and the blob it is (by SHA-256)."""

    kind: PhotoKind
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    content_type: str
    size: int = Field(ge=0)


class Findings(_Value):
    """The household as the enumerator found it."""

    household_found: bool
    nik_entered: Nik | None = None
    """The NIK the enumerator typed from the ID card (KTP) of the person the proposal concerns."""
    members: tuple[Person, ...] = ()
    housing: Housing | None = None
    assets: Assets | None = None
    location: Location | None = None
    notes: str = Field(default="", max_length=2000)


@register
class PrelistEntryAdded(Event):
    """A submitted proposal put its household on the village's prelist (a visit is due)."""

    type: ClassVar[str] = "siks.verification.prelist-entry-added.v1"
    topic: ClassVar[str] = TOPIC

    entry_id: str
    proposal_id: str
    region_code: RegionCode
    period: str
    household_id: str | None = None
    kk_number: str | None = None
    address: str | None = None
    niks: tuple[Nik, ...] = ()
    names: tuple[str, ...] = ()
    """The names beside `niks`, as the proposal gave them (for checking against the ID card photo)."""
    location: Location | None = None
    """The household's last known position (from the proposal), for the distance check."""


@register
class VisitAssigned(Event):
    """A supervisor assigned a prelist entry to an enumerator."""

    type: ClassVar[str] = "siks.verification.visit-assigned.v1"
    topic: ClassVar[str] = TOPIC

    entry_id: str
    proposal_id: str
    enumerator: str
    supervisor: str


@register
class PrelistEntryDropped(Event):
    """The entry left the prelist without a visit (the person died or moved, the proposal closed)."""

    type: ClassVar[str] = "siks.verification.prelist-entry-dropped.v1"
    topic: ClassVar[str] = TOPIC

    entry_id: str
    proposal_id: str
    reason: str


@register
class VisitRecorded(Event):
    """An enumerator's phone uploaded a visit; its quality flags were computed on arrival."""

    type: ClassVar[str] = "siks.verification.visit-recorded.v1"
    topic: ClassVar[str] = TOPIC

    visit_id: str
    client_visit_id: str
    entry_id: str
    proposal_id: str
    enumerator: str
    started_at: datetime
    ended_at: datetime
    duration_seconds: int = Field(ge=0)
    position: Position
    photos: tuple[Photo, ...] = ()
    findings: Findings
    flags: tuple[QualityFlag, ...] = ()


@register
class VisitAccepted(Event):
    """**verified**: a supervisor checked the visit (NIK and name against the ID card photo) and accepted it."""

    type: ClassVar[str] = "siks.verification.visit-accepted.v1"
    topic: ClassVar[str] = TOPIC

    visit_id: str
    entry_id: str
    proposal_id: str
    region_code: RegionCode
    supervisor: str
    findings: Findings
    flags: tuple[QualityFlag, ...] = ()


@register
class VisitRejected(Event):
    """A supervisor rejected the visit; the entry is back on the prelist for another visit."""

    type: ClassVar[str] = "siks.verification.visit-rejected.v1"
    topic: ClassVar[str] = TOPIC

    visit_id: str
    entry_id: str
    proposal_id: str
    supervisor: str
    reason: str
