"""The proposals API on the real database: the life of a proposal, refusals out of order, roles and regions."""

from __future__ import annotations

from ..builders import HOUSEHOLD, OTHER_REGENCY_VILLAGE, VILLAGE, add_household, enrol
from .support import OFFICE, as_json, drafted, in_dtks


async def test_an_enrolment_is_drafted_submitted_approved_and_its_timeline_names_every_actor(proposals_app, token):
    await in_dtks(proposals_app)
    proposal = await drafted(proposals_app, token)
    pid = proposal["proposal_id"]
    submitted = await proposals_app.post(f"/v1/proposals/{pid}/submission", headers=token())
    assert (submitted.status_code, submitted.json()["status"], submitted.json()["period"]) == (200, "submitted", "2026-11")
    approved = await proposals_app.post(f"/v1/proposals/{pid}/approval", headers=token(**OFFICE))
    assert approved.json()["status"] == "approved"
    timeline = (await proposals_app.get(f"/v1/proposals/{pid}/timeline", headers=token(**OFFICE))).json()
    assert [(e["type"].split(".")[2], e["actor"], e["role"]) for e in timeline] == [
        ("proposal-drafted", "op-bandar-lor", "village_operator"),
        ("proposal-submitted", "op-bandar-lor", "village_operator"),
        ("proposal-approved", "dinsos-kota-kediri", "district_office")]
    got = (await proposals_app.get(f"/v1/proposals/{pid}", headers=token())).json()
    assert (got["status"], got["household_id"], got["version"]) == ("approved", HOUSEHOLD, 3)


async def test_a_step_out_of_order_is_a_409_naming_the_state_and_changes_nothing(proposals_app, token):
    await in_dtks(proposals_app)
    pid = (await drafted(proposals_app, token, add_household()))["proposal_id"]
    too_early = await proposals_app.post(f"/v1/proposals/{pid}/approval", headers=token(**OFFICE))
    assert too_early.status_code == 409
    assert too_early.headers["content-type"] == "application/problem+json"
    assert too_early.json()["detail"] == f"proposal {pid} is draft: it cannot be approved now"
    await proposals_app.post(f"/v1/proposals/{pid}/submission", headers=token())
    before_visit = await proposals_app.post(f"/v1/proposals/{pid}/rejection", json={"reason": "no"},
                                            headers=token(**OFFICE))
    assert before_visit.status_code == 409 and "is submitted:" in before_visit.json()["detail"]
    timeline = (await proposals_app.get(f"/v1/proposals/{pid}/timeline", headers=token())).json()
    assert [e["version"] for e in timeline] == [1, 2]
    assert (await proposals_app.get(f"/v1/proposals/{pid}", headers=token())).json()["status"] == "submitted"


async def test_a_wrong_role_gets_403_and_changes_nothing(proposals_app, token):
    await in_dtks(proposals_app)
    pid = (await drafted(proposals_app, token))["proposal_id"]
    by_operator = await proposals_app.post(f"/v1/proposals/{pid}/approval", headers=token())
    assert (by_operator.status_code, by_operator.json()["type"].rsplit(":", 1)[-1]) == (403, "operation-not-allowed")
    office_drafts = await proposals_app.post("/v1/proposals", json={"region_code": VILLAGE, "change": as_json(enrol())},
                                             headers=token(**OFFICE))
    assert office_drafts.status_code == 403
    assert (await proposals_app.get(f"/v1/proposals/{pid}", headers=token())).json()["version"] == 1


async def test_a_proposal_in_another_region_and_one_that_does_not_exist_get_the_same_403(proposals_app, token):
    elsewhere = (await drafted(proposals_app, token, add_household(), region=OTHER_REGENCY_VILLAGE))["proposal_id"]
    missing = "00000000-0000-4000-8000-000000000000"

    async def answer(pid: str) -> tuple[int, dict]:
        response = await proposals_app.get(f"/v1/proposals/{pid}", headers=token())
        body = response.json()
        body.pop("request_id")
        return response.status_code, {k: str(v).replace(pid, "<id>") for k, v in body.items()}

    assert await answer(elsewhere) == await answer(missing)
    status, body = await answer(missing)
    assert status == 403 and body["type"].endswith("not-accessible")
    submit_elsewhere = await proposals_app.post(f"/v1/proposals/{elsewhere}/submission", headers=token())
    assert submit_elsewhere.status_code == 403


async def test_a_proposal_for_a_household_outside_the_village_is_refused_with_the_field(proposals_app, token):
    await in_dtks(proposals_app)
    other_village = "3571011002"
    response = await proposals_app.post("/v1/proposals", json={"region_code": other_village, "change": as_json(enrol())},
                                        headers=token(region=other_village))
    assert response.status_code == 422
    assert response.json()["errors"] == [{"pointer": "#/change/household_id", "detail": response.json()["detail"]}]


async def test_a_returned_proposal_is_corrected_and_submitted_again(proposals_app, token):
    await in_dtks(proposals_app)
    pid = (await drafted(proposals_app, token))["proposal_id"]
    await proposals_app.post(f"/v1/proposals/{pid}/submission", headers=token())
    returned = await proposals_app.post(f"/v1/proposals/{pid}/return", json={"reason": "wrong programme"},
                                        headers=token(**OFFICE))
    assert (returned.json()["status"], returned.json()["reason"]) == ("returned", "wrong programme")
    corrected = await proposals_app.put(f"/v1/proposals/{pid}/change", json={"change": as_json(enrol(program="PBI_JK"))},
                                        headers=token())
    assert corrected.json()["change"]["program"] == "PBI_JK"
    again = await proposals_app.post(f"/v1/proposals/{pid}/submission", headers=token())
    assert (again.json()["status"], again.json()["reason"]) == ("submitted", None)
    timeline = (await proposals_app.get(f"/v1/proposals/{pid}/timeline", headers=token())).json()
    assert [(e["type"].split(".")[2], e["role"], e["reason"]) for e in timeline[2:]] == [
        ("proposal-returned", "district_office", "wrong programme"),
        ("proposal-corrected", "village_operator", None),
        ("proposal-submitted", "village_operator", None)]


async def test_lists_and_counts_show_proposals_by_status_and_village(proposals_app, token):
    await in_dtks(proposals_app)
    first = (await drafted(proposals_app, token))["proposal_id"]
    await drafted(proposals_app, token, add_household())
    await proposals_app.post(f"/v1/proposals/{first}/submission", headers=token())
    submitted = (await proposals_app.get("/v1/proposals", params={"region": "3571", "status": "submitted"},
                                         headers=token(**OFFICE))).json()
    assert (submitted["total"], [p["proposal_id"] for p in submitted["items"]]) == (1, [first])
    counts = (await proposals_app.get("/v1/proposals/counts", headers=token(**OFFICE))).json()
    assert counts["villages"] == [{"region_code": VILLAGE, "total": 2, "by_status": {"draft": 1, "submitted": 1}}]
    wider = await proposals_app.get("/v1/proposals", params={"region": "3571"}, headers=token())
    assert wider.status_code == 403

