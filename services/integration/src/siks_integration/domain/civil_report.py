"""A report from Dukcapil (a death or a move) and what became of it.

The report decides whether its change is forwarded to SIKS-NG as a domain event
(deceased-reported, moved-domicile) or held with a reason; the registry's confirmation
marks it applied. A report naming nobody in our copy of DTKS is `unmatched` only when that
copy is known to be current; while it may be behind, the report is `pending`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from siks_events.catalog.integration import (
    CivilReportApplied,
    CivilReportHeld,
    CivilReportUnmatched,
    DeathReported,
    DomicileMoved,
)
from siks_events.model import Aggregate, Event

from siks_integration.domain.dtks import MembershipStatus
from siks_integration.domain.errors import ReportMismatch


class Status(StrEnum):
    TRANSLATED = "translated"  # accepted and forwarded as a domain event
    PENDING = "pending"  # forwarded; our DTKS copy did not know the person and may be behind: wait
    UNMATCHED = "unmatched"  # forwarded, but names nobody in DTKS: listed for review
    APPLIED = "applied"  # the registry applied it
    HELD = "held"  # not forwarded; `reason` says why


@dataclass(frozen=True)
class KnownPerson:
    """What the integration service knows of a person in DTKS (from the registry's events)."""

    nik: str
    status: MembershipStatus
    status_since: date | None = None


def death_report_id(certificate_number: str) -> str:
    return f"death-{certificate_number}"


def move_report_id(move_id: str) -> str:
    return f"move-{move_id}"


class CivilReport(Aggregate):
    """One Dukcapil report (laporan kematian or surat pindah), keyed so a repeat is the same report."""

    def __init__(self, id: str) -> None:  # noqa: A002
        super().__init__(id)
        self.kind = ""
        self.nik: str | None = None
        self.kk_number: str | None = None
        self.event_date: date | None = None
        self.forwarded: DeathReported | DomicileMoved | None = None
        self.held: CivilReportHeld | None = None
        self.unmatched = False
        self.applied = False
        # Not an event: whether our DTKS copy could have told us about the person when we last looked.
        # The stream records decisions only; this lives in the report's read model (see `reconsider`).
        self.awaiting_dtks = False

    @property
    def status(self) -> Status:
        if self.held:
            return Status.HELD
        if self.applied:
            return Status.APPLIED
        if self.unmatched:
            return Status.UNMATCHED
        return Status.PENDING if self.awaiting_dtks else Status.TRANSLATED

    @property
    def unresolved(self) -> bool:
        """Forwarded, and neither applied nor known to name nobody."""
        return self.forwarded is not None and not (self.applied or self.unmatched or self.held)

    @property
    def reason(self) -> str | None:
        return self.held.reason if self.held else None

    # --- decisions -----------------------------------------------------------------

    @classmethod
    def receive_death(cls, death: DeathReported, person: KnownPerson | None, *, dtks_current: bool = True
                      ) -> CivilReport:
        """Forward a death unless DTKS already has the person deceased; `dtks_current` says our copy is up to date."""
        report = cls(death.report_id)
        if person is not None and person.status is MembershipStatus.DECEASED:
            report._record(CivilReportHeld(
                report_id=report.id, reason_code="already-deceased", nik=death.nik, event_date=death.died_on,
                reason=f"DTKS already records this person as deceased since {person.status_since}; nothing to apply"))
            return report
        report._record(death)
        report.reconsider(people_known=person is not None, dtks_current=dtks_current)
        return report

    @classmethod
    def receive_move(cls, move: DomicileMoved, people: list[KnownPerson], region_known: bool, *,
                     dtks_current: bool = True) -> CivilReport:
        """Forward a move unless it goes to an unknown village or moves someone who has died."""
        report = cls(move.move_id)
        if not region_known:
            report._record(CivilReportHeld(
                report_id=report.id, reason_code="unknown-region", nik=move.nik, kk_number=move.kk_number,
                event_date=move.moved_on,
                reason=f"{move.to_region} is not a village in the Kepmendagri list; check the destination"))
            return report
        dead = [p for p in people if p.status is MembershipStatus.DECEASED] if move.nik else []
        if dead:
            report._record(CivilReportHeld(
                report_id=report.id, reason_code="person-deceased", nik=move.nik, kk_number=move.kk_number,
                event_date=move.moved_on,
                reason=f"DTKS records this person as deceased since {dead[0].status_since}; a move after death"
                       " is not applied"))
            return report
        report._record(move)
        report.reconsider(people_known=bool(people), dtks_current=dtks_current)
        return report

    def reconsider(self, *, people_known: bool, dtks_current: bool) -> None:
        """Look at the report again with what our DTKS copy says now.

        Naming nobody in a copy that is current makes it unmatched (listed for review); in a copy
        that may be behind, it stays pending, because the registry may well know the person (it
        applies the report itself, and its confirmation marks the report applied either way).
        """
        if not self.unresolved:
            return
        if people_known:
            self.awaiting_dtks = False
        elif dtks_current:
            self.awaiting_dtks = False
            self._record(CivilReportUnmatched(report_id=self.id))
        else:
            self.awaiting_dtks = True

    def ensure_same(self, incoming: Event) -> None:
        """A repeat must be the same report; the same certificate or move id with other facts is refused."""
        original = self.forwarded
        if original is not None and original.model_dump(exclude={"report_id"}) != incoming.model_dump(
                exclude={"report_id"}):
            raise ReportMismatch(f"report {self.id} was already received with different details")

    def record_applied(self, applied_by: str) -> None:
        if self.applied or self.held:
            return
        self._record(CivilReportApplied(report_id=self.id, applied_by=applied_by))

    # --- state ---------------------------------------------------------------------

    def _apply(self, event: Event) -> None:
        match event:
            case DeathReported():
                self.kind, self.forwarded = "death", event
                self.nik, self.event_date = event.nik, event.died_on
            case DomicileMoved():
                self.kind, self.forwarded = "move", event
                self.nik, self.kk_number, self.event_date = event.nik, event.kk_number, event.moved_on
            case CivilReportHeld():
                self.kind = "death" if self.id.startswith("death-") else "move"
                self.nik, self.kk_number, self.event_date = event.nik, event.kk_number, event.event_date
                self.held = event
            case CivilReportUnmatched():
                self.unmatched = True
            case CivilReportApplied():
                self.applied = True
