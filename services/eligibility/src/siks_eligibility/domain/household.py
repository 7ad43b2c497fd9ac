"""The household as eligibility sees it: a fold of the registry's events that keeps both clocks.

The knowledge clock is each event's `recorded_at` (when the registry recorded it); the world
clock is the date a change took effect (died_on, moved_on, graduated_on). `HouseholdHistory`
answers "as we knew it at moment K"; a state's `*_on(day)` methods answer "as it was on day D".
Facts without a world date (registration, member data, housing, assets) count from when they
were recorded, so in the "as known now" view they apply to every day.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from types import MappingProxyType

from siks_events.catalog.registry import (
    Assets,
    Education,
    HeadChanged,
    HouseholdGraduated,
    HouseholdMoved,
    HouseholdRegistered,
    Housing,
    MemberAdded,
    MemberDeceased,
    MemberMovedOut,
    MemberRemoved,
    MembersJoined,
    MembersLeft,
    MemberUpdated,
    Person,
    Program,
    ProgramEnded,
    ProgramEnrolled,
    Relationship,
    Sex,
    SocioEconomicDataUpdated,
)
from siks_events.model import Event


class MemberStatus(StrEnum):
    """A member's standing in DTKS (status ART)."""

    ACTIVE = "active"
    DECEASED = "deceased"
    MOVED_OUT = "moved_out"
    GRADUATED = "graduated"  # left DTKS with the whole household (graduasi)
    LEFT = "left"  # not (or no longer) in this household: went on in another (split, transfer, merge, arrival)


@dataclass(frozen=True, slots=True)
class LoggedEvent:
    """A registry event with its place in the log (position) and the moment the registry recorded it."""

    event: Event
    position: int
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class StatusChange:
    """A member's status from the day `since` on (world clock), as recorded at `recorded_at` (knowledge clock)."""

    status: MemberStatus
    since: date
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class Membership:
    """A programme membership the registry records (kepesertaan), open while `end_date` is None."""

    program: Program
    start_date: date
    end_date: date | None = None


def age_on(born: date, day: date) -> int:
    """Completed years on `day` of someone born on `born` (a 29 February birthday falls on 1 March)."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


@dataclass(frozen=True, slots=True)
class Member:
    """A household member (ART) with what eligibility reads of them and their status changes."""

    nik: str
    birth_date: date
    sex: Sex
    education: Education
    attending_school: bool
    occupation: str
    disability: str | None
    pregnant: bool
    changes: tuple[StatusChange, ...] = ()
    memberships: tuple[Membership, ...] = ()

    @classmethod
    def of(cls, person: Person, previous: Member | None = None) -> Member:
        """The member recorded as `person`, keeping the status history and memberships of `previous`."""
        return cls(
            nik=person.nik, birth_date=person.birth_date, sex=person.sex, education=person.education,
            attending_school=person.attending_school, occupation=person.occupation,
            disability=person.disability, pregnant=person.pregnant,
            changes=previous.changes if previous else (), memberships=previous.memberships if previous else (),
        )

    def change_on(self, day: date) -> StatusChange | None:
        """The status change in effect on `day` (the latest that took effect on or before it); None while active."""
        found = None
        for change in sorted(self.changes, key=lambda c: c.since):
            if change.since <= day:
                found = change
        return found

    def status_on(self, day: date) -> MemberStatus:
        """The status in effect on `day`."""
        if not self.changes:  # most members: no change to look through
            return MemberStatus.ACTIVE
        change = self.change_on(day)
        return change.status if change else MemberStatus.ACTIVE

    def active_on(self, day: date) -> bool:
        return self.status_on(day) is MemberStatus.ACTIVE

    def age_on(self, day: date) -> int:
        return age_on(self.birth_date, day)

    def changed(self, status: MemberStatus, since: date, recorded_at: datetime) -> Member:
        return replace(self, changes=(*self.changes, StatusChange(status, since, recorded_at)))


@dataclass(frozen=True, slots=True)
class HouseholdState:
    """One household (rumah tangga) folded from the registry events known at some moment."""

    household_id: str
    region_code: str
    housing: Housing
    assets: Assets
    members: Mapping[str, Member]
    moves: tuple[tuple[date, str], ...] = ()  # (moved_on, to_region) of whole-household moves
    graduated_on: date | None = None
    last_position: int = 0
    last_recorded_at: datetime | None = None
    head_nik: str | None = None

    def region_on(self, day: date) -> str:
        """The 10-digit village code where the household lived on `day`."""
        region = self.region_code
        for moved_on, to_region in sorted(self.moves):
            if moved_on <= day:
                region = to_region
        return region

    def regency_since(self, day: date) -> date | None:
        """The day the household came to the regency it lived in on `day`; None if it has been there since registration."""
        regency, since = self.region_code[:4], None
        for moved_on, to_region in sorted(self.moves):
            if moved_on <= day and to_region[:4] != regency:
                regency, since = to_region[:4], moved_on
        return since

    def regency_on(self, day: date) -> str:
        """The regency or city (kabupaten/kota): the first 4 digits of the region code."""
        return self.region_on(day)[:4]

    def graduated_by(self, day: date) -> bool:
        return self.graduated_on is not None and self.graduated_on <= day

    def active_members(self, day: date) -> list[Member]:
        """Members active on `day`, in NIK order."""
        return [member for _, member in sorted(self.members.items()) if member.active_on(day)]

    def in_registry_on(self, day: date) -> bool:
        """In DTKS on `day`: not graduated and at least one active member."""
        return not self.graduated_by(day) and bool(self.active_members(day))

    def apply(self, logged: LoggedEvent) -> HouseholdState:
        """This state with one more of its household's events folded in; other events change nothing."""
        event, when = logged.event, logged.recorded_at
        if getattr(event, "household_id", None) != self.household_id:
            return self
        members = dict(self.members)
        changes: dict[str, object] = {}
        match event:
            case MemberAdded(person=person) if person.nik in members:
                # someone who left and came back: active again from the day it was recorded, the only date there is
                members[person.nik] = Member.of(person, members[person.nik]).changed(MemberStatus.ACTIVE, when.date(), when)
            case MemberAdded(person=person) | MemberUpdated(person=person):
                members[person.nik] = Member.of(person, members.get(person.nik))
            case MemberRemoved(nik=nik):
                members.pop(nik, None)
            case HeadChanged(nik=nik):
                changes["head_nik"] = nik
            case SocioEconomicDataUpdated(housing=housing, assets=assets):
                # the registry's own welfare_decile is not read: eligibility ranks households itself
                changes.update(housing=housing, assets=assets)
            case ProgramEnrolled(nik=nik, program=program, start_date=start) if nik in members:
                member = members[nik]
                members[nik] = replace(member, memberships=(*member.memberships, Membership(program, start)))
            case ProgramEnded(nik=nik, program=program, end_date=end) if nik in members:
                member = members[nik]
                members[nik] = replace(member, memberships=tuple(
                    replace(m, end_date=end) if m.program is program and m.end_date is None else m
                    for m in member.memberships))
            case MemberDeceased(nik=nik, died_on=died_on) if nik in members:
                members[nik] = members[nik].changed(MemberStatus.DECEASED, died_on, when)
            case MemberMovedOut(nik=nik, moved_on=moved_on) if nik in members:
                members[nik] = members[nik].changed(MemberStatus.MOVED_OUT, moved_on, when)
            case HouseholdMoved(to_region=to_region, moved_on=moved_on):
                changes["moves"] = (*self.moves, (moved_on, to_region))
            case MembersLeft(niks=niks, left_on=left_on):
                for nik in niks:
                    if nik in members:
                        members[nik] = members[nik].changed(MemberStatus.LEFT, left_on, when)
            case MembersJoined(persons=persons, joined_on=joined_on):
                for person in persons:
                    # here from the day they joined, not before: their earlier days belong to another household
                    previous = members.get(person.nik)
                    joined = Member.of(person, previous) if previous else \
                        Member.of(person).changed(MemberStatus.LEFT, date.min, when)
                    members[person.nik] = joined.changed(MemberStatus.ACTIVE, joined_on, when)
            case HouseholdGraduated(graduated_on=graduated_on):
                changes["graduated_on"] = graduated_on
                for nik, member in members.items():
                    if member.active_on(graduated_on):
                        members[nik] = member.changed(MemberStatus.GRADUATED, graduated_on, when)
        return replace(self, members=MappingProxyType(members), last_position=max(self.last_position, logged.position),
                       last_recorded_at=when, **changes)

    @classmethod
    def registered(cls, event: HouseholdRegistered, *, position: int, recorded_at: datetime) -> HouseholdState:
        """The state a HouseholdRegistered event starts."""
        head = next((p.nik for p in event.members if p.relationship is Relationship.HEAD), None)
        return cls(
            household_id=event.household_id, region_code=event.region_code, housing=event.housing,
            assets=event.assets, members=MappingProxyType({p.nik: Member.of(p) for p in event.members}),
            last_position=position, last_recorded_at=recorded_at, head_nik=head,
        )


class HouseholdHistory:
    """Every registry event of one household in log order, foldable as known at any moment."""

    def __init__(self, household_id: str) -> None:
        self.household_id = household_id
        self._log: list[LoggedEvent] = []

    def record(self, event: Event, *, position: int, recorded_at: datetime) -> None:
        """Add the household's next event as read from the log at `position`."""
        self._log.append(LoggedEvent(event, position, recorded_at))

    def as_known_at(self, moment: datetime | None = None) -> HouseholdState | None:
        """The household as the registry knew it at `moment` (None: all it knows now); None if not yet registered."""
        return fold(logged for logged in self._log if moment is None or logged.recorded_at <= moment)

    def as_known_up_to(self, position: int) -> HouseholdState | None:
        """The household as the log stood at `position`: the way to recompute a past decision."""
        return fold(logged for logged in self._log if logged.position <= position)


def fold(log: Iterable[LoggedEvent]) -> HouseholdState | None:
    """The state of one household's events in log order; None until its HouseholdRegistered."""
    state: HouseholdState | None = None
    for logged in log:
        if isinstance(logged.event, HouseholdRegistered):
            state = HouseholdState.registered(logged.event, position=logged.position, recorded_at=logged.recorded_at)
        elif state is not None:
            state = state.apply(logged)
    return state
