"""What people ask the proposals service to do (imperative names); dates come from the caller's clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from siks_events.catalog.proposals import Change


@dataclass(frozen=True)
class DraftProposal:
    proposal_id: str
    region_code: str
    change: Change


@dataclass(frozen=True)
class CorrectProposal:
    proposal_id: str
    change: Change


@dataclass(frozen=True)
class SubmitProposal:
    proposal_id: str
    today: date


class Decision(StrEnum):
    """What the regency/city office decides about a proposal (pengesahan)."""

    APPROVE = "approve"
    REJECT = "reject"
    RETURN = "return"


@dataclass(frozen=True)
class DecideProposal:
    proposal_id: str
    decision: Decision
    reason: str = ""
    """Why, for a rejection or a return to the village."""


@dataclass(frozen=True)
class WithdrawProposal:
    proposal_id: str
    reason: str


@dataclass(frozen=True)
class ClosePeriod:
    regency_code: str
    period: str
    today: date


@dataclass(frozen=True)
class ApprovePeriodBatch:
    regency_code: str
    period: str
