"""The impact preview: what a batch would add, change and remove in DTKS, per village."""

from __future__ import annotations

from siks_events.catalog.proposals import RemovedMember
from siks_proposals.domain.impact import VillageImpact, impact, total

from ..builders import (
    ANI,
    HOUSEHOLD,
    NEW_BABY,
    OTHER_VILLAGE,
    SITI,
    VILLAGE,
    add_household,
    dtks_household,
    end_membership,
    enrol,
    remove_household,
    update_household,
)

PROGRAMS = {SITI.nik: {"PKH", "PBI_JK"}, ANI.nik: {"PIP"}}


def test_removing_a_household_removes_its_active_members_and_loses_their_memberships():
    [village] = impact([(VILLAGE, remove_household())], {HOUSEHOLD: dtks_household(programs=PROGRAMS)})
    assert village == VillageImpact(VILLAGE, proposals=1, households_removed=1, persons_removed=3, memberships_lost=3)


def test_a_member_removed_by_an_update_takes_their_memberships_along():
    update = update_household(members_added=(NEW_BABY,), members_updated=(SITI,),
                              members_removed=(RemovedMember(nik=ANI.nik, reason="married"),))
    [village] = impact([(VILLAGE, update)], {HOUSEHOLD: dtks_household(programs=PROGRAMS)})
    assert village == VillageImpact(VILLAGE, proposals=1, households_changed=1, persons_added=1, persons_changed=1,
                                    persons_removed=1, memberships_lost=1)


def test_counts_are_kept_per_village_and_add_up_to_the_total():
    villages = impact([(VILLAGE, add_household()), (OTHER_VILLAGE, enrol()), (VILLAGE, end_membership()),
                       (OTHER_VILLAGE, add_household())], {})
    assert [(v.region_code, v.households_added, v.persons_added, v.memberships_gained, v.memberships_lost)
            for v in villages] == [(VILLAGE, 1, 3, 0, 1), (OTHER_VILLAGE, 1, 3, 1, 0)]
    assert total(villages) == VillageImpact("", proposals=4, households_added=2, persons_added=6,
                                            memberships_gained=1, memberships_lost=1)
