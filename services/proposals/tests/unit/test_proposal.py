"""The proposal aggregate beyond the state table: what it records when submitted, corrected, verified, cancelled."""

from __future__ import annotations

import pytest
from siks_events.catalog.proposals import ProposalCancelled, ProposalSubmitted, ProposalVerificationFailed
from siks_events.catalog.verification import Findings
from siks_proposals.domain.errors import KindChanged
from siks_proposals.domain.lifecycle import Status
from siks_proposals.domain.proposal import Proposal

from ..builders import (
    ANI,
    BUDI,
    HOUSEHOLD,
    KK,
    SITI,
    VILLAGE,
    add_household,
    dtks_household,
    enrol,
    remove_household,
    update_household,
)
from .histories import ID, PERIOD, history, proposal_in


def test_a_new_household_proposal_submitted_asks_for_a_visit_with_its_kk_address_and_people():
    proposal = proposal_in(Status.DRAFT, add_household())
    proposal.submit(PERIOD, None)
    [submitted] = proposal.pending_events
    assert isinstance(submitted, ProposalSubmitted)
    assert (submitted.needs_visit, submitted.period, submitted.region_code) == (True, PERIOD, VILLAGE)
    assert (submitted.kk_number, submitted.household_id) == (KK, None)
    assert submitted.niks == (BUDI.nik, SITI.nik, ANI.nik)
    assert submitted.names == ("Budi Santoso", "Siti Aminah", "Ani Lestari")


def test_a_removal_submitted_names_every_active_member_of_the_household_from_the_copy_of_dtks():
    proposal = proposal_in(Status.DRAFT, remove_household())
    proposal.submit(PERIOD, dtks_household())
    [submitted] = proposal.pending_events
    assert (submitted.household_id, submitted.kk_number, submitted.address) == (HOUSEHOLD, KK, "Jl. Mayor Bismo 12")
    assert submitted.niks == (BUDI.nik, SITI.nik, ANI.nik)


def test_an_enrolment_submitted_needs_no_visit():
    proposal = proposal_in(Status.DRAFT, enrol())
    proposal.submit(PERIOD, dtks_household())
    assert proposal.pending_events[0].needs_visit is False
    assert proposal.pending_events[0].names == ("Ani Lestari",)


def test_a_correction_may_not_change_the_kind_of_proposal_and_records_nothing():
    proposal = proposal_in(Status.DRAFT, enrol())
    with pytest.raises(KindChanged):
        proposal.correct(remove_household())
    assert proposal.pending_events == []


def test_the_same_change_sent_as_a_correction_records_nothing():
    proposal = proposal_in(Status.RETURNED, enrol())
    proposal.correct(enrol())
    assert proposal.pending_events == []


def test_an_accepted_visit_that_did_not_find_the_household_fails_the_verification_with_the_notes():
    proposal = proposal_in(Status.IN_VERIFICATION, update_household(members_added=()))
    proposal.record_visit_accepted("visit-1", "entry-1", Findings(household_found=False, notes="house demolished"))
    [failed] = proposal.pending_events
    assert isinstance(failed, ProposalVerificationFailed)
    assert failed.reason == "household not found at the address: house demolished"
    assert proposal.status is Status.VERIFICATION_FAILED


def test_the_approved_change_carries_the_findings_of_the_verification():
    proposal = proposal_in(Status.IN_VERIFICATION, add_household())
    found = Findings(household_found=True, members=(BUDI, SITI))
    proposal.record_visit_accepted("visit-1", "entry-1", found)
    proposal.approve()
    approved = proposal.pending_events[-1]
    assert approved.change.members == (BUDI, SITI) and approved.period == PERIOD


@pytest.mark.parametrize("status", [Status.DRAFT, Status.SUBMITTED, Status.IN_VERIFICATION, Status.VERIFIED,
                                    Status.VERIFICATION_FAILED, Status.RETURNED])
def test_a_death_cancels_an_open_proposal_with_its_reason(status):
    proposal = proposal_in(status, add_household())
    proposal.cancel("deceased", "siks.registry.member-deceased.v1: the person died on 2026-10-02")
    assert proposal.pending_events == [ProposalCancelled(
        proposal_id="p-1", reason_code="deceased",
        reason="siks.registry.member-deceased.v1: the person died on 2026-10-02")]
    assert proposal.status is Status.CANCELLED


@pytest.mark.parametrize("status", [Status.APPROVED, Status.REJECTED, Status.APPLIED, Status.REFUSED,
                                    Status.CANCELLED])
def test_a_death_leaves_a_decided_or_closed_proposal_as_it_is(status):
    proposal = proposal_in(status, add_household())
    proposal.cancel("deceased", "died")
    assert (proposal.status, proposal.pending_events) == (status, [])


def test_a_refused_proposal_keeps_the_registrys_reason():
    proposal = proposal_in(Status.APPROVED, enrol())
    proposal.record_registry_answer("refused", reason_code="already-enrolled", reason="PIP membership already open")
    assert (proposal.status, proposal.outcome_reason) == (Status.REFUSED, "PIP membership already open")


def test_an_applied_new_household_proposal_knows_the_household_the_registry_created():
    proposal = proposal_in(Status.APPROVED, add_household())
    assert proposal.household_id is None
    proposal.record_registry_answer("applied", household_id="hh-new")
    events = history(Status.APPROVED, add_household()) + proposal.collect_events()
    assert Proposal.rehydrate(ID, events).household_id == "hh-new"


def test_a_proposal_about_an_existing_household_names_it_from_the_draft():
    assert proposal_in(Status.DRAFT, enrol()).household_id == HOUSEHOLD


def test_a_proposal_folds_back_to_the_same_state_from_its_events():
    proposal = Proposal.draft("p-9", region_code=VILLAGE, change=enrol())
    proposal.submit(PERIOD, dtks_household())
    proposal.approve()
    again = Proposal.rehydrate("p-9", proposal.collect_events())
    assert (again.status, again.period, again.change, again.version) == (Status.APPROVED, PERIOD, enrol(), 3)
