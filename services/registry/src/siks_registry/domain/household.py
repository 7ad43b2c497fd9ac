"""The household (rumah tangga) and its members (ART): the registry's one aggregate.

Public methods decide and record events; `_apply` changes state and runs again on every
replay. Dates arrive as arguments: the domain has no clock.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum

from siks_events.catalog.registry import (
    Assets,
    HeadChanged,
    HouseholdGraduated,
    HouseholdMergedInto,
    HouseholdMoved,
    HouseholdRegistered,
    Housing,
    JoinReason,
    Location,
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
    SocioEconomicDataUpdated,
)
from siks_events.model import Aggregate, Event

from siks_registry.domain.errors import (
    AlreadyEnrolled,
    DuplicateMember,
    HeadRequired,
    HouseholdClosed,
    MemberNotActive,
    MemberNotFound,
    NotEnrolled,
)


class Status(StrEnum):
    ACTIVE = "active"
    DECEASED = "deceased"
    MOVED_OUT = "moved_out"
    GRADUATED = "graduated"  # left DTKS with the whole household (graduasi)
    LEFT = "left"  # went on in another household of DTKS (split, transfer, merge, arrival): see `left_to`


PERSONAL_PROGRAMS = frozenset({Program.PBI_JK, Program.PIP, Program.KIP_KULIAH})
"""Memberships that belong to the person and go with them, without a gap, to whichever household they join."""


@dataclass(frozen=True)
class Membership:
    """A member's time in one programme; open while `end_date` is None."""

    program: Program
    start_date: date
    end_date: date | None = None
    end_reason: str | None = None

    @property
    def active(self) -> bool:
        return self.end_date is None

    def active_on(self, day: date) -> bool:
        return self.start_date <= day and (self.end_date is None or day < self.end_date)


@dataclass(frozen=True)
class Member:
    """A person in the household, their status and their programme memberships."""

    person: Person
    status: Status = Status.ACTIVE
    status_since: date | None = None
    region_code: str | None = None  # where a member who moved out went
    memberships: tuple[Membership, ...] = ()
    left_to: str | None = None  # the household they went on in (split, transfer, merge, arrival after a move)

    @property
    def nik(self) -> str:
        return self.person.nik

    @property
    def active(self) -> bool:
        return self.status is Status.ACTIVE

    @property
    def in_transit(self) -> bool:
        """Moved to another village and not yet attached to a household there."""
        return self.status is Status.MOVED_OUT and self.left_to is None

    def programs_to_carry(self, household_programs: bool) -> list[Program]:
        """The open memberships that go with the member: personal ones always, household ones if decided so."""
        return [m.program for m in self.memberships
                if m.active and (household_programs or m.program in PERSONAL_PROGRAMS)]

    def open_membership(self, program: Program) -> Membership | None:
        return next((m for m in self.memberships if m.program is program and m.active), None)

    def with_membership_ended(self, program: Program, end_date: date, reason: str) -> Member:
        memberships = tuple(
            replace(m, end_date=end_date, end_reason=reason) if m.program is program and m.active else m
            for m in self.memberships
        )
        return replace(self, memberships=memberships)


class Household(Aggregate):
    """A household in DTKS (rumah tangga / keluarga), keyed by an internal id and its KK number."""

    def __init__(self, id: str) -> None:  # noqa: A002 - the aggregate's id
        super().__init__(id)
        self.kk_number = ""
        self.region_code = ""
        self.address = ""
        self.location: Location | None = None
        self.housing = Housing()
        self.assets = Assets()
        self.welfare_decile: int | None = None
        self.members: dict[str, Member] = {}
        self.head_nik: str | None = None
        self.needs_new_head = False
        self.graduated_on: date | None = None
        self.formed_from: str | None = None
        self.merged_into: str | None = None

    # --- decisions -----------------------------------------------------------------

    @classmethod
    def register(
        cls,
        household_id: str,
        *,
        kk_number: str,
        region_code: str,
        address: str,
        members: list[Person],
        location: Location | None = None,
        housing: Housing | None = None,
        assets: Assets | None = None,
        formed_from: str | None = None,
    ) -> Household:
        """A new household with exactly one head and no NIK twice."""
        heads = [p for p in members if p.relationship is Relationship.HEAD]
        if len(heads) != 1:
            raise HeadRequired(f"a household needs exactly one head (kepala keluarga); {len(heads)} given")
        seen: set[str] = set()
        for index, person in enumerate(members):
            if person.nik in seen:
                raise DuplicateMember(f"NIK {person.nik} is listed twice", field=f"members/{index}/nik")
            seen.add(person.nik)
        household = cls(household_id)
        household._record(HouseholdRegistered(
            household_id=household_id, kk_number=kk_number, region_code=region_code, address=address,
            location=location, housing=housing or Housing(), assets=assets or Assets(), members=tuple(members),
            formed_from=formed_from,
        ))
        return household

    def add_member(self, person: Person) -> None:
        self._ensure_open()
        if person.nik in self.members and self.members[person.nik].active:
            raise DuplicateMember(f"NIK {person.nik} is already a member of this household", field="nik")
        if person.relationship is Relationship.HEAD and self.head_nik and self.members[self.head_nik].active:
            raise HeadRequired("the household already has a head; change the head instead", field="relationship")
        self._record(MemberAdded(household_id=self.id, nik=person.nik, person=person))

    def update_member(self, person: Person) -> None:
        member = self.get_active_member(person.nik)
        if member.person == person:
            return
        if person.relationship is Relationship.HEAD and self.head_nik != person.nik:
            raise HeadRequired("to make this member head, change the head", field="relationship")
        self._record(MemberUpdated(household_id=self.id, nik=person.nik, person=person))

    def remove_member(self, nik: str, reason: str) -> None:
        self.get_active_member(nik)
        self._record(MemberRemoved(household_id=self.id, nik=nik, reason=reason))

    def change_head(self, nik: str) -> None:
        self.get_active_member(nik)
        if self.head_nik == nik and not self.needs_new_head:
            return
        self._record(HeadChanged(household_id=self.id, nik=nik))

    def update_socio_economic_data(
        self, *, housing: Housing, assets: Assets, location: Location | None, welfare_decile: int | None
    ) -> None:
        self._ensure_open()
        if (housing, assets, location, welfare_decile) == (self.housing, self.assets, self.location, self.welfare_decile):
            return
        self._record(SocioEconomicDataUpdated(household_id=self.id, housing=housing, assets=assets,
                                              location=location, welfare_decile=welfare_decile))

    def enrol(self, nik: str, program: Program, start_date: date) -> None:
        member = self.get_active_member(nik)
        if member.open_membership(program):
            raise AlreadyEnrolled(f"{program.value} membership of this member is already open", field="program")
        self._record(ProgramEnrolled(household_id=self.id, nik=nik, program=program, start_date=start_date))

    def end_program(self, nik: str, program: Program, end_date: date, reason: str) -> None:
        member = self.get_member(nik)
        if not member.open_membership(program):
            raise NotEnrolled(f"this member has no open {program.value} membership", field="program")
        self._record(ProgramEnded(household_id=self.id, nik=nik, program=program, end_date=end_date, reason=reason))

    def graduate(self, reason: str, graduated_on: date, proposal_id: str | None = None) -> None:
        """The household leaves DTKS (no longer poor): open memberships end that day; a repeat changes nothing."""
        if self.graduated_on is not None:
            return
        for member in self.active_members():
            for membership in member.memberships:
                if membership.active:
                    self._record(ProgramEnded(household_id=self.id, nik=member.nik, program=membership.program,
                                              end_date=max(graduated_on, membership.start_date), reason="graduated"))
        self._record(HouseholdGraduated(household_id=self.id, graduated_on=graduated_on, reason=reason,
                                        proposal_id=proposal_id))

    def leave(self, niks: list[str], to_household_id: str, reason: str, on: date,
              household_programs: bool = False) -> list[Member]:
        """Members go on in another household: their open memberships here end `on`; the members as they were.

        Active members leave (split, transfer, merge); so does a member in transit after a move when the
        destination village attaches them.
        """
        self._ensure_open()
        leaving = []
        for nik in niks:
            member = self.get_member(nik)
            if not (member.active or member.in_transit):
                raise MemberNotActive(f"this member is {member.status.value} since {member.status_since}", field="nik")
            leaving.append(member)
        for member in leaving:
            carried = set(member.programs_to_carry(household_programs))
            for membership in member.memberships:
                if membership.active:
                    why = (f"continued in household {to_household_id}" if membership.program in carried
                           else f"ended on leaving for household {to_household_id} (a household programme, not carried)")
                    self._record(ProgramEnded(household_id=self.id, nik=member.nik, program=membership.program,
                                              end_date=max(on, membership.start_date), reason=why))
        self._record(MembersLeft(household_id=self.id, niks=tuple(niks), to_household_id=to_household_id,
                                 reason=reason, left_on=on))
        return leaving

    def join(self, arrivals: list[tuple[Person, list[Program]]], from_household_id: str, reason: JoinReason,
             on: date, move_id: str | None = None) -> None:
        """People from another household join this one, each with the programmes they carry (from `on`)."""
        self._ensure_open()
        heads = [p for p, _ in arrivals if p.relationship is Relationship.HEAD]
        if len(heads) > (0 if self.head_nik and not self.needs_new_head else 1):
            raise HeadRequired("the household already has a head; join as another relationship", field="relationship")
        for person, _ in arrivals:
            if person.nik in self.members and self.members[person.nik].active:
                raise DuplicateMember(f"NIK {person.nik} is already a member of this household", field="nik")
        self._record(MembersJoined(household_id=self.id, persons=tuple(p for p, _ in arrivals),
                                   from_household_id=from_household_id, join_reason=reason, joined_on=on,
                                   move_id=move_id))
        for person, programs in arrivals:
            for program in programs:
                self._record(ProgramEnrolled(household_id=self.id, nik=person.nik, program=program, start_date=on))

    def merge_into(self, into_household_id: str, reason: str, on: date, household_programs: bool = False) -> list[Member]:
        """The household ends in another one: every active member leaves for it; the members as they were."""
        if into_household_id == self.id:
            raise HouseholdClosed("a household cannot merge into itself", field="into_household_id")
        leaving = self.leave([m.nik for m in self.active_members()], into_household_id, reason, on, household_programs)
        self._record(HouseholdMergedInto(household_id=self.id, into_household_id=into_household_id, merged_on=on,
                                         reason=reason))
        return leaving

    def record_death(self, nik: str, died_on: date, report_id: str | None = None) -> None:
        """The member is deceased from `died_on`; every open membership ends that day. Repeats change nothing."""
        member = self.get_member(nik)
        if member.status is Status.DECEASED:
            return
        for membership in member.memberships:
            if membership.active:
                self._record(ProgramEnded(household_id=self.id, nik=nik, program=membership.program,
                                          end_date=max(died_on, membership.start_date), reason="deceased"))
        self._record(MemberDeceased(household_id=self.id, nik=nik, died_on=died_on, report_id=report_id))

    def record_move_out(self, nik: str, to_region: str, moved_on: date, move_id: str | None = None) -> None:
        """The member moved to another village and left the household; repeats and moves after death change nothing."""
        member = self.get_member(nik)
        if not member.active:
            return
        self._record(MemberMovedOut(household_id=self.id, nik=nik, from_region=self.region_code, to_region=to_region,
                                    moved_on=moved_on, move_id=move_id))

    def move(self, to_region: str, moved_on: date, move_id: str | None = None) -> None:
        """The whole household (whole KK) moved; a repeat changes nothing."""
        if to_region == self.region_code:
            return
        self._record(HouseholdMoved(household_id=self.id, from_region=self.region_code, to_region=to_region,
                                    moved_on=moved_on, move_id=move_id))

    def _ensure_open(self) -> None:
        if self.graduated_on is not None:
            raise HouseholdClosed(f"household {self.id} left DTKS on {self.graduated_on} (graduated)")
        if self.merged_into is not None:
            raise HouseholdClosed(f"household {self.id} was merged into household {self.merged_into}")

    # --- queries -------------------------------------------------------------------

    def get_member(self, nik: str) -> Member:
        try:
            return self.members[nik]
        except KeyError:
            raise MemberNotFound(f"no member with this NIK in household {self.id}", field="nik") from None

    def get_active_member(self, nik: str) -> Member:
        member = self.get_member(nik)
        if not member.active:
            raise MemberNotActive(f"this member is {member.status.value} since {member.status_since}", field="nik")
        return member

    def active_members(self) -> list[Member]:
        return [m for m in self.members.values() if m.active]

    # --- state changes -------------------------------------------------------------

    def _apply(self, event: Event) -> None:  # noqa: C901 - one case per event type
        match event:
            case HouseholdRegistered():
                self.kk_number, self.region_code, self.address = event.kk_number, event.region_code, event.address
                self.location, self.housing, self.assets = event.location, event.housing, event.assets
                self.members = {p.nik: Member(p) for p in event.members}
                self.head_nik = next(p.nik for p in event.members if p.relationship is Relationship.HEAD)
                self.formed_from = event.formed_from
            case MemberAdded(person=person):
                self.members[person.nik] = Member(person)
            case MemberUpdated(person=person):
                self.members[person.nik] = replace(self.members[person.nik], person=person)
            case MemberRemoved(nik=nik):
                self.members.pop(nik, None)
                self._lose_head(nik)
            case HeadChanged(nik=nik):
                self._set_relationship(self.head_nik, Relationship.OTHER_FAMILY)
                self._set_relationship(nik, Relationship.HEAD)
                self.head_nik, self.needs_new_head = nik, False
            case SocioEconomicDataUpdated():
                self.housing, self.assets = event.housing, event.assets
                self.location, self.welfare_decile = event.location, event.welfare_decile
            case ProgramEnrolled(nik=nik, program=program, start_date=start):
                member = self.members[nik]
                self.members[nik] = replace(member, memberships=(*member.memberships, Membership(program, start)))
            case ProgramEnded(nik=nik, program=program, end_date=end, reason=reason):
                self.members[nik] = self.members[nik].with_membership_ended(program, end, reason)
            case MemberDeceased(nik=nik, died_on=died_on):
                self.members[nik] = replace(self.members[nik], status=Status.DECEASED, status_since=died_on)
                self._lose_head(nik)
            case MemberMovedOut(nik=nik, to_region=to_region, moved_on=moved_on):
                self.members[nik] = replace(self.members[nik], status=Status.MOVED_OUT, status_since=moved_on,
                                            region_code=to_region)
                self._lose_head(nik)
            case HouseholdMoved(to_region=to_region):
                self.region_code = to_region
            case MembersLeft(niks=niks, to_household_id=to, left_on=on):
                for nik in niks:  # active members, or one in transit whom the destination attached
                    self.members[nik] = replace(self.members[nik], status=Status.LEFT, status_since=on, left_to=to)
                    self._lose_head(nik)
            case MembersJoined(persons=persons):
                for person in persons:
                    self.members[person.nik] = Member(person)
                    if person.relationship is Relationship.HEAD:
                        self.head_nik, self.needs_new_head = person.nik, False
            case HouseholdMergedInto(into_household_id=into):
                self.merged_into = into
            case HouseholdGraduated(graduated_on=graduated_on):
                self.graduated_on = graduated_on
                for member in self.active_members():
                    self.members[member.nik] = replace(member, status=Status.GRADUATED, status_since=graduated_on)

    def _lose_head(self, nik: str) -> None:
        if nik == self.head_nik:
            self.needs_new_head = True

    def _set_relationship(self, nik: str | None, relationship: Relationship) -> None:
        if nik in self.members and self.members[nik].active:
            member = self.members[nik]
            self.members[nik] = replace(member, person=member.person.model_copy(update={"relationship": relationship}))
