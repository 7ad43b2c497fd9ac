"""Events the LKS service publishes: social welfare institutions (lembaga kesejahteraan sosial), their
services, and their aid proposals climbing the offices from regency to the directorate general.

An institution is one stream (`lks_id`), an aid proposal another (`aid_proposal_id`).
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from siks_events.catalog import register
from siks_events.model import Event, Nik, RegionCode

TOPIC = "siks.lks.events"


class Scope(StrEnum):
    """Where an institution works; it decides which office approves its registration."""

    REGENCY = "regency"  # kabupaten/kota
    PROVINCE = "province"
    NATIONAL = "national"


class Level(StrEnum):
    """The offices a decision climbs, lowest first."""

    REGENCY = "regency"  # Dinas Sosial kabupaten/kota
    PROVINCE = "province"  # Dinas Sosial provinsi
    DIRECTORATE = "directorate"  # the ministry's directorate general (Ditjen Rehsos / Dayasos)


class ServiceKind(StrEnum):
    """A service an LKS gives (LKS Layanan), each approved by the directorate responsible for it."""

    CHILD = "child"
    ELDERLY = "elderly"
    DISABILITY = "disability"
    DRUG_ABUSE = "drug_abuse"  # korban penyalahgunaan NAPZA
    TRAFFICKING = "trafficking"  # korban perdagangan orang
    SOCIAL_TUNA = "social_tuna"  # tuna sosial


class Document(BaseModel):
    """A stored file (legal document, receipt, report) by its SHA-256; the bytes are in the blob store."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    content_type: str
    size: int = Field(ge=0)


class _LksEvent(Event):
    topic: ClassVar[str] = TOPIC

    lks_id: str


@register
class LksRegistered(_LksEvent):
    """An institution (LKS, or a PSKS without services) registered with its identity and documents."""

    type: ClassVar[str] = "siks.lks.lks-registered.v1"

    name: str
    legal_number: str
    address: str
    region_code: RegionCode
    scope: Scope
    services: tuple[ServiceKind, ...] = ()
    documents: tuple[Document, ...] = ()


@register
class LksApproved(_LksEvent):
    """The office of the institution's scope approved its registration."""

    type: ClassVar[str] = "siks.lks.lks-approved.v1"

    level: Level


@register
class LksRejected(_LksEvent):
    """The office of the institution's scope rejected its registration."""

    type: ClassVar[str] = "siks.lks.lks-rejected.v1"

    level: Level
    reason: str


@register
class LksServiceDecided(_LksEvent):
    """The directorate responsible approved (or rejected) one of the institution's services."""

    type: ClassVar[str] = "siks.lks.lks-service-decided.v1"

    service: ServiceKind
    approved: bool
    reason: str = ""


class _AidEvent(Event):
    topic: ClassVar[str] = TOPIC

    aid_proposal_id: str


@register
class AidProposalSubmitted(_AidEvent):
    """An approved LKS asked for aid: amount (rupiah), purpose, people served, attachments."""

    type: ClassVar[str] = "siks.lks.aid-proposal-submitted.v1"

    lks_id: str
    region_code: RegionCode
    amount: int = Field(gt=0)
    purpose: str
    beneficiaries: int = Field(ge=0)
    documents: tuple[Document, ...] = ()
    service: ServiceKind | None = None
    """The institution's approved service the aid is for; None for an organisation without services."""


@register
class AidProposalPassed(_AidEvent):
    """An office checked the proposal and passed it up to the next level."""

    type: ClassVar[str] = "siks.lks.aid-proposal-passed.v1"

    level: Level


@register
class AidProposalReturned(_AidEvent):
    """An office returned the proposal to the LKS for correction; it climbs again from this level."""

    type: ClassVar[str] = "siks.lks.aid-proposal-returned.v1"

    level: Level
    reason: str


@register
class AidProposalCorrected(_AidEvent):
    """The LKS corrected and resubmitted a returned proposal (the whole new content)."""

    type: ClassVar[str] = "siks.lks.aid-proposal-corrected.v1"

    amount: int = Field(gt=0)
    purpose: str
    beneficiaries: int = Field(ge=0)
    documents: tuple[Document, ...] = ()


@register
class AidProposalDecided(_AidEvent):
    """The directorate general approved or rejected the proposal; it is closed."""

    type: ClassVar[str] = "siks.lks.aid-proposal-decided.v1"

    approved: bool
    reason: str = ""


class BankAccount(BaseModel):
    """Where the aid was paid (rekening), as the LKS reports it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    bank: str = Field(min_length=1, max_length=100)
    number: str = Field(pattern=r"^[0-9]{6,20}$")
    holder: str = Field(min_length=1, max_length=200)


class _ReportEvent(Event):
    topic: ClassVar[str] = TOPIC

    report_id: str


@register
class MonitoringReportSubmitted(_ReportEvent):
    """An LKS reported how it used approved aid: bank account, amount spent, receipts, minutes, activity report."""

    type: ClassVar[str] = "siks.lks.monitoring-report-submitted.v1"

    aid_proposal_id: str
    lks_id: str
    region_code: RegionCode
    approved_amount: int = Field(gt=0)
    reported_amount: int = Field(ge=0)
    bank_account: BankAccount
    documents: tuple[Document, ...] = ()


@register
class MonitoringReportPassed(_ReportEvent):
    """An office checked the report and passed it up."""

    type: ClassVar[str] = "siks.lks.monitoring-report-passed.v1"

    level: Level


@register
class MonitoringReportReturned(_ReportEvent):
    """An office returned the report for correction; it climbs again from this level."""

    type: ClassVar[str] = "siks.lks.monitoring-report-returned.v1"

    level: Level
    reason: str


@register
class MonitoringReportCorrected(_ReportEvent):
    """The LKS corrected a returned report (the whole new content)."""

    type: ClassVar[str] = "siks.lks.monitoring-report-corrected.v1"

    reported_amount: int = Field(ge=0)
    bank_account: BankAccount
    documents: tuple[Document, ...] = ()


@register
class MonitoringReportDecided(_ReportEvent):
    """The directorate general approved or rejected the report; it is closed."""

    type: ClassVar[str] = "siks.lks.monitoring-report-decided.v1"

    approved: bool
    reason: str = ""


class PpksOutcome(StrEnum):
    """What a PPKS prelist check found."""

    CONFIRMED = "confirmed"
    CORRECTED = "corrected"
    NOT_FOUND = "not_found"


class Instrument(StrEnum):
    """How the check was done."""

    PAPER = "paper"
    PAPI = "papi"  # paper-and-pencil interview, entered later
    CAPI = "capi"  # computer-assisted interview on a tablet or phone


class PpksRecord(BaseModel):
    """A person in need of social welfare services (PPKS: pemerlu pelayanan kesejahteraan sosial) as listed."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    nik: Nik | None = None
    name: str = Field(min_length=1, max_length=200)
    category: str = Field(min_length=1, max_length=100, description="e.g. neglected child, elderly, disability")
    address: str = Field(default="", max_length=500)


@register
class PpksEntryListed(Event):
    """A PPKS record was put on a regency/city office's prelist to be verified."""

    type: ClassVar[str] = "siks.lks.ppks-entry-listed.v1"
    topic: ClassVar[str] = TOPIC

    entry_id: str
    region_code: RegionCode
    record: PpksRecord


@register
class PpksEntryVerified(Event):
    """The office checked a PPKS entry: confirmed, corrected (with the new record) or not found."""

    type: ClassVar[str] = "siks.lks.ppks-entry-verified.v1"
    topic: ClassVar[str] = TOPIC

    entry_id: str
    outcome: PpksOutcome
    instrument: Instrument
    corrected: PpksRecord | None = None
