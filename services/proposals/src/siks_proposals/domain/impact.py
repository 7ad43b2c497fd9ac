"""What approving a batch of proposals would do to DTKS, counted per village, before the office approves it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields

from siks_events.catalog.proposals import (
    AddHousehold,
    Change,
    EndMembership,
    Enrol,
    RemoveHousehold,
    UpdateHousehold,
)

from siks_proposals.domain.dtks import DtksHousehold


@dataclass
class VillageImpact:
    """Counts for one village (desa/kelurahan): households and persons, and programme memberships."""

    region_code: str
    proposals: int = 0
    households_added: int = 0
    households_changed: int = 0
    households_removed: int = 0
    persons_added: int = 0
    persons_changed: int = 0
    persons_removed: int = 0
    memberships_gained: int = 0
    memberships_lost: int = 0

    def add(self, change: Change, household: DtksHousehold | None) -> None:
        """Count one change; `household` is the copy of the DTKS household it concerns (None if unknown)."""
        self.proposals += 1
        match change:
            case AddHousehold(members=members):
                self.households_added += 1
                self.persons_added += len(members)
            case UpdateHousehold():
                self.households_changed += 1
                self.persons_added += len(change.members_added)
                self.persons_changed += len(change.members_updated)
                self.persons_removed += len(change.members_removed)
                for removed in change.members_removed:  # a member who leaves takes their memberships along
                    member = household.member(removed.nik) if household else None
                    self.memberships_lost += len(member.programs) if member and member.active else 0
            case RemoveHousehold():
                # graduation removes every active member and ends their open memberships
                self.households_removed += 1
                active = household.active_members() if household else []
                self.persons_removed += len(active)
                self.memberships_lost += sum(len(m.programs) for m in active)
            case Enrol():
                self.memberships_gained += 1
            case EndMembership():
                self.memberships_lost += 1


def impact(changes: Iterable[tuple[str, Change]], households: Mapping[str, DtksHousehold]) -> list[VillageImpact]:
    """Per village, sorted by region code, what the (village, change) pairs would do to DTKS."""
    villages: dict[str, VillageImpact] = {}
    for region_code, change in changes:
        household_id = None if isinstance(change, AddHousehold) else change.household_id
        villages.setdefault(region_code, VillageImpact(region_code)).add(change, households.get(household_id or ""))
    return [villages[code] for code in sorted(villages)]


def total(villages: Iterable[VillageImpact]) -> VillageImpact:
    """The counts of several villages added up (region code '')."""
    summed = VillageImpact("")
    for village in villages:
        for field in fields(VillageImpact)[1:]:
            setattr(summed, field.name, getattr(summed, field.name) + getattr(village, field.name))
    return summed
