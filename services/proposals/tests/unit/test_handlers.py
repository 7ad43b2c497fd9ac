"""Handlers against the in-memory unit of work: periods, batches, and news from verification and the registry."""

from __future__ import annotations

from datetime import date

import pytest
from siks_events.catalog.proposals import ProposalCancelled
from siks_events.catalog.registry import HouseholdMoved, MemberDeceased, ProposalApplied, ProposalRefused
from siks_events.catalog.verification import Findings, VisitAccepted, VisitAssigned
from siks_events.model import Cause
from siks_events.testing import InMemoryEventStore
from siks_proposals.adapters.memory import InMemoryProposalsUnitOfWork
from siks_proposals.application import handlers, queries
from siks_proposals.domain import commands
from siks_proposals.domain.errors import HouseholdNotInDtks, HouseholdOutsideVillage
from siks_proposals.domain.lifecycle import Status

from ..builders import (
    ANI,
    BUDI,
    HOUSEHOLD,
    OTHER_REGENCY_VILLAGE,
    OTHER_VILLAGE,
    REGENCY,
    SITI,
    VILLAGE,
    add_household,
    dtks_household,
    enrol,
    remove_household,
)

NOV_3 = date(2026, 11, 3)
OPERATOR = Cause(actor="op-bandar-lor", role="village_operator", region=VILLAGE)


@pytest.fixture
def uow() -> InMemoryProposalsUnitOfWork:
    return InMemoryProposalsUnitOfWork(InMemoryEventStore(), OPERATOR,
                                       households={HOUSEHOLD: dtks_household(programs={SITI.nik: {"PKH"}})})


async def submitted(uow, proposal_id: str, change, region: str = VILLAGE, today: date = NOV_3):
    await handlers.handle_draft_proposal(commands.DraftProposal(proposal_id, region, change), uow)
    return await handlers.handle_submit_proposal(commands.SubmitProposal(proposal_id, today), uow)


async def test_a_submission_goes_into_the_month_it_is_made_in(uow):
    assert (await submitted(uow, "p-1", add_household())).period == "2026-11"


async def test_a_submission_into_a_closed_period_goes_to_the_first_open_month_after_it(uow):
    for period in ("2026-11", "2026-12"):
        await handlers.handle_close_period(commands.ClosePeriod(REGENCY, period, date(2026, 12, 5)), uow)
    assert (await submitted(uow, "p-1", add_household())).period == "2027-01"
    # another regency's closed months are not this regency's
    assert (await submitted(uow, "p-2", add_household(), region=OTHER_REGENCY_VILLAGE)).period == "2026-11"


async def test_a_proposal_for_a_household_not_in_dtks_or_in_another_village_is_refused_and_nothing_is_stored(uow):
    with pytest.raises(HouseholdNotInDtks):
        await handlers.handle_draft_proposal(commands.DraftProposal("p-1", VILLAGE, enrol(household_id="hh-x")), uow)
    with pytest.raises(HouseholdOutsideVillage):
        await handlers.handle_draft_proposal(commands.DraftProposal("p-1", OTHER_VILLAGE, enrol()), uow)
    assert uow.events.events == []


async def test_a_batch_approves_exactly_the_proposals_ready_in_that_regency_and_period(uow):
    await submitted(uow, "enrol-ready", enrol())
    await submitted(uow, "visit-pending", add_household())
    await submitted(uow, "other-regency", add_household(), region=OTHER_REGENCY_VILLAGE)
    await submitted(uow, "next-month", enrol(program="PBI_JK"), today=date(2026, 12, 1))
    await handlers.handle_visit_accepted(VisitAccepted(
        visit_id="v-1", entry_id="e-1", proposal_id="other-regency", region_code=OTHER_REGENCY_VILLAGE,
        supervisor="sup-1", findings=Findings(household_found=True)), uow)
    approved = await handlers.handle_approve_period_batch(commands.ApprovePeriodBatch(REGENCY, "2026-11"), uow)
    assert approved == ["enrol-ready"]
    assert (await uow.get_proposal("enrol-ready")).status is Status.APPROVED
    assert (await uow.get_proposal("visit-pending")).status is Status.SUBMITTED


async def test_an_assigned_then_accepted_visit_verifies_the_proposal_with_the_findings(uow):
    await submitted(uow, "p-1", add_household())
    await handlers.handle_visit_assigned(VisitAssigned(entry_id="e-1", proposal_id="p-1", enumerator="enum-1",
                                                       supervisor="sup-1"), uow)
    assert (await uow.get_proposal("p-1")).status is Status.IN_VERIFICATION
    await handlers.handle_visit_accepted(VisitAccepted(
        visit_id="v-1", entry_id="e-1", proposal_id="p-1", region_code=VILLAGE, supervisor="sup-1",
        findings=Findings(household_found=True, members=(BUDI, SITI))), uow)
    proposal = await uow.get_proposal("p-1")
    assert (proposal.status, proposal.change.members) == (Status.VERIFIED, (BUDI, SITI))


async def test_a_visit_for_a_proposal_this_service_never_had_changes_nothing(uow):
    await handlers.handle_visit_assigned(VisitAssigned(entry_id="e-1", proposal_id="nobodys", enumerator="enum-1",
                                                       supervisor="sup-1"), uow)
    assert uow.events.events == [] and uow.commits == 1


async def test_a_death_cancels_every_open_proposal_naming_the_person_and_only_those(uow):
    await submitted(uow, "enrol-ani", enrol(ANI))
    await submitted(uow, "add-with-ani", add_household(BUDI, ANI))
    await submitted(uow, "enrol-siti", enrol(SITI, program="SEMBAKO"))
    await submitted(uow, "decided", enrol(ANI, program="PBI_JK"))
    await handlers.handle_decide_proposal(
        commands.DecideProposal("decided", commands.Decision.APPROVE), uow)
    death = MemberDeceased(household_id=HOUSEHOLD, nik=ANI.nik, died_on=date(2026, 11, 10))
    await handlers.handle_registry_fact(death, 2, uow)
    statuses = {p: (await uow.get_proposal(p)).status for p in ("enrol-ani", "add-with-ani", "enrol-siti", "decided")}
    assert statuses == {"enrol-ani": Status.CANCELLED, "add-with-ani": Status.CANCELLED,
                        "enrol-siti": Status.SUBMITTED, "decided": Status.APPROVED}
    cancelled = (await uow.events.read_stream("enrol-ani"))[-1]
    assert cancelled.event() == ProposalCancelled(
        proposal_id="enrol-ani", reason_code="deceased",
        reason="siks.registry.member-deceased.v1: the person died on 2026-11-10")
    assert cancelled.metadata["role"] == "village_operator"  # the cause the consumer hands over is recorded
    assert uow.dtks[HOUSEHOLD].member(ANI.nik).active is False


async def test_a_household_move_cancels_the_open_proposals_about_the_household(uow):
    await submitted(uow, "removal", remove_household())
    await submitted(uow, "new", add_household())
    move = HouseholdMoved(household_id=HOUSEHOLD, from_region=VILLAGE, to_region=OTHER_VILLAGE,
                          moved_on=date(2026, 11, 12))
    await handlers.handle_registry_fact(move, 2, uow)
    removal = await uow.get_proposal("removal")
    assert (removal.status, removal.outcome_reason) == (
        Status.CANCELLED, f"siks.registry.household-moved.v1: the household moved to {OTHER_VILLAGE} on 2026-11-12")
    assert (await uow.get_proposal("new")).status is Status.SUBMITTED
    assert uow.dtks[HOUSEHOLD].region_code == OTHER_VILLAGE


async def test_the_registrys_answer_closes_the_approved_proposal_once(uow):
    await submitted(uow, "applied", enrol())
    await submitted(uow, "refused", enrol(SITI, program="SEMBAKO"))
    await handlers.handle_approve_period_batch(commands.ApprovePeriodBatch(REGENCY, "2026-11"), uow)
    applied = ProposalApplied(proposal_id="applied", household_id=HOUSEHOLD)
    await handlers.handle_registry_answer(applied, uow)
    await handlers.handle_registry_answer(applied, uow)
    await handlers.handle_registry_answer(ProposalRefused(proposal_id="refused", reason_code="already-enrolled",
                                                          reason="SEMBAKO already open"), uow)
    assert len(await uow.events.read_stream("applied")) == 4  # drafted, submitted, approved, closed
    refused = await uow.get_proposal("refused")
    assert (refused.status, refused.outcome_reason) == (Status.REFUSED, "SEMBAKO already open")


async def test_the_impact_preview_counts_what_the_ready_proposals_would_do(uow):
    await submitted(uow, "graduation", remove_household())
    await submitted(uow, "enrol", enrol())
    await handlers.handle_visit_accepted(VisitAccepted(
        visit_id="v-1", entry_id="e-1", proposal_id="graduation", region_code=VILLAGE, supervisor="sup-1",
        findings=Findings(household_found=True)), uow)
    [village] = await queries.impact_preview(REGENCY, "2026-11", uow)
    assert (village.region_code, village.households_removed, village.persons_removed, village.memberships_lost,
            village.memberships_gained) == (VILLAGE, 1, 3, 1, 1)
