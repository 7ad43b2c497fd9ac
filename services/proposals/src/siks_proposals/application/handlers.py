"""Command and event handlers: load, decide, commit. Village operators', offices' and other services' news."""

from __future__ import annotations

from datetime import date

from siks_events.catalog.proposals import AddHousehold, Change
from siks_events.catalog.registry import HouseholdMoved, MemberDeceased, MemberMovedOut, ProposalApplied, ProposalRefused
from siks_events.catalog.verification import VisitAccepted, VisitAssigned
from siks_events.model import Event

from siks_proposals.application.uow import ProposalsUnitOfWork
from siks_proposals.domain import commands
from siks_proposals.domain.dtks import folded
from siks_proposals.domain.errors import HouseholdNotInDtks, HouseholdOutsideVillage
from siks_proposals.domain.period import Period, next_period, period_of, regency_of
from siks_proposals.domain.proposal import Proposal


async def _ensure_household_in_village(uow: ProposalsUnitOfWork, region_code: str, change: Change) -> None:
    """A change to an existing household names one in DTKS, in the proposal's village."""
    if isinstance(change, AddHousehold):
        return
    household = await uow.household(change.household_id)
    if household is None or not household.active:
        raise HouseholdNotInDtks(f"household {change.household_id} is not in DTKS")
    if household.region_code != region_code:
        raise HouseholdOutsideVillage(f"household {household.household_id} is in village {household.region_code}, "
                                      f"not {region_code}")


async def handle_draft_proposal(cmd: commands.DraftProposal, uow: ProposalsUnitOfWork) -> Proposal:
    """Draft a proposal for a household of the village (or a new one)."""
    async with uow:
        await _ensure_household_in_village(uow, cmd.region_code, cmd.change)
        proposal = Proposal.draft(cmd.proposal_id, region_code=cmd.region_code, change=cmd.change)
        uow.add(proposal)
        await uow.commit()
    return proposal


async def handle_correct_proposal(cmd: commands.CorrectProposal, uow: ProposalsUnitOfWork) -> Proposal:
    async with uow:
        proposal = await uow.get_proposal(cmd.proposal_id)
        proposal.correct(cmd.change)  # a step out of order is refused before the household is looked at
        await _ensure_household_in_village(uow, proposal.region_code, cmd.change)
        await uow.commit()
    return proposal


async def open_period(uow: ProposalsUnitOfWork, regency_code: str, today: date) -> str:
    """The period a submission on `today` belongs to: this month, or the first later one still open."""
    period = period_of(today)
    while (await uow.period(regency_code, period)).closed:
        period = next_period(period)
    return period


async def handle_submit_proposal(cmd: commands.SubmitProposal, uow: ProposalsUnitOfWork) -> Proposal:
    """Submit (**proposed**) into the regency's open period."""
    async with uow:
        proposal = await uow.get_proposal(cmd.proposal_id)
        change = proposal.change
        household = None if isinstance(change, AddHousehold) or change is None else await uow.household(
            change.household_id)
        proposal.submit(await open_period(uow, regency_of(proposal.region_code), cmd.today), household)
        await uow.commit()
    return proposal


async def handle_decide_proposal(cmd: commands.DecideProposal, uow: ProposalsUnitOfWork) -> Proposal:
    """The office approves (**approved**), rejects, or returns the proposal to the village."""
    async with uow:
        proposal = await uow.get_proposal(cmd.proposal_id)
        match cmd.decision:
            case commands.Decision.APPROVE:
                proposal.approve()
            case commands.Decision.REJECT:
                proposal.reject(cmd.reason)
            case commands.Decision.RETURN:
                proposal.return_to_village(cmd.reason)
        await uow.commit()
    return proposal


async def handle_withdraw_proposal(cmd: commands.WithdrawProposal, uow: ProposalsUnitOfWork) -> Proposal:
    async with uow:
        proposal = await uow.get_proposal(cmd.proposal_id)
        proposal.withdraw(cmd.reason)
        await uow.commit()
    return proposal


async def handle_close_period(cmd: commands.ClosePeriod, uow: ProposalsUnitOfWork) -> Period:
    """Close a regency's period: later submissions go to the next one."""
    async with uow:
        period = await uow.period(cmd.regency_code, cmd.period)
        period.close(cmd.regency_code, cmd.period, cmd.today)
        await uow.commit()
    return period


async def handle_approve_period_batch(cmd: commands.ApprovePeriodBatch, uow: ProposalsUnitOfWork) -> list[str]:
    """Approve every proposal of the regency's period that is ready for a decision, all or none; their ids."""
    async with uow:
        ready = await uow.proposals_ready(cmd.regency_code, cmd.period)
        for proposal_id in ready:
            (await uow.get_proposal(proposal_id)).approve()
        await uow.commit()
    return ready


# --- news from the verification service ------------------------------------------


async def handle_visit_assigned(event: VisitAssigned, uow: ProposalsUnitOfWork) -> None:
    """The household's prelist entry went to an enumerator: the proposal is in verification."""
    async with uow:
        proposal = await uow.load(Proposal, event.proposal_id)
        if proposal is not None:  # the verification service may also visit records no proposal asked for
            proposal.record_verification_started(event.entry_id, event.enumerator)
        await uow.commit()


async def handle_visit_accepted(event: VisitAccepted, uow: ProposalsUnitOfWork) -> None:
    """A supervisor accepted the visit (**verified**): the proposal is verified with the findings, or failed."""
    async with uow:
        proposal = await uow.load(Proposal, event.proposal_id)
        if proposal is not None:
            proposal.record_visit_accepted(event.visit_id, event.entry_id, event.findings)
        await uow.commit()


# --- news from the registry --------------------------------------------------------


async def handle_registry_answer(event: ProposalApplied | ProposalRefused, uow: ProposalsUnitOfWork) -> None:
    """The registry applied or refused an approved proposal: it is closed with that outcome."""
    async with uow:
        proposal = await uow.load(Proposal, event.proposal_id)
        if proposal is not None:
            if isinstance(event, ProposalApplied):
                proposal.record_registry_answer("applied", household_id=event.household_id)
            else:
                proposal.record_registry_answer("refused", household_id=event.household_id,
                                                reason_code=event.reason_code, reason=event.reason)
        await uow.commit()


def _cancellation(event: Event) -> tuple[str, str] | None:
    """(reason code, reason naming the event) when the event ends the proposals about its person or household."""
    match event:
        case MemberDeceased(died_on=died_on):
            return "deceased", f"{event.type}: the person died on {died_on.isoformat()}"
        case MemberMovedOut(to_region=to_region, moved_on=moved_on):
            return "moved", f"{event.type}: the person moved to {to_region} on {moved_on.isoformat()}"
        case HouseholdMoved(to_region=to_region, moved_on=moved_on):
            return "moved", f"{event.type}: the household moved to {to_region} on {moved_on.isoformat()}"
    return None


async def handle_registry_fact(event: Event, stream_version: int, uow: ProposalsUnitOfWork) -> None:
    """Keep the copy of DTKS current; a death or move cancels the open proposals about that person or household."""
    async with uow:
        household_id: str = event.household_id  # type: ignore[attr-defined] - every copied event has one
        household = folded(await uow.household(household_id), event, stream_version)
        if household is not None:
            uow.save_household(household)
        cancellation = _cancellation(event)
        if cancellation is not None:
            if isinstance(event, HouseholdMoved):
                about = await uow.open_proposals_about(household_id=household_id)
            else:
                about = await uow.open_proposals_about(nik=event.nik)  # type: ignore[attr-defined]
            for proposal_id in about:
                (await uow.get_proposal(proposal_id)).cancel(*cancellation)
        await uow.commit()
