"""What institutions and offices ask the LKS service to do (imperative names)."""

from __future__ import annotations

from dataclasses import dataclass

from siks_events.catalog.lks import BankAccount, Document, Level, Scope, ServiceKind


@dataclass(frozen=True)
class RegisterLks:
    name: str
    legal_number: str
    address: str
    region_code: str
    scope: Scope
    services: tuple[ServiceKind, ...] = ()
    documents: tuple[Document, ...] = ()
    lks_id: str | None = None


@dataclass(frozen=True)
class DecideLks:
    lks_id: str
    level: Level
    approved: bool
    reason: str = ""


@dataclass(frozen=True)
class DecideService:
    lks_id: str
    service: ServiceKind
    approved: bool
    reason: str = ""


@dataclass(frozen=True)
class SubmitAidProposal:
    lks_id: str
    amount: int
    purpose: str
    beneficiaries: int
    documents: tuple[Document, ...] = ()
    aid_proposal_id: str | None = None
    service: ServiceKind | None = None


@dataclass(frozen=True)
class ReviewAidProposal:
    """An office's step on a proposal: pass it up, return it with a reason, or (the directorate) decide."""

    aid_proposal_id: str
    level: Level
    step: str  # "pass", "return", "approve" or "reject"
    reason: str = ""


@dataclass(frozen=True)
class CorrectAidProposal:
    aid_proposal_id: str
    amount: int
    purpose: str
    beneficiaries: int
    documents: tuple[Document, ...] = ()


@dataclass(frozen=True)
class SubmitMonitoringReport:
    aid_proposal_id: str
    reported_amount: int
    bank_account: BankAccount
    documents: tuple[Document, ...] = ()
    report_id: str | None = None


@dataclass(frozen=True)
class ReviewMonitoringReport:
    """An office's step on a report: pass it up, return it with a reason, or (the directorate) decide."""

    report_id: str
    level: Level
    step: str
    reason: str = ""


@dataclass(frozen=True)
class CorrectMonitoringReport:
    report_id: str
    reported_amount: int
    bank_account: BankAccount
    documents: tuple[Document, ...] = ()
