"""Who a person is now in our copy of DTKS: decided from what the events say, never from arrival order."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

from siks_integration.domain.dtks import Membership, MembershipStatus, current_membership

NIK = "3571014302840002"
MAY, JUNE, JULY = (datetime(2026, m, 1, tzinfo=UTC) for m in (5, 6, 7))


def membership(household: str, status: MembershipStatus, since: datetime | None) -> Membership:
    return Membership(NIK, household, status, since)


def test_an_active_membership_wins_over_a_later_move_out_from_the_old_household():
    new = membership("hh-new", MembershipStatus.ACTIVE, JUNE)
    old = membership("hh-old", MembershipStatus.MOVED_OUT, JULY)
    assert current_membership([old, new]) == new


def test_a_removal_from_one_household_leaves_the_person_active_in_another():
    new = membership("hh-new", MembershipStatus.ACTIVE, MAY)
    assert current_membership([membership("hh-old", MembershipStatus.REMOVED, JULY), new]) == new


def test_a_death_reported_by_any_household_makes_the_person_deceased():
    died = membership("hh-old", MembershipStatus.DECEASED, MAY)
    assert current_membership([membership("hh-new", MembershipStatus.ACTIVE, JULY), died]) == died


def test_of_two_active_memberships_the_one_the_registry_recorded_last_speaks():
    later = membership("hh-a", MembershipStatus.ACTIVE, JULY)
    assert current_membership([later, membership("hh-b", MembershipStatus.ACTIVE, JUNE)]) == later


def test_with_no_active_membership_the_last_one_that_ended_speaks():
    moved = membership("hh-b", MembershipStatus.MOVED_OUT, JULY)
    assert current_membership([membership("hh-a", MembershipStatus.REMOVED, JUNE), moved]) == moved


def test_ties_are_broken_by_household_id_and_an_undated_row_ranks_last():
    undated = membership("hh-z", MembershipStatus.ACTIVE, None)
    a, b = membership("hh-a", MembershipStatus.ACTIVE, JUNE), membership("hh-b", MembershipStatus.ACTIVE, JUNE)
    assert current_membership([a, undated, b]) == b


def test_the_answer_is_the_same_in_every_arrival_order():
    rows = [membership("hh-1", MembershipStatus.ACTIVE, MAY), membership("hh-1", MembershipStatus.MOVED_OUT, JUNE),
            membership("hh-2", MembershipStatus.ACTIVE, JUNE), membership("hh-3", MembershipStatus.REMOVED, JULY)]
    assert {current_membership(order) for order in itertools.permutations(rows)} == {rows[2]}


def test_nobody_known_is_none():
    assert current_membership([]) is None
