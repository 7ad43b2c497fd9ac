"""The copy of DTKS under redelivery and out-of-order delivery across households (point 7 of issue 14)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from siks_events.catalog.registry import (
    HouseholdGraduated,
    HouseholdMoved,
    HouseholdRegistered,
    JoinReason,
    MemberAdded,
    MemberDeceased,
    MemberMovedOut,
    MemberRemoved,
    MembersJoined,
    MembersLeft,
    Person,
    Relationship,
    Sex,
)
from siks_events.envelope import Envelope
from siks_integration.adapters.consumers import apply_siks_event
from siks_integration.adapters.postgres import mirror
from siks_integration.adapters.postgres.uow import PostgresIntegrationUnitOfWork
from siks_integration.domain.dtks import MembershipStatus

OLD_VILLAGE, NEW_VILLAGE, THIRD_VILLAGE = "3571011001", "3571021001", "3571031001"
ANI = Person(nik="3571016109120003", full_name="Ani Lestari", sex=Sex.FEMALE, birth_date=date(2012, 9, 21),
             relationship=Relationship.CHILD)
BUDI = Person(nik="3571011705800001", full_name="Budi Santoso", sex=Sex.MALE, birth_date=date(1980, 5, 17),
              relationship=Relationship.HEAD)
T0 = datetime(2026, 5, 1, tzinfo=UTC)


def envelope(event, household: str, version: int, minutes: int) -> Envelope:
    """The event as the registry's relay publishes it: stream id and version in the extensions."""
    return Envelope(id=f"{household}-{version}", source="/siks-ng/registry", type=event.type, subject=household,
                    time=T0 + timedelta(minutes=minutes), data=event.model_dump(mode="json"), key=household,
                    extensions={"streamid": household, "streamversion": str(version)})


def registered(household: str, kk: str, region: str, *members: Person) -> HouseholdRegistered:
    return HouseholdRegistered(household_id=household, kk_number=kk, region_code=region, address="Jl. Mawar 1",
                               members=members)


OLD = [
    (registered("hh-old", "3571010101090001", OLD_VILLAGE, BUDI, ANI), 1, 0),
    (MemberMovedOut(household_id="hh-old", nik=ANI.nik, from_region=OLD_VILLAGE, to_region=NEW_VILLAGE,
                    moved_on=date(2026, 6, 1)), 2, 60),
]
NEW = [
    (registered("hh-new", "3571020202100002", NEW_VILLAGE, BUDI.model_copy(update={"nik": "3571021705800004"})),
     1, 10),
    (MemberAdded(household_id="hh-new", nik=ANI.nik, person=ANI), 2, 30),
]


async def deliver(pool, events: list[tuple[object, int, int]], household: str) -> None:
    for event, version, minutes in events:
        async with PostgresIntegrationUnitOfWork(pool) as uow:
            await mirror.apply(uow.connection, event, envelope(event, household, version, minutes))
            await uow.commit()


async def current(pool, nik: str):
    async with pool.acquire() as connection:
        return await mirror.current(connection, nik)


async def test_a_late_move_out_from_the_old_household_leaves_the_person_active_in_the_new_one(pool):
    # The new household's events arrive first; the old household's move-out (recorded before the
    # person joined the new one... or after: it does not matter) arrives last.
    await deliver(pool, NEW, "hh-new")
    await deliver(pool, OLD, "hh-old")
    person = await current(pool, ANI.nik)
    assert (person.household_id, person.status, person.region_code) == ("hh-new", MembershipStatus.ACTIVE,
                                                                          NEW_VILLAGE)


async def test_either_arrival_order_gives_the_same_person(pool):
    await deliver(pool, OLD, "hh-old")
    await deliver(pool, NEW, "hh-new")
    person = await current(pool, ANI.nik)
    assert (person.household_id, person.status) == ("hh-new", MembershipStatus.ACTIVE)


async def test_a_redelivered_registration_does_not_undo_a_later_move_out_or_removal(pool):
    await deliver(pool, OLD, "hh-old")
    await deliver(pool, [(MemberRemoved(household_id="hh-old", nik=BUDI.nik, reason="left"), 3, 90)], "hh-old")
    await deliver(pool, OLD[:1], "hh-old")  # a rewind replays version 1
    ani, budi = await current(pool, ANI.nik), await current(pool, BUDI.nik)
    assert (ani.status, ani.region_code) == (MembershipStatus.MOVED_OUT, NEW_VILLAGE)
    assert budi.status == MembershipStatus.REMOVED


async def test_a_late_removal_in_the_old_household_does_not_touch_the_new_membership(pool):
    await deliver(pool, NEW, "hh-new")
    await deliver(pool, OLD[:1] + [(MemberRemoved(household_id="hh-old", nik=ANI.nik, reason="left"), 2, 40)],
                  "hh-old")
    person = await current(pool, ANI.nik)
    assert (person.household_id, person.status) == ("hh-new", MembershipStatus.ACTIVE)


async def test_a_death_reported_by_the_old_household_makes_the_person_deceased_whatever_the_order(pool):
    died = (MemberDeceased(household_id="hh-old", nik=ANI.nik, died_on=date(2026, 7, 2)), 2, 120)
    await deliver(pool, NEW, "hh-new")
    await deliver(pool, [OLD[0], died], "hh-old")
    person = await current(pool, ANI.nik)
    assert (person.status, person.status_since) == (MembershipStatus.DECEASED, date(2026, 7, 2))
    async with PostgresIntegrationUnitOfWork(pool) as uow:
        known = await uow.known_person(ANI.nik)
        await uow.commit()
    assert known.status is MembershipStatus.DECEASED


async def test_a_household_move_moves_its_active_members_not_those_who_moved_out_earlier(pool):
    await deliver(pool, OLD, "hh-old")
    await deliver(pool, [(HouseholdMoved(household_id="hh-old", from_region=OLD_VILLAGE, to_region=THIRD_VILLAGE,
                                         moved_on=date(2026, 8, 1)), 3, 200)], "hh-old")
    await deliver(pool, OLD[:1], "hh-old")  # replayed registration does not move it back
    budi, ani = await current(pool, BUDI.nik), await current(pool, ANI.nik)
    assert budi.region_code == THIRD_VILLAGE and ani.region_code == NEW_VILLAGE


async def test_a_graduated_household_leaves_its_active_members_graduated_and_a_replay_does_not_revive_them(pool):
    await deliver(pool, OLD, "hh-old")
    graduated = HouseholdGraduated(household_id="hh-old", graduated_on=date(2026, 9, 1), reason="no longer poor")
    await deliver(pool, [(graduated, 3, 150)], "hh-old")
    await deliver(pool, OLD[:1], "hh-old")
    budi, ani = await current(pool, BUDI.nik), await current(pool, ANI.nik)
    assert (budi.status, budi.status_since) == (MembershipStatus.GRADUATED, date(2026, 9, 1))
    assert ani.status == MembershipStatus.MOVED_OUT  # had left before the household graduated


async def test_a_member_who_left_for_another_household_is_active_there_whatever_the_arrival_order(pool):
    joined = (MembersJoined(household_id="hh-new", persons=(ANI,), from_household_id="hh-old",
                            join_reason=JoinReason.TRANSFER, joined_on=date(2026, 9, 1)), 2, 150)
    left = (MembersLeft(household_id="hh-old", niks=(ANI.nik,), to_household_id="hh-new", reason="transfer",
                        left_on=date(2026, 9, 1)), 2, 150)
    await deliver(pool, [joined], "hh-new")  # the new household's news first
    await deliver(pool, NEW[:1], "hh-new")
    await deliver(pool, [OLD[0], left], "hh-old")
    person = await current(pool, ANI.nik)
    assert (person.household_id, person.status) == ("hh-new", MembershipStatus.ACTIVE)
    async with pool.acquire() as connection:
        old = await connection.fetchval("SELECT status FROM dtks_memberships WHERE nik = $1 AND household_id = 'hh-old'",
                                        ANI.nik)
    assert old == MembershipStatus.REMOVED.value


async def test_people_under_a_kk_are_those_whose_current_household_has_it(pool):
    await deliver(pool, OLD, "hh-old")
    await deliver(pool, NEW, "hh-new")
    async with PostgresIntegrationUnitOfWork(pool) as uow:
        old_kk = await uow.people_with_kk("3571010101090001")
        new_kk = await uow.people_with_kk("3571020202100002")
        await uow.commit()
    assert [p.nik for p in old_kk] == [BUDI.nik]
    assert sorted(p.nik for p in new_kk) == sorted([ANI.nik, "3571021705800004"])


async def test_the_consumer_handler_mirrors_through_the_unit_of_work_it_is_given(pool):
    for event, version, minutes in NEW:
        uow = PostgresIntegrationUnitOfWork(pool)
        await apply_siks_event(event, envelope(event, "hh-new", version, minutes), uow)
        assert uow.committed
    person = await current(pool, ANI.nik)
    assert person.household_id == "hh-new"
