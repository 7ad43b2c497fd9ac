"""What supervisors, enumerators' phones and the proposals service ask the verification service to do."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from siks_events.catalog.verification import Findings, Photo, Position


@dataclass(frozen=True)
class AssignEntry:
    entry_id: str
    enumerator: str


@dataclass(frozen=True)
class RecordVisit:
    """One visit of an offline phone's batch; `client_visit_id` is the phone's own id for it."""

    client_visit_id: str
    entry_id: str
    started_at: datetime
    ended_at: datetime
    position: Position
    findings: Findings
    photos: tuple[Photo, ...] = ()


@dataclass(frozen=True)
class AcceptVisit:
    visit_id: str
    identity_confirmed: bool


@dataclass(frozen=True)
class RejectVisit:
    visit_id: str
    reason: str
