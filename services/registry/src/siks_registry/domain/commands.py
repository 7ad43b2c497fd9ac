"""What operators and other services ask the registry to do (imperative names)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from siks_events.catalog.registry import Assets, Housing, Location, Person, Program


@dataclass(frozen=True)
class RegisterHousehold:
    kk_number: str
    region_code: str
    address: str
    members: list[Person]
    location: Location | None = None
    housing: Housing = field(default_factory=Housing)
    assets: Assets = field(default_factory=Assets)
    programs: dict[str, list[tuple[Program, date]]] = field(default_factory=dict)
    household_id: str | None = None


@dataclass(frozen=True)
class AddMember:
    household_id: str
    person: Person


@dataclass(frozen=True)
class UpdateMember:
    household_id: str
    person: Person


@dataclass(frozen=True)
class RemoveMember:
    household_id: str
    nik: str
    reason: str


@dataclass(frozen=True)
class ChangeHead:
    household_id: str
    nik: str


@dataclass(frozen=True)
class UpdateSocioEconomicData:
    household_id: str
    housing: Housing
    assets: Assets
    location: Location | None = None
    welfare_decile: int | None = None


@dataclass(frozen=True)
class EnrolInProgram:
    nik: str
    program: Program
    start_date: date


@dataclass(frozen=True)
class EndProgram:
    nik: str
    program: Program
    end_date: date
    reason: str


@dataclass(frozen=True)
class GraduateHousehold:
    """Take a household out of DTKS because it is no longer poor (graduasi)."""

    household_id: str
    reason: str
    graduated_on: date
    proposal_id: str | None = None
