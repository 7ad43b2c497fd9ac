"""Request and response bodies of the registry API (each its own model)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from siks_events.catalog.registry import Assets, Housing, Location, Person, Program
from siks_events.model import Nik, RegionCode

from siks_registry.domain.household import Household, Member


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EnrolmentIn(_Body):
    nik: Nik
    program: Program
    start_date: date


class HouseholdCreate(_Body):
    kk_number: str = Field(description="family card (KK) number, 16 digits")
    region_code: RegionCode = Field(description="village (desa/kelurahan) code, 10 digits")
    address: str = Field(min_length=1, max_length=500)
    location: Location | None = None
    housing: Housing = Housing()
    assets: Assets = Assets()
    members: list[Person] = Field(min_length=1, max_length=50)
    programs: list[EnrolmentIn] = Field(default_factory=list, max_length=300)


class HouseholdCreated(BaseModel):
    household_id: str
    version: int


class MemberRemoval(_Body):
    nik: Nik
    reason: str = Field(min_length=1, max_length=500)


class HeadChange(_Body):
    nik: Nik


class SocioEconomicData(_Body):
    housing: Housing
    assets: Assets
    location: Location | None = None
    welfare_decile: int | None = Field(default=None, ge=1, le=10)


class ProgramEnd(_Body):
    nik: Nik
    program: Program
    end_date: date
    reason: str = Field(min_length=1, max_length=500)


class MembershipPublic(BaseModel):
    program: Program
    active: bool
    start_date: date
    end_date: date | None = None
    end_reason: str | None = None


class MemberPublic(BaseModel):
    person: Person
    status: str
    status_since: date | None
    region_code: str | None
    left_to: str | None = Field(None, description="the household they went on in (split, transfer, merge, arrival)")
    programs: list[MembershipPublic]

    @classmethod
    def of(cls, member: Member) -> MemberPublic:
        return cls(person=member.person, status=member.status.value, status_since=member.status_since,
                   region_code=member.region_code, left_to=member.left_to,
                   programs=[MembershipPublic(program=m.program, active=m.active, start_date=m.start_date,
                                              end_date=m.end_date, end_reason=m.end_reason) for m in member.memberships])


class HouseholdPublic(BaseModel):
    household_id: str
    kk_number: str
    region_code: str
    region_name: str | None
    address: str
    location: Location | None
    housing: Housing
    assets: Assets
    welfare_decile: int | None
    head_nik: str | None
    needs_new_head: bool
    graduated_on: date | None = Field(None, description="the day the household left DTKS (graduasi), if it has")
    formed_from: str | None = Field(None, description="the household its members came from (a split, or movers)")
    merged_into: str | None = Field(None, description="the household this one continues in, after a merge")
    version: int
    members: list[MemberPublic]

    @classmethod
    def of(cls, household: Household) -> HouseholdPublic:
        from siks_events.identity import region_name

        return cls(household_id=household.id, kk_number=household.kk_number, region_code=household.region_code,
                   region_name=region_name(household.region_code), address=household.address,
                   location=household.location, housing=household.housing, assets=household.assets,
                   welfare_decile=household.welfare_decile, head_nik=household.head_nik,
                   needs_new_head=household.needs_new_head, graduated_on=household.graduated_on,
                   formed_from=household.formed_from, merged_into=household.merged_into,
                   version=household.version,
                   members=[MemberPublic.of(m) for m in household.members.values()])


class TimelineEntry(BaseModel):
    version: int
    type: str
    recorded_at: datetime
    actor: str
    role: str
    region: str
    command: str | None
    request_id: str | None
    data: dict[str, Any]


class PersonProgram(BaseModel):
    program: str
    active: bool
    start_date: date
    end_date: date | None


class PersonPublic(BaseModel):
    nik: str
    full_name: str
    sex: str
    birth_date: date
    relationship: str
    status: str = Field(description="active, deceased, moved_out, graduated or left")
    status_since: date | None
    household_id: str
    region_code: str
    programs: list[PersonProgram]

    @classmethod
    def of(cls, row: dict[str, Any]) -> PersonPublic:
        return cls(**{k: row[k] for k in ("nik", "full_name", "sex", "birth_date", "relationship", "status",
                                          "status_since", "household_id", "region_code")},
                   programs=[PersonProgram(**{k: p[k] for k in ("program", "active", "start_date", "end_date")})
                             for p in row["programs"]])


class PersonPage(BaseModel):
    total: int
    page: int
    size: int
    items: list[PersonPublic]


class SelfCheck(_Body):
    nik: str = Field(max_length=32)
    name: str = Field(max_length=200)


class SelfCheckAnswer(BaseModel):
    """Only whether the person is in DTKS and which programmes are active; nothing else."""

    in_dtks: bool
    active_programs: list[str]


class LetterRequest(_Body):
    nik: Nik


class LetterCheck(BaseModel):
    valid: bool
    code: str
    issued_at: datetime
    nik: str = Field(description="masked")
    full_name: str
    status: str
    programs: list[str]
