"""Events the registry publishes: every change to a DTKS household (rumah tangga) and its members (ART)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from siks_events.catalog import register
from siks_events.model import Event, Nik, RegionCode

TOPIC = "siks.registry.events"


class Sex(StrEnum):
    MALE = "male"
    FEMALE = "female"


class Relationship(StrEnum):
    """Relationship to the head of the household (hubungan dengan kepala keluarga)."""

    HEAD = "head"
    SPOUSE = "spouse"
    CHILD = "child"
    CHILD_IN_LAW = "child_in_law"
    GRANDCHILD = "grandchild"
    PARENT = "parent"
    PARENT_IN_LAW = "parent_in_law"
    OTHER_FAMILY = "other_family"
    OTHER = "other"


class MaritalStatus(StrEnum):
    SINGLE = "single"
    MARRIED = "married"
    DIVORCED = "divorced"
    WIDOWED = "widowed"


class Education(StrEnum):
    NONE = "none"
    PRIMARY = "primary"  # SD/MI
    JUNIOR_SECONDARY = "junior_secondary"  # SMP/MTs
    SENIOR_SECONDARY = "senior_secondary"  # SMA/SMK/MA
    DIPLOMA = "diploma"
    BACHELOR = "bachelor"
    POSTGRADUATE = "postgraduate"


class Program(StrEnum):
    """Social assistance programmes that pick their beneficiaries from DTKS."""

    PKH = "PKH"  # Program Keluarga Harapan, conditional cash transfer
    SEMBAKO = "SEMBAKO"  # Sembako/BPNT food assistance
    PBI_JK = "PBI_JK"  # state-paid health insurance premiums (BPJS Kesehatan)
    PIP = "PIP"  # school assistance
    KIP_KULIAH = "KIP_KULIAH"  # university assistance
    ELECTRICITY_SUBSIDY = "ELECTRICITY_SUBSIDY"


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Person(_Value):
    """A household member's data (anggota rumah tangga) as recorded."""

    nik: Nik
    full_name: str = Field(min_length=1, max_length=200)
    sex: Sex
    birth_place: str = Field(default="", max_length=100)
    birth_date: date
    relationship: Relationship
    marital_status: MaritalStatus = MaritalStatus.SINGLE
    education: Education = Education.NONE
    attending_school: bool = False
    occupation: str = Field(default="", max_length=100)
    disability: str | None = Field(default=None, max_length=100)
    chronic_illness: str | None = Field(default=None, max_length=100)
    pregnant: bool = False


class Location(_Value):
    """Where the house stands (GPS)."""

    lat: float = Field(ge=-11.5, le=6.5)  # Indonesia's latitude span
    lon: float = Field(ge=94.5, le=141.5)


class Housing(_Value):
    """The house: materials, size and services (kondisi perumahan)."""

    roof_material: str | None = None
    wall_material: str | None = None
    floor_material: str | None = None
    floor_area_m2: float | None = Field(default=None, ge=0, le=10_000)
    toilet: str | None = None
    drinking_water: str | None = None
    lighting: str | None = None
    electricity_va: int | None = Field(default=None, ge=0, le=100_000)


class Assets(_Value):
    """What the household owns (kepemilikan aset)."""

    land_owned: bool | None = None
    house_ownership: str | None = None
    vehicles: tuple[str, ...] = ()
    livestock: tuple[str, ...] = ()
    appliances: tuple[str, ...] = ()


class _HouseholdEvent(Event):
    topic: ClassVar[str] = TOPIC

    household_id: str


class _MemberEvent(_HouseholdEvent):
    subject_field: ClassVar[str | None] = "nik"

    nik: Nik


@register
class HouseholdRegistered(_HouseholdEvent):
    """A household entered DTKS with its members."""

    type: ClassVar[str] = "siks.registry.household-registered.v1"

    kk_number: str
    region_code: RegionCode
    address: str
    location: Location | None = None
    housing: Housing = Housing()
    assets: Assets = Assets()
    members: tuple[Person, ...]
    formed_from: str | None = None
    """The household its members came from, when it was formed by a split (pecah KK) or by movers' arrival."""


@register
class MemberAdded(_MemberEvent):
    """A person joined the household."""

    type: ClassVar[str] = "siks.registry.member-added.v1"

    person: Person


@register
class MemberUpdated(_MemberEvent):
    """A member's recorded data changed (the whole new record)."""

    type: ClassVar[str] = "siks.registry.member-updated.v1"

    person: Person


@register
class MemberRemoved(_MemberEvent):
    """A person left the household for a reason other than death or a move."""

    type: ClassVar[str] = "siks.registry.member-removed.v1"

    reason: str


@register
class HeadChanged(_MemberEvent):
    """Another member became head of the household (kepala keluarga)."""

    type: ClassVar[str] = "siks.registry.head-changed.v1"


@register
class SocioEconomicDataUpdated(_HouseholdEvent):
    """Housing, assets, location or welfare decile (desil) changed."""

    type: ClassVar[str] = "siks.registry.socio-economic-data-updated.v1"

    housing: Housing
    assets: Assets
    location: Location | None = None
    welfare_decile: int | None = Field(default=None, ge=1, le=10)


@register
class ProgramEnrolled(_MemberEvent):
    """A member became a beneficiary of a programme from `start_date`."""

    type: ClassVar[str] = "siks.registry.program-enrolled.v1"

    program: Program
    start_date: date


@register
class ProgramEnded(_MemberEvent):
    """A member's programme membership ended on `end_date`."""

    type: ClassVar[str] = "siks.registry.program-ended.v1"

    program: Program
    end_date: date
    reason: str


@register
class MemberDeceased(_MemberEvent):
    """A member died on `died_on` and is no longer active in DTKS (reported by Dukcapil)."""

    type: ClassVar[str] = "siks.registry.member-deceased.v1"

    died_on: date
    report_id: str | None = None


@register
class MemberMovedOut(_MemberEvent):
    """A member moved to another village (pindah domisili) and left the household."""

    type: ClassVar[str] = "siks.registry.member-moved-out.v1"

    from_region: RegionCode
    to_region: RegionCode
    moved_on: date
    move_id: str | None = None


@register
class HouseholdMoved(_HouseholdEvent):
    """The whole household (the whole KK) moved to another village."""

    type: ClassVar[str] = "siks.registry.household-moved.v1"

    from_region: RegionCode
    to_region: RegionCode
    moved_on: date
    move_id: str | None = None


@register
class HouseholdGraduated(_HouseholdEvent):
    """The household left DTKS because it is no longer poor (graduasi); its memberships ended with it."""

    type: ClassVar[str] = "siks.registry.household-graduated.v1"

    graduated_on: date
    reason: str
    proposal_id: str | None = None


class _ProposalAnswer(Event):
    topic: ClassVar[str] = TOPIC
    subject_field: ClassVar[str | None] = "proposal_id"

    proposal_id: str


@register
class ProposalApplied(_ProposalAnswer):
    """The registry ran an approved proposal's change through its own rules."""

    type: ClassVar[str] = "siks.registry.proposal-applied.v1"

    household_id: str


@register
class ProposalRefused(_ProposalAnswer):
    """The registry's rules refused an approved proposal's change (a normal outcome, not a dead letter)."""

    type: ClassVar[str] = "siks.registry.proposal-refused.v1"

    reason_code: str
    reason: str
    household_id: str | None = None


class JoinReason(StrEnum):
    """Why people joined a household that already existed."""

    MERGE = "merge"
    TRANSFER = "transfer"
    ARRIVAL = "arrival"


@register
class MembersLeft(_HouseholdEvent):
    """Members left for another household: a split (pecah KK), a transfer, a merge, or movers arriving there."""

    type: ClassVar[str] = "siks.registry.members-left.v1"

    niks: tuple[Nik, ...]
    to_household_id: str
    reason: str
    left_on: date


@register
class MembersJoined(_HouseholdEvent):
    """People joined this household from another one, carrying the memberships listed in their records."""

    type: ClassVar[str] = "siks.registry.members-joined.v1"

    persons: tuple[Person, ...]
    from_household_id: str
    join_reason: JoinReason
    joined_on: date
    move_id: str | None = None


@register
class HouseholdMergedInto(_HouseholdEvent):
    """The household ended by merging into another (after a marriage, say); its members continue there."""

    type: ClassVar[str] = "siks.registry.household-merged-into.v1"

    into_household_id: str
    merged_on: date
    reason: str
