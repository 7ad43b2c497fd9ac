"""Command handlers of the LKS service: load, decide, commit."""

from __future__ import annotations

import uuid

from siks_lks.application.uow import LksUnitOfWork
from siks_lks.domain import commands
from siks_lks.domain.aid_proposal import AidProposal
from siks_lks.domain.errors import OutOfTurn
from siks_lks.domain.institution import Institution


async def handle_register_lks(cmd: commands.RegisterLks, uow: LksUnitOfWork) -> Institution:
    async with uow:
        institution = Institution.register(
            cmd.lks_id or str(uuid.uuid4()), name=cmd.name, legal_number=cmd.legal_number, address=cmd.address,
            region_code=cmd.region_code, scope=cmd.scope, services=cmd.services, documents=cmd.documents)
        uow.add(institution)
        await uow.commit()
    return institution


async def handle_decide_lks(cmd: commands.DecideLks, uow: LksUnitOfWork) -> Institution:
    async with uow:
        institution = await uow.get_institution(cmd.lks_id)
        institution.decide(cmd.level, cmd.approved, cmd.reason)
        await uow.commit()
    return institution


async def handle_decide_service(cmd: commands.DecideService, uow: LksUnitOfWork) -> Institution:
    async with uow:
        institution = await uow.get_institution(cmd.lks_id)
        institution.decide_service(cmd.service, cmd.approved, cmd.reason)
        await uow.commit()
    return institution


async def handle_submit_aid_proposal(cmd: commands.SubmitAidProposal, uow: LksUnitOfWork) -> AidProposal:
    async with uow:
        institution = await uow.get_institution(cmd.lks_id)
        proposal = AidProposal.submit(cmd.aid_proposal_id or str(uuid.uuid4()), institution, amount=cmd.amount,
                                      purpose=cmd.purpose, beneficiaries=cmd.beneficiaries, documents=cmd.documents)
        uow.add(proposal)
        await uow.commit()
    return proposal


async def handle_review_aid_proposal(cmd: commands.ReviewAidProposal, uow: LksUnitOfWork) -> AidProposal:
    async with uow:
        proposal = await uow.get_aid_proposal(cmd.aid_proposal_id)
        match cmd.step:
            case "pass":
                proposal.pass_up(cmd.level)
            case "return":
                proposal.return_for_correction(cmd.level, cmd.reason)
            case "approve" | "reject":
                proposal.decide(cmd.level, cmd.step == "approve", cmd.reason)
            case _:
                raise OutOfTurn(f"no step {cmd.step!r}")
        await uow.commit()
    return proposal


async def handle_correct_aid_proposal(cmd: commands.CorrectAidProposal, uow: LksUnitOfWork) -> AidProposal:
    async with uow:
        proposal = await uow.get_aid_proposal(cmd.aid_proposal_id)
        proposal.correct(amount=cmd.amount, purpose=cmd.purpose, beneficiaries=cmd.beneficiaries,
                         documents=cmd.documents)
        await uow.commit()
    return proposal
