"""Periods on the real database: closing one, the impact preview of its batch, and approving the batch."""

from __future__ import annotations

from siks_events.catalog.verification import Findings

from ..builders import BUDI, SITI, VILLAGE, add_household, enrol, remove_household
from .support import OFFICE, drafted, household_with_memberships, submitted, verified

PERIOD = "/v1/periods/3571/2026-11"


async def test_after_the_office_closes_the_period_a_submission_goes_to_the_next_month(proposals_app, token):
    closed = await proposals_app.post(f"{PERIOD}/closure", headers=token(**OFFICE))
    assert closed.json() == {"regency_code": "3571", "period": "2026-11", "closed_on": "2026-11-03"}
    pid = (await drafted(proposals_app, token, add_household()))["proposal_id"]
    response = await proposals_app.post(f"/v1/proposals/{pid}/submission", headers=token())
    assert response.json()["period"] == "2026-12"
    by_operator = await proposals_app.post(f"{PERIOD}/closure", headers=token())
    assert by_operator.status_code == 403


async def test_the_impact_preview_counts_the_ready_proposals_per_village_and_the_batch_approves_exactly_those(
        proposals_app, token):
    await household_with_memberships(proposals_app)
    graduation = await submitted(proposals_app, token, remove_household())
    newcomers = await submitted(proposals_app, token, add_household(kk="3571010101090002"))
    enrolment = await submitted(proposals_app, token, enrol(BUDI, program="SEMBAKO"))
    unvisited = await submitted(proposals_app, token, add_household(kk="3571010101090003"))
    await verified(proposals_app, graduation, Findings(household_found=True))
    await verified(proposals_app, newcomers, Findings(household_found=True, members=(BUDI, SITI)))

    preview = (await proposals_app.get(f"{PERIOD}/impact", headers=token(**OFFICE))).json()
    assert preview["villages"] == [{
        "region_code": VILLAGE, "proposals": 3, "households_added": 1, "households_changed": 0,
        "households_removed": 1, "persons_added": 2, "persons_changed": 0, "persons_removed": 3,
        "memberships_gained": 1, "memberships_lost": 3}]
    assert preview["total"] == {**preview["villages"][0], "region_code": ""}

    batch = (await proposals_app.post(f"{PERIOD}/approval", headers=token(**OFFICE))).json()
    assert (sorted(batch["approved"]), batch["count"]) == (sorted([graduation, newcomers, enrolment]), 3)
    statuses = {pid: (await proposals_app.get(f"/v1/proposals/{pid}", headers=token())).json()["status"]
                for pid in (graduation, newcomers, enrolment, unvisited)}
    assert statuses == {graduation: "approved", newcomers: "approved", enrolment: "approved", unvisited: "submitted"}
    approved_change = (await proposals_app.get(f"/v1/proposals/{newcomers}", headers=token())).json()["change"]
    assert [m["nik"] for m in approved_change["members"]] == [BUDI.nik, SITI.nik]  # as found in the field
    again = (await proposals_app.post(f"{PERIOD}/approval", headers=token(**OFFICE))).json()
    assert again == {"approved": [], "count": 0}
