"""What Dukcapil (the civil registry) publishes on its own inbound topic for SIKS-NG to read.

These are Dukcapil's types, not ours: the integration service validates them and translates
them into our domain events (`siks_events.catalog.integration`).
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from pydantic import ConfigDict, Field, model_validator

from siks_events.catalog import register
from siks_events.model import Event, Nik, RegionCode

TOPIC = "dukcapil.civil-events"


@register
class DukcapilDeathRecorded(Event):
    """Dukcapil recorded a death (akta kematian)."""

    type: ClassVar[str] = "go.id.dukcapil.death-recorded.v1"
    topic: ClassVar[str] = TOPIC
    subject_field: ClassVar[str | None] = "nik"

    nik: Nik
    name: str = Field(min_length=1, max_length=200)
    died_on: date
    place_of_death: str | None = Field(default=None, max_length=200)
    certificate_number: str = Field(min_length=1, max_length=64)
    reporting_office: str | None = Field(default=None, max_length=200)


@register
class DukcapilDomicileMoveRecorded(Event):
    """Dukcapil recorded a move of domicile (surat pindah) of one person or a whole family card."""

    type: ClassVar[str] = "go.id.dukcapil.domicile-move-recorded.v1"
    topic: ClassVar[str] = TOPIC
    subject_field: ClassVar[str | None] = "move_id"

    # Stated in the schema as well, so a sender knows one of the two is required.
    model_config = ConfigDict(json_schema_extra={"anyOf": [
        {"required": [name], "properties": {name: {"type": "string"}}} for name in ("nik", "kk_number")]})

    move_id: str = Field(min_length=1, max_length=64)
    nik: Nik | None = None
    kk_number: str | None = Field(default=None, pattern=r"^[0-9]{16}$")
    from_region: RegionCode
    to_region: RegionCode
    moved_on: date

    @model_validator(mode="after")
    def _names_who_moved(self) -> DukcapilDomicileMoveRecorded:
        if not self.nik and not self.kk_number:
            raise ValueError("a move names a person (nik) or a whole family card (kk_number)")
        return self
