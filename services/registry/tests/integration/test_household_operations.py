"""Household operations on PostgreSQL: the read models follow every household involved, no NIK is active
twice even when two operations race for the same people, and a mover waits on the arrivals list."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta

from siks_events.catalog.registry import Relationship
from siks_events.model import Cause, DomainError
from siks_registry.adapters.postgres.arrivals import arrivals
from siks_registry.adapters.postgres.uow import PostgresRegistryUnitOfWork
from siks_registry.application import household_operations as ops
from siks_registry.application.handlers import handle_register_household, run
from siks_registry.application.queries import household_as_of
from siks_registry.domain import commands
from siks_registry.domain.household import Status

from ..builders import OTHER_VILLAGE
from .households import kk, member, registration

ON = date(2026, 11, 20)
HEAD, SPOUSE, CHILD, OTHER_HEAD = member(1), member(2, "spouse", "female"), member(3, "child"), member(4)


async def active_counts(pool) -> dict[str, int]:
    rows = await pool.fetch("SELECT nik, count(*) AS n FROM persons WHERE status = 'active' GROUP BY nik")
    return {r["nik"]: r["n"] for r in rows}


async def registered(pool) -> None:
    await handle_register_household(registration(1, HEAD, SPOUSE, CHILD, household_id="h-1"),
                                    PostgresRegistryUnitOfWork(pool, Cause()))
    await handle_register_household(registration(2, OTHER_HEAD, household_id="h-2"),
                                    PostgresRegistryUnitOfWork(pool, Cause()))


async def test_a_merge_writes_both_households_rows_and_each_person_is_active_once(registry_pool):
    pool = await registry_pool()
    await registered(pool)
    await ops.handle_merge_households(commands.MergeHouseholds("h-2", "h-1", "marriage", ON),
                                      PostgresRegistryUnitOfWork(pool, Cause()))
    rows = await pool.fetch("SELECT household_id, nik, status FROM persons ORDER BY household_id, nik")
    assert {(r["household_id"], r["nik"], r["status"]) for r in rows} == {
        ("h-1", HEAD.nik, "active"), ("h-1", SPOUSE.nik, "active"), ("h-1", CHILD.nik, "active"),
        ("h-1", OTHER_HEAD.nik, "active"), ("h-2", OTHER_HEAD.nik, "left")}
    assert set((await active_counts(pool)).values()) == {1}


async def test_a_transfer_and_a_split_racing_for_the_same_child_leave_them_active_exactly_once(registry_pool):
    pool = await registry_pool(max_size=6)
    await registered(pool)
    transfer = ops.handle_transfer_member(
        commands.TransferMember("h-1", "h-2", CHILD.nik, Relationship.GRANDCHILD, "to grandma", ON),
        PostgresRegistryUnitOfWork(pool, Cause()))
    split = ops.handle_split_household(
        commands.SplitHousehold("h-1", [CHILD.nik, SPOUSE.nik], head_nik=SPOUSE.nik, kk_number=kk(3),
                                address="Jl. 3", reason="own KK", on=ON),
        PostgresRegistryUnitOfWork(pool, Cause()))
    outcomes = await asyncio.gather(transfer, split, return_exceptions=True)
    assert sum(not isinstance(o, BaseException) for o in outcomes) == 1, outcomes
    # the loser lost the race (a conflict) or, had it come second, found the child gone: refused either way
    assert all(isinstance(o, DomainError) for o in outcomes if isinstance(o, BaseException)), outcomes
    counts = await active_counts(pool)
    assert counts[CHILD.nik] == 1 and set(counts.values()) == {1}


async def test_a_mover_is_on_the_arrivals_list_until_attached_in_the_new_village(registry_pool):
    pool = await registry_pool()
    await registered(pool)

    async def move(cmd, uow) -> None:
        household = await uow.get_household("h-1")
        household.record_move_out(SPOUSE.nik, OTHER_VILLAGE, date(2026, 11, 1), "pindah-9")

    await run(move, None, PostgresRegistryUnitOfWork(pool, Cause()))
    [arrival] = await arrivals(pool, OTHER_VILLAGE)
    assert (arrival["nik"], arrival["from_household_id"]) == (SPOUSE.nik, "h-1")
    there = Cause(actor="op-there", role="village_operator", region=OTHER_VILLAGE)
    household_id = await ops.handle_attach_arrival(
        commands.AttachArrival(SPOUSE.nik, Relationship.HEAD, ON, kk_number="3571020101100002", address="Jl. Baru"),
        PostgresRegistryUnitOfWork(pool, there))
    assert await arrivals(pool, OTHER_VILLAGE) == []
    status = await pool.fetchval("SELECT status FROM persons WHERE nik = $1 AND household_id = $2", SPOUSE.nik,
                                 household_id)
    assert status == "active"


async def test_the_as_of_views_show_a_split_on_both_clocks(registry_pool):
    pool = await registry_pool()
    await registered(pool)
    before = datetime.now(UTC)
    split_on = before.date() + timedelta(days=1)  # recorded today, takes effect tomorrow
    new_id = await ops.handle_split_household(
        commands.SplitHousehold("h-1", [CHILD.nik], head_nik=CHILD.nik, kk_number=kk(3), address="Jl. 3",
                                reason="own KK", on=split_on), PostgresRegistryUnitOfWork(pool, Cause()))

    def status(household, person) -> Status:
        return household.members[person.nik].status

    known_then = await household_as_of(pool, "h-1", at=before, clock="recorded")
    known_now = await household_as_of(pool, "h-1", at=datetime.now(UTC), clock="recorded")
    true_before = await household_as_of(pool, "h-1", at=datetime.combine(before.date(), time(23, 59), UTC),
                                        clock="effective")
    true_after = await household_as_of(pool, "h-1", at=datetime.combine(split_on, time(), UTC), clock="effective")
    # what the registry knew: before the split was recorded, active; now, gone
    assert (status(known_then, CHILD), status(known_now, CHILD)) == (Status.ACTIVE, Status.LEFT)
    # what is true in the world, as known now: still here today, gone from tomorrow
    assert (status(true_before, CHILD), status(true_after, CHILD)) == (Status.ACTIVE, Status.LEFT)
    new_then = await household_as_of(pool, new_id, at=datetime.now(UTC), clock="recorded")
    assert new_then.formed_from == "h-1" and status(new_then, CHILD) is Status.ACTIVE


async def test_the_as_of_views_show_a_transfer_and_a_merge_on_both_clocks(registry_pool):
    pool = await registry_pool()
    await registered(pool)
    before = datetime.now(UTC)
    tomorrow = before.date() + timedelta(days=1)
    today_end, tomorrow_start = datetime.combine(before.date(), time(23, 59), UTC), datetime.combine(tomorrow, time(), UTC)
    await ops.handle_transfer_member(
        commands.TransferMember("h-1", "h-2", CHILD.nik, Relationship.GRANDCHILD, "to grandpa", tomorrow),
        PostgresRegistryUnitOfWork(pool, Cause()))
    await ops.handle_merge_households(commands.MergeHouseholds("h-2", "h-1", "remarried", tomorrow),
                                      PostgresRegistryUnitOfWork(pool, Cause()))

    async def view(household_id: str, at: datetime, clock: str):
        return await household_as_of(pool, household_id, at=at, clock=clock)

    # recorded clock: before either was recorded the child is in h-1 and h-2 stands; now h-2 is merged into h-1
    assert (await view("h-1", before, "recorded")).members[CHILD.nik].status is Status.ACTIVE
    assert (await view("h-2", before, "recorded")).merged_into is None
    now = await view("h-2", datetime.now(UTC), "recorded")
    assert now.merged_into == "h-1" and now.members[CHILD.nik].status is Status.LEFT
    # effective clock, as known now: today nothing has happened yet; from tomorrow both have
    assert CHILD.nik not in (await view("h-2", today_end, "effective")).members
    assert (await view("h-2", tomorrow_start, "effective")).merged_into == "h-1"
    assert (await view("h-1", tomorrow_start, "effective")).members[CHILD.nik].status is Status.ACTIVE
