"""Request and response bodies of the LKS API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from siks_events.catalog.lks import BankAccount, Document, Scope, ServiceKind
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
    service: ServiceKind | None = Field(None, description="the approved service the aid is for")


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


class ReportRequest(_Body):
    aid_proposal_id: str = Field(max_length=100)
    reported_amount: int = Field(ge=0, le=100_000_000_000, description="rupiah spent, as the receipts show")
    bank_account: BankAccount
    documents: list[Document] = Field(default_factory=list, max_length=30,
                                      description="receipts (nota, kuitansi), minutes (berita acara), activity report")


class ReportCorrection(_Body):
    reported_amount: int = Field(ge=0, le=100_000_000_000)
    bank_account: BankAccount
    documents: list[Document] = Field(default_factory=list, max_length=30)


class MonitoringReportPublic(BaseModel):
    report_id: str
    aid_proposal_id: str
    lks_id: str
    region_code: str
    approved_amount: int
    reported_amount: int
    mismatch: int = Field(description="reported minus approved; anything but 0 is flagged in the recap")
    status: str
    at_level: str
    reason: str
    version: int


class RecapRow(BaseModel):
    region_code: str
    service: str = Field(description="the service the aid was for ('none' for aid to an organisation without one)")
    report_status: str = Field(description="the monitoring report's status, or 'not_reported'")
    proposals_approved: int
    amount_approved: int
    amount_reported: int
    mismatches: int
    flagged: bool = Field(description="some report's amount differs from the approved amount")
