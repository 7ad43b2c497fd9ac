"""What the registry refuses, each with a stable code and, where one input is at fault, its field."""

from __future__ import annotations

from siks_events.model import Conflict, Forbidden, NotFound, RuleViolated


class HouseholdNotFound(NotFound):
    """No household with this id (or KK number) in DTKS."""

    code = "household-not-found"


class PersonNotFound(NotFound):
    """No person with this NIK in DTKS."""

    code = "person-not-found"
    field = "nik"


class MemberNotFound(NotFound):
    """No member with this NIK in the household."""

    code = "member-not-found"
    field = "nik"


class MemberNotActive(RuleViolated):
    """The member is no longer active (deceased or moved out)."""

    code = "member-not-active"
    field = "nik"


class DuplicateMember(RuleViolated):
    """The same NIK appears twice in one household."""

    code = "duplicate-member"
    field = "nik"


class HeadRequired(RuleViolated):
    """A household has exactly one head (kepala keluarga)."""

    code = "head-required"
    field = "members"


class AlreadyEnrolled(RuleViolated):
    """The member's membership of this programme is already open."""

    code = "already-enrolled"
    field = "program"


class NotEnrolled(RuleViolated):
    """The member has no open membership of this programme."""

    code = "not-enrolled"
    field = "program"


class InvalidIdentity(RuleViolated):
    """A NIK, KK number or region code breaks the rules (each broken rule is listed)."""

    code = "invalid-identity"

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{field}: {message}" for field, message in problems))
        self.problems = problems

    def field_errors(self) -> list[tuple[str, str]]:
        return list(self.problems)


class NikAlreadyActive(Conflict):
    """One active person per NIK across the whole registry: this NIK is active in another household."""

    code = "nik-already-active"
    field = "nik"

    def __init__(self, nik_field: str, household_id: str) -> None:
        super().__init__(f"this NIK is already active in household {household_id} (/v1/households/{household_id})",
                         field=nik_field)
        self.household_id = household_id


class OutsideRegion(Forbidden):
    """The record lies outside the actor's region."""

    code = "outside-region"
    field = "region_code"


class HouseholdClosed(RuleViolated):
    """The household has left DTKS (graduated); it takes no further changes."""

    code = "household-closed"
    field = "household_id"


class NotAnArrival(RuleViolated):
    """The person is not in transit to this village (no move here, or already attached somewhere)."""

    code = "not-an-arrival"
    field = "nik"


class SameHousehold(RuleViolated):
    """The operation names one household twice (a member cannot move to the household they are in)."""

    code = "same-household"
    field = "to_household_id"
