"""Split, merge, transfer and arrival after a move: everyone stays somewhere, no NIK is active twice,
personal memberships continue without a gap and household ones only by decision (issue 21)."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from siks_events.catalog.registry import Person, Program, Relationship
from siks_events.model import Cause
from siks_events.testing import InMemoryEventStore
from siks_registry.application import household_operations as ops
from siks_registry.application.handlers import new_household
from siks_registry.domain import commands
from siks_registry.domain.errors import HouseholdClosed, NotAnArrival, OutsideRegion, SameHousehold
from siks_registry.domain.household import Household, Status

from ..builders import ANI, BUDI, KK, OTHER_VILLAGE, SITI, VILLAGE, nik
from ..memory import InMemoryRegistryUnitOfWork

BUDI_, SITI_, ANI_ = (Person(**p) for p in (BUDI, SITI, ANI))
RINA = Person(nik=nik(date(1990, 4, 12), "female", 7, district="357102"), full_name="Rina Wati", sex="female",
              birth_date=date(1990, 4, 12), relationship=Relationship.HEAD)
OTHER_KK = "3571020101100002"
ON = date(2026, 11, 20)
START = date(2025, 1, 1)
KEDIRI = Cause(actor="dinsos-kediri", role="district_office", region="3571")


def unit(store: InMemoryEventStore, cause: Cause = KEDIRI) -> InMemoryRegistryUnitOfWork:
    return InMemoryRegistryUnitOfWork(store, cause)


async def registered(store: InMemoryEventStore, household_id: str, members: list[Person], *, kk: str = KK,
                     region: str = VILLAGE, programs: dict | None = None) -> None:
    household = new_household(commands.RegisterHousehold(kk_number=kk, region_code=region, address="Jl. 1",
                                                         members=members, programs=programs or {}), household_id)
    uow = unit(store)
    async with uow:
        uow.add(household)
        await uow.commit()


def single_identity(uow: InMemoryRegistryUnitOfWork) -> None:
    twice = [n for n, count in Counter(uow.active_niks()).items() if count > 1]
    assert twice == [], f"NIKs active in two households: {twice}"


def membership(household: Household, person: Person, program: Program):
    return next(m for m in household.members[person.nik].memberships if m.program is program)


async def test_a_split_forms_a_new_household_with_its_own_kk_and_a_link_back():
    store = InMemoryEventStore()
    await registered(store, "h-1", [BUDI_, SITI_, ANI_],
                     programs={SITI_.nik: [(Program.PBI_JK, START), (Program.PKH, START)]})
    uow = unit(store)
    new_id = await ops.handle_split_household(commands.SplitHousehold(
        "h-1", [SITI_.nik, ANI_.nik], head_nik=SITI_.nik, kk_number=OTHER_KK, address="Jl. 2", reason="divorce",
        on=ON, region_code=OTHER_VILLAGE), uow)
    old, new = uow.household("h-1"), uow.household(new_id)
    assert (new.formed_from, new.kk_number, new.region_code, new.head_nik) == ("h-1", OTHER_KK, OTHER_VILLAGE,
                                                                              SITI_.nik)
    assert {n: (m.status, m.left_to) for n, m in old.members.items() if n != BUDI_.nik} == {
        SITI_.nik: (Status.LEFT, new_id), ANI_.nik: (Status.LEFT, new_id)}
    # PBI JK is the person's: it ends in the old household the day it starts in the new one (no gap)
    assert membership(old, SITI_, Program.PBI_JK).end_date == ON == membership(new, SITI_, Program.PBI_JK).start_date
    # PKH is the household's: not carried without a decision, ended all the same, and the record says which
    assert membership(old, SITI_, Program.PKH).end_date == ON
    assert "not carried" in membership(old, SITI_, Program.PKH).end_reason
    assert membership(old, SITI_, Program.PBI_JK).end_reason == f"continued in household {new_id}"
    assert [m.program for m in new.members[SITI_.nik].memberships] == [Program.PBI_JK]
    single_identity(uow)


async def test_a_split_that_decides_so_carries_the_household_programmes_too():
    store = InMemoryEventStore()
    await registered(store, "h-1", [BUDI_, SITI_, ANI_], programs={SITI_.nik: [(Program.PKH, START)]})
    uow = unit(store)
    new_id = await ops.handle_split_household(commands.SplitHousehold(
        "h-1", [SITI_.nik], head_nik=SITI_.nik, kk_number=OTHER_KK, address="Jl. 2", reason="own house", on=ON,
        household_programs=True), uow)
    assert membership(uow.household(new_id), SITI_, Program.PKH).start_date == ON


async def test_a_merge_ends_one_household_with_a_link_and_its_members_go_on_in_the_other():
    store = InMemoryEventStore()
    await registered(store, "h-1", [BUDI_, SITI_])
    await registered(store, "h-2", [RINA, ANI_.model_copy(update={"relationship": Relationship.CHILD})], kk=OTHER_KK)
    uow = unit(store)
    await ops.handle_merge_households(commands.MergeHouseholds("h-2", "h-1", reason="marriage", on=ON), uow)
    absorbed, continuing = uow.household("h-2"), uow.household("h-1")
    assert absorbed.merged_into == "h-1" and absorbed.active_members() == []
    assert {m.nik for m in continuing.active_members()} == {BUDI_.nik, SITI_.nik, RINA.nik, ANI_.nik}
    assert continuing.members[RINA.nik].person.relationship is Relationship.OTHER_FAMILY  # one head: Budi's
    single_identity(uow)
    with pytest.raises(HouseholdClosed):
        await ops.handle_transfer_member(commands.TransferMember("h-1", "h-2", SITI_.nik, Relationship.SPOUSE,
                                                                 "back", ON), unit(store))


async def test_a_transfer_moves_one_member_and_refuses_the_household_they_are_in():
    store = InMemoryEventStore()
    await registered(store, "h-1", [BUDI_, SITI_, ANI_], programs={ANI_.nik: [(Program.PIP, START)]})
    await registered(store, "h-2", [RINA], kk=OTHER_KK)
    uow = unit(store)
    await ops.handle_transfer_member(commands.TransferMember("h-1", "h-2", ANI_.nik, Relationship.GRANDCHILD,
                                                             "lives with her aunt", ON), uow)
    destination = uow.household("h-2")
    assert destination.members[ANI_.nik].person.relationship is Relationship.GRANDCHILD
    assert membership(destination, ANI_, Program.PIP).start_date == ON
    assert uow.household("h-1").members[ANI_.nik].status is Status.LEFT
    single_identity(uow)
    with pytest.raises(SameHousehold):
        await ops.handle_transfer_member(commands.TransferMember("h-2", "h-2", ANI_.nik, Relationship.CHILD,
                                                                 "x", ON), unit(store))


async def moved_out(store: InMemoryEventStore, person: Person, to_region: str = OTHER_VILLAGE) -> None:
    uow = unit(store)
    async with uow:
        household = await uow.get_household("h-1")
        household.record_move_out(person.nik, to_region, date(2026, 11, 1), "pindah-1")
        await uow.commit()


async def test_a_mover_is_in_transit_until_the_new_village_attaches_them_and_pbi_jk_has_no_gap():
    store = InMemoryEventStore()
    await registered(store, "h-1", [BUDI_, SITI_, ANI_], programs={SITI_.nik: [(Program.PBI_JK, START)]})
    await registered(store, "h-2", [RINA], kk=OTHER_KK, region=OTHER_VILLAGE)
    await moved_out(store, SITI_)
    assert unit(store).household("h-1").members[SITI_.nik].in_transit
    there = unit(store, Cause(actor="op-other", role="village_operator", region=OTHER_VILLAGE))
    household_id = await ops.handle_attach_arrival(commands.AttachArrival(
        SITI_.nik, Relationship.OTHER_FAMILY, ON, household_id="h-2"), there)
    assert household_id == "h-2"
    old, new = there.household("h-1"), there.household("h-2")
    assert not old.members[SITI_.nik].in_transit and old.members[SITI_.nik].left_to == "h-2"
    assert membership(old, SITI_, Program.PBI_JK).end_date == ON == membership(new, SITI_, Program.PBI_JK).start_date
    assert new.members[SITI_.nik].active
    single_identity(there)


async def test_only_the_destination_village_attaches_an_arrival_and_only_to_a_household_there():
    store = InMemoryEventStore()
    await registered(store, "h-1", [BUDI_, SITI_, ANI_])
    await registered(store, "h-3", [RINA], kk=OTHER_KK)  # in the origin village, not where she moved
    await moved_out(store, SITI_)
    origin_operator = Cause(actor="op-origin", role="village_operator", region=VILLAGE)
    with pytest.raises(OutsideRegion):
        await ops.handle_attach_arrival(commands.AttachArrival(
            SITI_.nik, Relationship.HEAD, ON, kk_number=OTHER_KK, address="Jl. 3"), unit(store, origin_operator))
    with pytest.raises(NotAnArrival):
        await ops.handle_attach_arrival(commands.AttachArrival(SITI_.nik, Relationship.SPOUSE, ON, household_id="h-3"),
                                        unit(store))
    with pytest.raises(NotAnArrival):  # Ani never moved
        await ops.handle_attach_arrival(commands.AttachArrival(
            ANI_.nik, Relationship.HEAD, ON, kk_number=OTHER_KK, address="Jl. 3"), unit(store))


async def test_an_arrival_may_found_a_new_household_in_the_new_village():
    store = InMemoryEventStore()
    await registered(store, "h-1", [BUDI_, SITI_, ANI_])
    await moved_out(store, BUDI_)
    uow = unit(store)
    household_id = await ops.handle_attach_arrival(commands.AttachArrival(
        BUDI_.nik, Relationship.HEAD, ON, kk_number=OTHER_KK, address="Jl. Baru 1"), uow)
    new = uow.household(household_id)
    assert (new.region_code, new.formed_from, new.head_nik) == (OTHER_VILLAGE, "h-1", BUDI_.nik)
    single_identity(uow)
