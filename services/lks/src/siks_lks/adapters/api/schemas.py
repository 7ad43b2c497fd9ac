"""Request and response bodies of the LKS API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from siks_events.catalog.lks import Document, Scope, ServiceKind
from siks_events.model import RegionCode


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Registration(_Body):
    name: str = Field(min_length=1, max_length=200)
    legal_number: str = Field(min_length=1, max_length=100, description="deed or decree number (akta / SK)")
    address: str = Field(min_length=1, max_length=500)
    region_code: RegionCode
    scope: Scope
    services: list[ServiceKind] = Field(default_factory=list, max_length=len(ServiceKind),
                                        description="empty for organisations that give no services (PSKS)")
    documents: list[Document] = Field(default_factory=list, max_length=20)


class Decision(_Body):
    approved: bool
    reason: str = Field(default="", max_length=1000)


class AidRequest(_Body):
    amount: int = Field(gt=0, le=100_000_000_000, description="rupiah")
    purpose: str = Field(min_length=1, max_length=1000)
    beneficiaries: int = Field(ge=0, le=1_000_000)
    documents: list[Document] = Field(default_factory=list, max_length=20)


class Review(_Body):
    step: Literal["pass", "return", "approve", "reject"]
    reason: str = Field(default="", max_length=1000)


class InstitutionPublic(BaseModel):
    lks_id: str
    name: str
    region_code: str
    scope: Scope
    status: str
    approver: str
    services: dict[str, bool | None]
    version: int


class AidProposalPublic(BaseModel):
    aid_proposal_id: str
    lks_id: str
    region_code: str
    amount: int
    status: str
    at_level: str = Field(description="the office that holds it (in review) or returned it (returned)")
    reason: str
    version: int


class StoredDocument(BaseModel):
    sha256: str
    content_type: str
    size: int
    created: bool


class TimelineEntry(BaseModel):
    version: int
    type: str
    recorded_at: datetime
    actor: str
    role: str
    data: dict[str, Any]
