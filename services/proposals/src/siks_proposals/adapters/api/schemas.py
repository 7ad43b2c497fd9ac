"""Request and response bodies of the proposals API (each its own model)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from siks_events.catalog.proposals import Change, Period
from siks_events.store import RecordedEvent

from siks_proposals.domain.proposal import Proposal

VillageCode = str
_VILLAGE = Field(pattern=r"^[0-9]{10}$", description="village (desa/kelurahan) code, 10 digits")


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProposalDraft(_Body):
    region_code: VillageCode = _VILLAGE
    change: Change


class ProposalCorrection(_Body):
    change: Change


class Reason(_Body):
    reason: str = Field(min_length=1, max_length=1000)


class ProposalPublic(BaseModel):
    proposal_id: str
    region_code: str
    kind: str
    status: str
    period: Period | None
    household_id: str | None
    change: dict[str, Any]
    reason: str | None = Field(description="why it was rejected, returned, cancelled, failed or refused")
    version: int

    @classmethod
    def of(cls, proposal: Proposal) -> ProposalPublic:
        assert proposal.change is not None
        return cls(proposal_id=proposal.id, region_code=proposal.region_code, kind=proposal.kind.value,
                   status=proposal.status.value, period=proposal.period,
                   household_id=proposal.household_id,
                   change=proposal.change.model_dump(mode="json"), reason=proposal.outcome_reason,
                   version=proposal.version)


class ProposalPage(BaseModel):
    total: int
    page: int
    size: int
    items: list[ProposalPublic]


class VillageCounts(BaseModel):
    region_code: str
    total: int
    by_status: dict[str, int]


class ProposalCounts(BaseModel):
    total: int
    by_status: dict[str, int]
    villages: list[VillageCounts]


class TimelineEntry(BaseModel):
    """One step of a proposal's life: what happened, who did it, in which role, and why."""

    version: int
    type: str
    recorded_at: datetime
    actor: str
    role: str
    region: str
    command: str | None
    reason: str | None
    data: dict[str, Any]

    @classmethod
    def of(cls, event: RecordedEvent) -> TimelineEntry:
        meta = event.metadata
        return cls(version=event.version, type=event.type, recorded_at=event.recorded_at,
                   actor=meta.get("actor", ""), role=meta.get("role", ""), region=meta.get("region", ""),
                   command=meta.get("command"), reason=event.data.get("reason"), data=event.data)


class PeriodPublic(BaseModel):
    regency_code: str
    period: Period
    closed_on: date | None


class Impact(BaseModel):
    """What approving a period's ready proposals would do to DTKS, in one village or in all (region '')."""

    region_code: str
    proposals: int
    households_added: int
    households_changed: int
    households_removed: int
    persons_added: int
    persons_changed: int
    persons_removed: int
    memberships_gained: int
    memberships_lost: int


class ImpactPreview(BaseModel):
    regency_code: str
    period: Period
    villages: list[Impact]
    total: Impact


class BatchApproved(BaseModel):
    approved: list[str]
    count: int
