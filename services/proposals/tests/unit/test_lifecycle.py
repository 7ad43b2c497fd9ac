"""The one state machine, step by step: every step from every state, allowed or refused, for both kinds of proposal."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from siks_events.catalog.registry import Housing
from siks_events.catalog.verification import Findings
from siks_proposals.domain.errors import StepOutOfOrder
from siks_proposals.domain.lifecycle import Status, Step
from siks_proposals.domain.proposal import Proposal

from ..builders import BUDI, add_household, dtks_household, enrol
from .histories import PERIOD, proposal_in

S = Status
VISITED_REACHABLE = list(Status)
UNVISITED_REACHABLE = [s for s in Status if s not in (S.IN_VERIFICATION, S.VERIFIED, S.VERIFICATION_FAILED)]

# What each step leads to, written out by hand from issue 15 (not read from the domain's table).
VISITED_ALLOWED = {
    (S.DRAFT, Step.CORRECT): S.DRAFT, (S.DRAFT, Step.SUBMIT): S.SUBMITTED, (S.DRAFT, Step.CANCEL): S.CANCELLED,
    (S.SUBMITTED, Step.START_VERIFICATION): S.IN_VERIFICATION, (S.SUBMITTED, Step.VERIFY): S.VERIFIED,
    (S.SUBMITTED, Step.FAIL_VERIFICATION): S.VERIFICATION_FAILED, (S.SUBMITTED, Step.CANCEL): S.CANCELLED,
    (S.IN_VERIFICATION, Step.START_VERIFICATION): S.IN_VERIFICATION, (S.IN_VERIFICATION, Step.VERIFY): S.VERIFIED,
    (S.IN_VERIFICATION, Step.FAIL_VERIFICATION): S.VERIFICATION_FAILED, (S.IN_VERIFICATION, Step.CANCEL): S.CANCELLED,
    (S.VERIFIED, Step.APPROVE): S.APPROVED, (S.VERIFIED, Step.REJECT): S.REJECTED,
    (S.VERIFIED, Step.RETURN): S.RETURNED, (S.VERIFIED, Step.CANCEL): S.CANCELLED,
    (S.VERIFICATION_FAILED, Step.REJECT): S.REJECTED, (S.VERIFICATION_FAILED, Step.RETURN): S.RETURNED,
    (S.VERIFICATION_FAILED, Step.CANCEL): S.CANCELLED,
    (S.RETURNED, Step.CORRECT): S.RETURNED, (S.RETURNED, Step.SUBMIT): S.SUBMITTED,
    (S.RETURNED, Step.CANCEL): S.CANCELLED,
    (S.APPROVED, Step.APPLY): S.APPLIED, (S.APPROVED, Step.REFUSE): S.REFUSED,
}
UNVISITED_ALLOWED = {
    (S.DRAFT, Step.CORRECT): S.DRAFT, (S.DRAFT, Step.SUBMIT): S.SUBMITTED, (S.DRAFT, Step.CANCEL): S.CANCELLED,
    (S.SUBMITTED, Step.APPROVE): S.APPROVED, (S.SUBMITTED, Step.REJECT): S.REJECTED,
    (S.SUBMITTED, Step.RETURN): S.RETURNED, (S.SUBMITTED, Step.CANCEL): S.CANCELLED,
    (S.RETURNED, Step.CORRECT): S.RETURNED, (S.RETURNED, Step.SUBMIT): S.SUBMITTED,
    (S.RETURNED, Step.CANCEL): S.CANCELLED,
    (S.APPROVED, Step.APPLY): S.APPLIED, (S.APPROVED, Step.REFUSE): S.REFUSED,
}

FOUND = Findings(household_found=True, housing=Housing(roof_material="asbestos"))

# People decide by commands, which refuse a step out of order; other services report facts, which
# arrive late or twice as a matter of course and then change nothing.
COMMANDS: dict[Step, Callable[[Proposal], None]] = {
    Step.CORRECT: lambda p: p.correct(add_household(BUDI) if p.kind == "add_household" else enrol(program="PBI_JK")),
    Step.SUBMIT: lambda p: p.submit(PERIOD, dtks_household()),
    Step.APPROVE: lambda p: p.approve(),
    Step.REJECT: lambda p: p.reject("not poor"),
    Step.RETURN: lambda p: p.return_to_village("photo of the KK missing"),
    Step.CANCEL: lambda p: p.withdraw("proposed by mistake"),
}
FACTS: dict[Step, Callable[[Proposal], None]] = {
    Step.START_VERIFICATION: lambda p: p.record_verification_started("entry-2", "enum-2"),
    Step.VERIFY: lambda p: p.record_visit_accepted("visit-2", p.entry_id or "entry-2", FOUND),
    Step.FAIL_VERIFICATION: lambda p: p.record_visit_accepted(
        "visit-2", p.entry_id or "entry-2", Findings(household_found=False)),
    Step.APPLY: lambda p: p.record_registry_answer("applied", household_id="hh-1"),
    Step.REFUSE: lambda p: p.record_registry_answer("refused", reason_code="not-enrolled", reason="no membership"),
}
CASES = [(status, step, "visited", VISITED_ALLOWED) for status in VISITED_REACHABLE for step in Step] + [
    (status, step, "unvisited", UNVISITED_ALLOWED) for status in UNVISITED_REACHABLE for step in Step]


def _proposal(status: Status, kind: str) -> Proposal:
    return proposal_in(status, add_household() if kind == "visited" else enrol())


def test_every_step_is_either_a_command_or_a_fact():
    assert set(COMMANDS) | set(FACTS) == set(Step) and not set(COMMANDS) & set(FACTS)


@pytest.mark.parametrize(("status", "step", "kind", "allowed"), CASES,
                         ids=[f"{kind}-{status.value}-{step.name.lower()}" for status, step, kind, _ in CASES])
def test_a_step_moves_the_proposal_as_the_issue_says_or_changes_nothing(status, step, kind, allowed):
    proposal = _proposal(status, kind)
    version = proposal.version
    expected = allowed.get((status, step))
    if expected is not None:
        (COMMANDS | FACTS)[step](proposal)
        assert proposal.status is expected
        assert len(proposal.pending_events) == 1
    elif step in COMMANDS:
        with pytest.raises(StepOutOfOrder) as refused:
            COMMANDS[step](proposal)
        assert f"is {status.value}:" in refused.value.detail and refused.value.code == "step-out-of-order"
        assert (proposal.status, proposal.pending_events, proposal.version) == (status, [], version)
    else:
        FACTS[step](proposal)
        assert (proposal.status, proposal.pending_events) == (status, [])


def test_an_office_deciding_before_the_visit_is_told_a_visit_must_verify_it_first():
    with pytest.raises(StepOutOfOrder) as refused:
        _proposal(Status.IN_VERIFICATION, "visited").approve()
    assert refused.value.detail == (
        "proposal p-1 is in_verification: it cannot be approved now (a field visit must verify it first)")


def test_the_same_assignment_reported_twice_records_it_once():
    proposal = _proposal(Status.IN_VERIFICATION, "visited")
    proposal.record_verification_started("entry-1", "enum-1")
    assert proposal.pending_events == []


def test_a_visit_of_an_earlier_round_delivered_late_does_not_verify_the_resubmitted_proposal():
    proposal = _proposal(Status.RETURNED, "visited")  # verified by visit-1 of entry-1, then returned
    proposal.submit(PERIOD, None)
    proposal.record_verification_started("entry-1", "enum-2")  # the same entry, visited again
    proposal.collect_events()
    proposal.record_visit_accepted("visit-1", "entry-1", FOUND)
    proposal.record_visit_accepted("visit-0", "entry-0", FOUND)
    assert (proposal.status, proposal.pending_events) == (Status.IN_VERIFICATION, [])
    proposal.record_visit_accepted("visit-2", "entry-1", FOUND)
    assert proposal.status is Status.VERIFIED


def test_approving_a_proposal_whose_visit_did_not_find_the_household_is_refused_with_what_may_be_done():
    with pytest.raises(StepOutOfOrder) as refused:
        _proposal(Status.VERIFICATION_FAILED, "visited").approve()
    assert refused.value.detail.startswith("proposal p-1 is verification_failed: it cannot be approved now")
    assert "reject it or return it" in refused.value.detail
