"""Approved proposals: the registry runs the change through its own decisions, answers once, and keeps
nothing of a change its rules refuse."""

from __future__ import annotations

from datetime import date

from siks_events.catalog import proposals as p
from siks_events.catalog.registry import Housing, Person, Program
from siks_events.model import Cause
from siks_events.testing import InMemoryEventStore
from siks_registry.application.handlers import new_household
from siks_registry.application.proposals import handle_proposal_approved, household_id_for
from siks_registry.domain import commands
from siks_registry.domain.household import Household, Status

from ..builders import ANI, BUDI, KK, SITI, VILLAGE
from ..memory import InMemoryRegistryUnitOfWork

PEOPLE = [Person(**x) for x in (BUDI, SITI, ANI)]
TODAY = date(2026, 11, 20)
OFFICE = Cause(actor="dinsos-kediri", role="district_office", region="3571")


def approved(change, proposal_id: str = "p-1") -> p.ProposalApproved:
    return p.ProposalApproved(proposal_id=proposal_id, region_code=VILLAGE, period="2026-11", change=change)


def answers(store: InMemoryEventStore) -> list:
    return [r.event() for r in store.events if r.stream_id.startswith("proposal-")]


async def with_household(store: InMemoryEventStore, *programs) -> Household:
    household = new_household(commands.RegisterHousehold(
        kk_number=KK, region_code=VILLAGE, address="Jl. 1", members=PEOPLE,
        programs={nik: [(program, date(2025, 1, 1))] for nik, program in programs}), "h-1")
    uow = InMemoryRegistryUnitOfWork(store)
    async with uow:
        uow.add(household)
        await uow.commit()
    return household


async def test_an_approved_new_household_is_registered_with_the_proposed_data_and_answered_applied():
    store = InMemoryEventStore()
    change = p.AddHousehold(kk_number=KK, address="Jl. Mayor Bismo 12", members=tuple(PEOPLE),
                            housing=Housing(roof_material="zinc"))
    await handle_proposal_approved(approved(change), InMemoryRegistryUnitOfWork(store, OFFICE), TODAY)
    household_id = household_id_for("p-1")
    household = Household.rehydrate(household_id, (r.event() for r in store.events if r.stream_id == household_id))
    assert household.housing.roof_material == "zinc" and set(household.members) == {x.nik for x in PEOPLE}
    [answer] = answers(store)
    assert answer.type == "siks.registry.proposal-applied.v1" and answer.household_id == household_id


async def test_a_redelivered_approval_changes_nothing():
    store = InMemoryEventStore()
    change = p.AddHousehold(kk_number=KK, address="Jl. 1", members=tuple(PEOPLE))
    await handle_proposal_approved(approved(change), InMemoryRegistryUnitOfWork(store, OFFICE), TODAY)
    recorded = len(store.events)
    await handle_proposal_approved(approved(change), InMemoryRegistryUnitOfWork(store, OFFICE), TODAY)
    assert len(store.events) == recorded


async def test_a_change_the_rules_refuse_is_answered_refused_and_none_of_it_is_kept():
    store = InMemoryEventStore()
    await with_household(store)
    before = len(store.events)
    # the first member is added, the second is already active here: the whole change is refused
    newcomer = PEOPLE[2].model_copy(update={"nik": "3571016109120003", "full_name": "Rina"})
    change = p.UpdateHousehold(household_id="h-1", members_added=(newcomer, PEOPLE[1]))
    await handle_proposal_approved(approved(change), InMemoryRegistryUnitOfWork(store, OFFICE), TODAY)
    [answer] = answers(store)
    assert answer.type == "siks.registry.proposal-refused.v1"
    assert (answer.reason_code, answer.household_id) == ("duplicate-member", "h-1")
    assert len(store.events) == before + 1  # only the answer


async def test_an_approval_from_an_office_of_another_regency_is_refused():
    store = InMemoryEventStore()
    await with_household(store)
    elsewhere = Cause(actor="dinsos-malang", role="district_office", region="3573")
    change = p.Enrol(household_id="h-1", nik=PEOPLE[1].nik, program=Program.PKH, start_date=TODAY)
    await handle_proposal_approved(approved(change), InMemoryRegistryUnitOfWork(store, elsewhere), TODAY)
    [answer] = answers(store)
    assert (answer.type, answer.reason_code) == ("siks.registry.proposal-refused.v1", "outside-region")


async def test_an_approved_update_adds_removes_changes_the_head_and_the_house_in_one_step():
    store = InMemoryEventStore()
    await with_household(store)
    newcomer = PEOPLE[2].model_copy(update={"nik": "3571016109120003", "full_name": "Rina"})
    change = p.UpdateHousehold(
        household_id="h-1", members_added=(newcomer,),
        members_removed=(p.RemovedMember(nik=PEOPLE[0].nik, reason="divorced, left the household"),),
        new_head_nik=PEOPLE[1].nik, housing=Housing(floor_material="earth"))
    await handle_proposal_approved(approved(change), InMemoryRegistryUnitOfWork(store, OFFICE), TODAY)
    household = Household.rehydrate("h-1", (r.event() for r in store.events if r.stream_id == "h-1"))
    assert set(household.members) == {PEOPLE[1].nik, PEOPLE[2].nik, newcomer.nik}
    assert household.head_nik == PEOPLE[1].nik and household.housing.floor_material == "earth"
    assert answers(store)[0].type == "siks.registry.proposal-applied.v1"


async def test_an_approved_graduation_ends_memberships_and_leaves_no_active_member():
    store = InMemoryEventStore()
    await with_household(store, (PEOPLE[1].nik, Program.PKH))
    change = p.RemoveHousehold(household_id="h-1", reason="income above the line")
    await handle_proposal_approved(approved(change), InMemoryRegistryUnitOfWork(store, OFFICE), TODAY)
    household = Household.rehydrate("h-1", (r.event() for r in store.events if r.stream_id == "h-1"))
    assert household.graduated_on == TODAY and household.active_members() == []
    assert {m.status for m in household.members.values()} == {Status.GRADUATED}
    assert not household.members[PEOPLE[1].nik].memberships[0].active


async def test_approved_enrolment_and_end_of_membership_change_the_member_they_name():
    store = InMemoryEventStore()
    await with_household(store, (PEOPLE[0].nik, Program.SEMBAKO))
    enrol = p.Enrol(household_id="h-1", nik=PEOPLE[2].nik, program=Program.PIP, start_date=TODAY)
    end = p.EndMembership(household_id="h-1", nik=PEOPLE[0].nik, program=Program.SEMBAKO, end_date=TODAY,
                          reason="moved to PKH")
    await handle_proposal_approved(approved(enrol, "p-1"), InMemoryRegistryUnitOfWork(store, OFFICE), TODAY)
    await handle_proposal_approved(approved(end, "p-2"), InMemoryRegistryUnitOfWork(store, OFFICE), TODAY)
    household = Household.rehydrate("h-1", (r.event() for r in store.events if r.stream_id == "h-1"))
    assert household.members[PEOPLE[2].nik].open_membership(Program.PIP) is not None
    assert household.members[PEOPLE[0].nik].open_membership(Program.SEMBAKO) is None
    assert [a.type for a in answers(store)] == ["siks.registry.proposal-applied.v1"] * 2
