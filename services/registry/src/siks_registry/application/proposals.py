"""Approved proposals (usulan disetujui): the registry runs the change through the same decisions as
its API, and answers applied, or refused with the rule that refused it."""

from __future__ import annotations

import uuid
from datetime import date

from siks_events.catalog import proposals as p
from siks_events.model import DomainError, StreamVersionConflict

from siks_registry.application import handlers
from siks_registry.application.uow import RegistryUnitOfWork
from siks_registry.domain import commands
from siks_registry.domain.errors import NikAlreadyActive
from siks_registry.domain.proposal_answer import ProposalAnswer, answer_stream


def household_id_for(proposal_id: str) -> str:
    """A new household's id, the same on every redelivery of the approval."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"siks-ng:proposal:{proposal_id}"))


async def _decide(event: p.ProposalApproved, uow: RegistryUnitOfWork, today: date) -> str:
    """Run the change's decisions in the open unit of work; the household it concerns."""
    change = event.change
    match change:
        case p.AddHousehold():
            return await handlers.register_household(commands.RegisterHousehold(
                kk_number=change.kk_number, region_code=event.region_code, address=change.address,
                members=list(change.members), location=change.location, housing=change.housing,
                assets=change.assets, household_id=household_id_for(event.proposal_id)), uow)
        case p.UpdateHousehold(household_id=household_id):
            for person in change.members_added:
                await handlers.add_member(commands.AddMember(household_id, person), uow)
            for person in change.members_updated:
                await handlers.update_member(commands.UpdateMember(household_id, person), uow)
            for removed in change.members_removed:
                await handlers.remove_member(commands.RemoveMember(household_id, removed.nik, removed.reason), uow)
            if change.new_head_nik:
                await handlers.change_head(commands.ChangeHead(household_id, change.new_head_nik), uow)
            if change.housing or change.assets or change.location:
                household = await uow.get_household(household_id)
                await handlers.update_socio_economic_data(commands.UpdateSocioEconomicData(
                    household_id, housing=change.housing or household.housing, assets=change.assets or household.assets,
                    location=change.location or household.location, welfare_decile=household.welfare_decile), uow)
            return household_id
        case p.RemoveHousehold(household_id=household_id):
            await handlers.graduate_household(commands.GraduateHousehold(
                household_id, change.reason, today, event.proposal_id), uow)
            return household_id
        case p.Enrol(household_id=household_id):
            household = await uow.get_household(household_id)
            handlers.ensure_in_scope(uow.cause, household.region_code)
            household.enrol(change.nik, change.program, change.start_date)
            return household_id
        case p.EndMembership(household_id=household_id):
            household = await uow.get_household(household_id)
            handlers.ensure_in_scope(uow.cause, household.region_code)
            household.end_program(change.nik, change.program, change.end_date, change.reason)
            return household_id
    raise AssertionError(f"unhandled change {change!r}")  # the Change union is closed


async def handle_proposal_approved(event: p.ProposalApproved, uow: RegistryUnitOfWork, today: date) -> None:
    """Apply the approved change once, or refuse it with the registry's reason; a redelivery changes nothing."""
    target = getattr(event.change, "household_id", None)
    try:
        async with uow:
            if await uow.load(ProposalAnswer, answer_stream(event.proposal_id)) is not None:
                return
            answer = ProposalAnswer.for_proposal(event.proposal_id)
            try:
                household_id = await _decide(event, uow, today)
            except StreamVersionConflict:
                raise  # a race with another writer, not a refusal: the consumer retries
            except DomainError as refusal:
                uow.discard()  # none of the half-made decision is kept
                answer.refused(event.proposal_id, refusal.code, refusal.detail, target)
            else:
                answer.applied(event.proposal_id, household_id)
            uow.add(answer)
            await uow.commit()
    except NikAlreadyActive as refusal:
        # A concurrent writer made the NIK active elsewhere between our check and our commit (the
        # unique index said so): as much a refusal as if the check had seen it.
        async with uow:
            answer = ProposalAnswer.for_proposal(event.proposal_id)
            answer.refused(event.proposal_id, refusal.code, refusal.detail, target)
            uow.add(answer)
            await uow.commit()
