"""The registry's facts applied through the real unit of work: the copy of DTKS, and moves that cancel proposals."""

from __future__ import annotations

from datetime import date

from siks_events.catalog.registry import HouseholdMoved, MemberDeceased, ProgramEnrolled

from ..builders import ANI, HOUSEHOLD, OTHER_VILLAGE, SITI, VILLAGE, add_household, enrol, remove_household
from .support import deliver, household_with_memberships, submitted


async def test_a_household_move_cancels_its_open_proposals_and_the_copy_finds_it_in_the_new_village(
        proposals_app, token):
    await household_with_memberships(proposals_app)
    removal = await submitted(proposals_app, token, remove_household())
    unrelated = await submitted(proposals_app, token, add_household(kk="3571010101090002"))
    await deliver(proposals_app, HouseholdMoved(household_id=HOUSEHOLD, from_region=VILLAGE, to_region=OTHER_VILLAGE,
                                                moved_on=date(2026, 11, 2)), HOUSEHOLD, 5)
    cancelled = (await proposals_app.get(f"/v1/proposals/{removal}", headers=token())).json()
    assert (cancelled["status"], cancelled["reason"]) == (
        "cancelled", f"siks.registry.household-moved.v1: the household moved to {OTHER_VILLAGE} on 2026-11-02")
    assert (await proposals_app.get(f"/v1/proposals/{unrelated}", headers=token())).json()["status"] == "submitted"
    refused = await proposals_app.post("/v1/proposals", json={"region_code": VILLAGE, "change": enrol().model_dump(
        mode="json")}, headers=token())
    assert refused.status_code == 422 and refused.json()["type"].endswith("household-outside-village")


async def test_an_old_registry_event_delivered_again_does_not_undo_a_newer_one(proposals_app):
    await household_with_memberships(proposals_app)
    await deliver(proposals_app, MemberDeceased(household_id=HOUSEHOLD, nik=ANI.nik, died_on=date(2026, 11, 2)),
                  HOUSEHOLD, 5)
    # version 4 again (Ani's PBI JK enrolment), as a rewind after a broker loss would bring it
    await deliver(proposals_app, ProgramEnrolled(household_id=HOUSEHOLD, nik=ANI.nik, program="PBI_JK",
                                                 start_date=date(2025, 1, 1)), HOUSEHOLD, 4)
    pool = proposals_app.app.state.runtime.pool
    members = {r["nik"]: (r["active"], r["programs"]) for r in await pool.fetch("SELECT * FROM dtks_members")}
    assert members[ANI.nik] == (False, [])
    assert members[SITI.nik] == (True, ["PBI_JK", "PKH"])
    assert await pool.fetchval("SELECT version FROM dtks_households") == 5
