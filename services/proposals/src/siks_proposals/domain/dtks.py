"""What this service knows of DTKS: a small copy of the registry's households, kept from its events.

The registry owns DTKS and decides every change again when it applies one; the copy only
answers quickly where a household lives, who is in it and which programmes they receive.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from siks_events.catalog.registry import (
    HouseholdGraduated,
    HouseholdMergedInto,
    HouseholdMoved,
    HouseholdRegistered,
    Location,
    MemberAdded,
    MemberDeceased,
    MemberMovedOut,
    MemberRemoved,
    MembersJoined,
    MembersLeft,
    MemberUpdated,
    ProgramEnded,
    ProgramEnrolled,
    SocioEconomicDataUpdated,
)
from siks_events.model import Event


@dataclass(frozen=True)
class DtksMember:
    """A member (ART) as the copy knows them; `programs` are their open programme memberships."""

    nik: str
    full_name: str
    active: bool = True
    programs: frozenset[str] = frozenset()


@dataclass(frozen=True)
class DtksHousehold:
    """A household (rumah tangga) as the copy knows it; `active` is False once it left DTKS (graduated) or
    merged into another household."""

    household_id: str
    region_code: str
    kk_number: str
    address: str
    members: tuple[DtksMember, ...] = ()
    location: Location | None = None
    active: bool = True
    version: int = 0
    """The version of the registry's household stream this copy reflects."""

    def active_members(self) -> list[DtksMember]:
        return [m for m in self.members if m.active]

    def member(self, nik: str) -> DtksMember | None:
        return next((m for m in self.members if m.nik == nik), None)


COPIED = (HouseholdRegistered, MemberAdded, MemberUpdated, MemberRemoved, MemberDeceased, MemberMovedOut,
          ProgramEnrolled, ProgramEnded, SocioEconomicDataUpdated, HouseholdMoved, HouseholdGraduated,
          MembersLeft, MembersJoined, HouseholdMergedInto)
"""Registry events that change what the copy knows; the registry's other events leave it as it is."""


def _with_member(household: DtksHousehold, nik: str, change) -> DtksHousehold:
    members = tuple(change(m) if m.nik == nik else m for m in household.members)
    return replace(household, members=members)


def _left(member: DtksMember) -> DtksMember:
    return replace(member, active=False, programs=frozenset())


def folded(household: DtksHousehold | None, event: Event, version: int) -> DtksHousehold | None:
    """The copy after one registry event at `version` of the household's stream; None when nothing changes
    (an old or repeated event, or news of a household the copy never saw registered)."""
    if household is None:
        if not isinstance(event, HouseholdRegistered):
            return None
        household = DtksHousehold(event.household_id, event.region_code, event.kk_number, event.address)
    elif version <= household.version:
        return None
    match event:
        case HouseholdRegistered():
            household = replace(household, location=event.location,
                                members=tuple(DtksMember(p.nik, p.full_name) for p in event.members))
        case MemberAdded(person=person):
            household = replace(household, members=(*(m for m in household.members if m.nik != person.nik),
                                                    DtksMember(person.nik, person.full_name)))
        case MemberUpdated(nik=nik, person=person):
            household = _with_member(household, nik, lambda m: replace(m, full_name=person.full_name))
        case MemberRemoved(nik=nik) | MemberDeceased(nik=nik) | MemberMovedOut(nik=nik):
            household = _with_member(household, nik, _left)
        case ProgramEnrolled(nik=nik, program=program):
            household = _with_member(household, nik, lambda m: replace(m, programs=m.programs | {program.value}))
        case ProgramEnded(nik=nik, program=program):
            household = _with_member(household, nik, lambda m: replace(m, programs=m.programs - {program.value}))
        case SocioEconomicDataUpdated(location=location) if location is not None:
            household = replace(household, location=location)
        case HouseholdMoved(to_region=to_region):
            household = replace(household, region_code=to_region)
        case MembersLeft(niks=niks):
            household = replace(household, members=tuple(_left(m) if m.nik in niks else m for m in household.members))
        case MembersJoined(persons=persons):
            joined = {p.nik for p in persons}
            household = replace(household, members=(*(m for m in household.members if m.nik not in joined),
                                                    *(DtksMember(p.nik, p.full_name) for p in persons)))
        case HouseholdGraduated() | HouseholdMergedInto():
            household = replace(household, active=False, members=tuple(_left(m) for m in household.members))
    return replace(household, version=version)
