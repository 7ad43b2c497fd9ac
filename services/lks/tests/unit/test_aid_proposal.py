"""Aid proposals climb regency -> province -> directorate general; a return sends them to the LKS, and the
corrected proposal climbs again from the level that returned it; anything out of turn is refused."""

from __future__ import annotations

import pytest
from siks_events.catalog.lks import Level, Scope, ServiceKind
from siks_lks.domain.aid_proposal import AidProposal, AidStatus
from siks_lks.domain.errors import AlreadyDecided, LksNotApproved, OutOfTurn, ReasonRequired, UnknownService

from ..builders import institution, proposal


def passed(level: Level):
    return lambda p: p.pass_up(level)


def returned(level: Level, reason: str = "receipts missing"):
    return lambda p: p.return_for_correction(level, reason)


def corrected(amount: int = 120_000_000):
    return lambda p: p.correct(amount=amount, purpose="roof of the dormitory", beneficiaries=40)


def test_a_proposal_climbs_the_three_levels_to_approval():
    aid = proposal(passed(Level.REGENCY), passed(Level.PROVINCE))
    aid.decide(Level.DIRECTORATE, approved=True)
    assert aid.status is AidStatus.APPROVED


def test_only_an_approved_institution_submits():
    with pytest.raises(LksNotApproved):
        AidProposal.submit("aid-2", institution(Scope.PROVINCE, approved=False), amount=1, purpose="x",
                           beneficiaries=1)


@pytest.mark.parametrize("level", [Level.PROVINCE, Level.DIRECTORATE])
def test_no_office_acts_before_the_one_below_it(level):
    aid = proposal()
    with pytest.raises(OutOfTurn) as refused:
        aid.pass_up(level)
    assert "regency office" in refused.value.detail and aid.pending_events == []


def test_an_office_that_passed_it_cannot_act_again():
    aid = proposal(passed(Level.REGENCY))
    with pytest.raises(OutOfTurn):
        aid.return_for_correction(Level.REGENCY, "second thoughts")


def test_a_province_return_is_corrected_and_climbs_again_from_the_province():
    aid = proposal(passed(Level.REGENCY), returned(Level.PROVINCE), corrected())
    assert (aid.status, aid.at, aid.amount) == (AidStatus.IN_REVIEW, Level.PROVINCE, 120_000_000)
    with pytest.raises(OutOfTurn):
        aid.pass_up(Level.REGENCY)  # the regency already checked it
    aid.pass_up(Level.PROVINCE)
    aid.decide(Level.DIRECTORATE, approved=True)
    assert aid.status is AidStatus.APPROVED


def test_a_returned_proposal_waits_for_the_lks_and_only_a_returned_one_is_corrected():
    aid = proposal(returned(Level.REGENCY))
    with pytest.raises(OutOfTurn):
        aid.pass_up(Level.REGENCY)
    fresh = proposal()
    with pytest.raises(OutOfTurn):
        fresh.correct(amount=1, purpose="x", beneficiaries=1)


def test_only_the_directorate_decides_and_a_decided_proposal_is_closed():
    aid = proposal(passed(Level.REGENCY))
    with pytest.raises(OutOfTurn):
        aid.decide(Level.PROVINCE, approved=True)
    aid = proposal(passed(Level.REGENCY), passed(Level.PROVINCE))
    with pytest.raises(OutOfTurn):
        aid.pass_up(Level.DIRECTORATE)
    aid.decide(Level.DIRECTORATE, approved=False, reason="budget exhausted")
    with pytest.raises(AlreadyDecided):
        aid.return_for_correction(Level.DIRECTORATE, "too late")


def test_a_return_and_a_rejection_say_why():
    aid = proposal()
    with pytest.raises(ReasonRequired):
        aid.return_for_correction(Level.REGENCY, "  ")
    aid = proposal(passed(Level.REGENCY), passed(Level.PROVINCE))
    with pytest.raises(ReasonRequired):
        aid.decide(Level.DIRECTORATE, approved=False)
    assert aid.pending_events == []


def test_aid_for_a_service_needs_that_service_approved():
    lks = institution()
    with pytest.raises(UnknownService):
        AidProposal.submit("aid-3", lks, amount=1, purpose="x", beneficiaries=1, service=ServiceKind.CHILD)
    lks.decide_service(ServiceKind.CHILD, approved=True)
    aid = AidProposal.submit("aid-3", lks, amount=1, purpose="x", beneficiaries=1, service=ServiceKind.CHILD)
    assert aid.service is ServiceKind.CHILD
