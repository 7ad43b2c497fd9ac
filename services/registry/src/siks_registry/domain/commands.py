"""What operators and other services ask the registry to do (imperative names)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from siks_events.catalog.registry import Assets, Housing, Location, Person, Program, Relationship


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


@dataclass(frozen=True)
class SplitHousehold:
    """Members leave to form a new household with its own KK (pecah KK), in this or another village."""

    household_id: str
    niks: list[str]
    head_nik: str
    kk_number: str
    address: str
    reason: str
    on: date
    region_code: str | None = None
    """The new household's village; the same as the old one's when None."""
    household_programs: bool = False
    """Whether household programmes (PKH, Sembako) go with them; personal ones (PBI JK, PIP) always do."""
    new_household_id: str | None = None


@dataclass(frozen=True)
class MergeHouseholds:
    """Two households become one: `absorbed_id` ends with a link to `continuing_id`, which takes its members."""

    absorbed_id: str
    continuing_id: str
    reason: str
    on: date
    household_programs: bool = False


@dataclass(frozen=True)
class TransferMember:
    """A member moves from one household to another existing one."""

    from_household_id: str
    to_household_id: str
    nik: str
    relationship: Relationship
    reason: str
    on: date
    household_programs: bool = False


@dataclass(frozen=True)
class AttachArrival:
    """A person who moved to this village joins a household here: an existing one, or a new one for them."""

    nik: str
    relationship: Relationship
    on: date
    household_id: str | None = None
    kk_number: str | None = None
    address: str | None = None
    household_programs: bool = False
