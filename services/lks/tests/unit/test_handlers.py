"""The LKS handlers over an in-memory unit of work: a registration decided, and an aid proposal returned by
the province, corrected, resubmitted and approved, with each step's actor on record."""

from __future__ import annotations

import pytest
from siks_events.catalog.lks import Level, Scope, ServiceKind
from siks_events.model import Cause
from siks_events.testing import InMemoryEventStore, InMemoryUnitOfWork
from siks_lks.application import handlers
from siks_lks.application.uow import AidProposalNotFound, LksUnitOfWork
from siks_lks.domain import commands
from siks_lks.domain.aid_proposal import AidStatus

from ..builders import KEDIRI_VILLAGE


class InMemoryLksUnitOfWork(InMemoryUnitOfWork, LksUnitOfWork):
    pass


def unit(store: InMemoryEventStore, actor: str, role: str) -> InMemoryLksUnitOfWork:
    return InMemoryLksUnitOfWork(store, Cause(actor=actor, role=role))


async def test_an_aid_proposal_returned_by_the_province_is_corrected_resubmitted_and_approved():
    store = InMemoryEventStore()
    lks = await handlers.handle_register_lks(commands.RegisterLks(
        "LKSA Al-Ikhlas", "AHU-1", "Jl. 1", KEDIRI_VILLAGE, Scope.PROVINCE, (ServiceKind.CHILD,), lks_id="lks-1"),
        unit(store, "lks-1", "lks"))
    await handlers.handle_decide_lks(commands.DecideLks(lks.id, Level.PROVINCE, True),
                                     unit(store, "dinsos-jatim", "province_office"))
    aid = await handlers.handle_submit_aid_proposal(commands.SubmitAidProposal(
        lks.id, 150_000_000, "dormitory roof", 40, aid_proposal_id="aid-1"), unit(store, "lks-1", "lks"))
    steps = [("dinsos-kediri", "district_office", Level.REGENCY, "pass", ""),
             ("dinsos-jatim", "province_office", Level.PROVINCE, "return", "receipts for the 2025 aid missing")]
    for actor, role, level, step, reason in steps:
        await handlers.handle_review_aid_proposal(commands.ReviewAidProposal(aid.id, level, step, reason),
                                                  unit(store, actor, role))
    await handlers.handle_correct_aid_proposal(commands.CorrectAidProposal(aid.id, 140_000_000, "dormitory roof", 40),
                                               unit(store, "lks-1", "lks"))
    for actor, role, level, step in [("dinsos-jatim", "province_office", Level.PROVINCE, "pass"),
                                     ("ditjen-rehsos", "directorate_lks", Level.DIRECTORATE, "approve")]:
        done = await handlers.handle_review_aid_proposal(commands.ReviewAidProposal(aid.id, level, step),
                                                         unit(store, actor, role))
    assert (done.status, done.amount) == (AidStatus.APPROVED, 140_000_000)
    timeline = [(r.type.split(".")[2], r.metadata["actor"]) for r in store.events if r.stream_id == "aid-1"]
    assert timeline == [("aid-proposal-submitted", "lks-1"), ("aid-proposal-passed", "dinsos-kediri"),
                        ("aid-proposal-returned", "dinsos-jatim"), ("aid-proposal-corrected", "lks-1"),
                        ("aid-proposal-passed", "dinsos-jatim"), ("aid-proposal-decided", "ditjen-rehsos")]


async def test_a_step_on_a_proposal_that_does_not_exist_is_not_found():
    with pytest.raises(AidProposalNotFound):
        await handlers.handle_review_aid_proposal(commands.ReviewAidProposal("nope", Level.REGENCY, "pass"),
                                                  unit(InMemoryEventStore(), "x", "district_office"))
