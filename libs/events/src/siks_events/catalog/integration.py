"""Events the integration service publishes: what other government systems told us."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from pydantic import model_validator

from siks_events.catalog import register
from siks_events.model import Event, Nik, RegionCode

TOPIC = "siks.integration.events"


@register
class DeathReported(Event):
    """Dukcapil reported a death (laporan kematian): the person is deceased from `died_on`."""

    type: ClassVar[str] = "siks.integration.deceased-reported.v1"
    topic: ClassVar[str] = TOPIC
    subject_field: ClassVar[str | None] = "nik"

    report_id: str
    nik: Nik
    name: str
    died_on: date
    place_of_death: str | None = None
    certificate_number: str
    reporting_office: str | None = None


@register
class DomicileMoved(Event):
    """Dukcapil reported a move of domicile (pindah domisili) of one person or a whole KK."""

    type: ClassVar[str] = "siks.integration.moved-domicile.v1"
    topic: ClassVar[str] = TOPIC
    subject_field: ClassVar[str | None] = "subject_id"

    move_id: str
    nik: Nik | None = None
    kk_number: str | None = None
    from_region: RegionCode
    to_region: RegionCode
    moved_on: date

    @model_validator(mode="after")
    def _names_who_moved(self) -> DomicileMoved:
        if not self.nik and not self.kk_number:
            raise ValueError("a move names a person (nik) or a whole family card (kk_number)")
        return self

    @property
    def subject_id(self) -> str:
        return self.nik or self.kk_number or self.move_id


@register
class CivilReportHeld(Event):
    """A Dukcapil report was kept, not forwarded, for a stated reason (e.g. the person is already deceased)."""

    type: ClassVar[str] = "siks.integration.civil-report-held.v1"
    topic: ClassVar[str] = TOPIC

    report_id: str
    reason_code: str
    reason: str
    nik: str | None = None
    kk_number: str | None = None
    event_date: date | None = None


@register
class CivilReportUnmatched(Event):
    """A Dukcapil report names nobody in DTKS; it is listed for review."""

    type: ClassVar[str] = "siks.integration.civil-report-unmatched.v1"
    topic: ClassVar[str] = TOPIC

    report_id: str


@register
class CivilReportApplied(Event):
    """The registry applied the report's change."""

    type: ClassVar[str] = "siks.integration.civil-report-applied.v1"
    topic: ClassVar[str] = TOPIC

    report_id: str
    applied_by: str
