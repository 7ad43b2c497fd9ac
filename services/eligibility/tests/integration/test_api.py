"""The eligibility API on the service as `siks run` starts it (projection worker and relay inside), region-scoped."""

from __future__ import annotations

from datetime import UTC, datetime

from siks_eligibility.adapters.postgres import slots
from siks_eligibility.main import create_app
from siks_events.auth import Role
from siks_events.catalog.registry import Program
from siks_events.pytest_plugin import eventually, serving

from .expected import domain_assessment
from .registry import registry_log


def _bearer(issuer, role: Role, region: str = "") -> dict:
    return {"Authorization": f"Bearer {issuer.issue(role=role, region=region, subject='someone')}"}


async def test_the_api_explains_each_decision_lists_the_eligible_and_the_waiting_list_and_reports_the_projection(
        service_settings, local_issuer, publish):
    today = datetime.now(UTC).date()  # what the service's first version assesses
    log = registry_log(150)
    expected = domain_assessment(log, today)
    ministry = _bearer(local_issuer, Role.MINISTRY)
    app = create_app(service_settings("eligibility"))
    async with serving(app) as client:
        served = await eventually(lambda: client.get("/v1/eligibility/projection", headers=ministry),
                                  until=lambda r: r.status_code == 200 and r.json()["served"], timeout=20)
        pkh = [d for d in expected.decisions(Program.PKH) if d.eligible]
        regency = max({d.regency for d in pkh}, key=lambda r: sum(d.regency == r for d in pkh))
        quota = sum(d.regency == regency for d in pkh) - 3
        await slots.set_quota(app.state.runtime.pool, Program.PKH, regency, quota)
        await publish(log)

        def caught_up(answer) -> bool:
            [version] = answer.json()["versions"]
            return version["lag"] == 0 and version["events_done"] == 0 and sum(version["positions"].values()) == len(log)

        status = await eventually(lambda: client.get("/v1/eligibility/projection", headers=ministry), until=caught_up,
                                  timeout=40)
        version = status.json()["versions"][0]
        assert version["served"] and version["state"] == "ready" and version["assessed_on"] == today.isoformat()
        assert version["rule_versions"]["PKH"] == "pkh-2025.1" and served.json()["served"] == version["version"]

        # a household: every decision with its explanation, versions and log position
        chosen = pkh[0]
        household_id, village = chosen.beneficiary.household_id, chosen.inputs["region_code"]
        answer = await client.get(f"/v1/eligibility/households/{household_id}", headers=ministry)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["projection_version"] == version["version"] and sum(body["positions"].values()) == len(log)
        mine = {(d.program.value, d.beneficiary.nik): d for d in expected.for_household(household_id)}
        assert {(d["program"], d["nik"]): d["eligible"] for d in body["decisions"]} == {
            k: d.eligible for k, d in mine.items()}
        for decision in body["decisions"]:
            assert decision["rule_version"] and decision["weights_version"] == "pmt-2025.1"
            assert decision["log_position"] == mine[(decision["program"], decision["nik"])].household_position
            assert decision["conditions"] and "welfare_score" in decision["inputs"]

        # region scope: a village operator elsewhere is refused alike for this household and a missing one
        elsewhere = _bearer(local_issuer, Role.VILLAGE_OPERATOR, "3201011001")
        refused = [await client.get(f"/v1/eligibility/households/{h}", headers=elsewhere) for h in (household_id, "nope")]
        assert [r.status_code for r in refused] == [403, 403] and refused[0].json()["title"] == refused[1].json()["title"]
        own = await client.get(f"/v1/eligibility/households/{household_id}",
                               headers=_bearer(local_issuer, Role.VILLAGE_OPERATOR, village))
        assert own.status_code == 200

        # a person, by NIK in the body
        nik = next(d.beneficiary.nik for d in expected.decisions(Program.PBI_JK) if d.beneficiary.household_id == household_id)
        person = await client.post("/v1/eligibility/person-lookups", headers=ministry, json={"nik": nik})
        assert person.status_code == 200, person.text
        assert {d["nik"] for d in person.json()["decisions"]} <= {None, nik}
        as_of = await client.post("/v1/eligibility/person-lookups", headers=ministry,
                                  json={"nik": nik, "on": "2026-03-01", "known_at": "2026-03-01T23:59:59Z"})
        assert as_of.status_code == 200 and as_of.json()["known_at"].startswith("2026-03-01")

        # the eligible of a regency, poorest first, and its waiting list in the order slots are given
        listed = await client.get(f"/v1/eligibility/programs/PKH/regions/{regency}/beneficiaries?size=500", headers=ministry)
        assert listed.status_code == 200, listed.text
        ranks = [b["welfare_rank"] for b in listed.json()]
        assert ranks == sorted(ranks) and {b["household_id"] for b in listed.json()} == {
            d.beneficiary.household_id for d in pkh if d.regency == regency}
        assert sum(b["holds_slot"] for b in listed.json()) == quota
        waiting = await client.get(f"/v1/eligibility/programs/PKH/regencies/{regency}/waiting-list", headers=ministry)
        assert waiting.status_code == 200, waiting.text
        assert (waiting.json()["quota"], waiting.json()["holders"], len(waiting.json()["waiting"])) == (quota, quota, 3)
        assert [w["household_id"] for w in waiting.json()["waiting"]] == [
            b["household_id"] for b in listed.json() if not b["holds_slot"]]

        # a simulation: offices and the ministry only
        simulated = await client.post("/v1/eligibility/simulations", headers=ministry, json={"max_deciles": {"PKH": 2}})
        assert simulated.status_code == 200, simulated.text
        assert sum(s["households_losing"] for s in simulated.json()["shifts"]) > 0
        operator = _bearer(local_issuer, Role.VILLAGE_OPERATOR, village)
        assert (await client.post("/v1/eligibility/simulations", headers=operator,
                                  json={"max_deciles": {"PKH": 2}})).status_code == 403
        assert (await client.post("/v1/eligibility/simulations", headers=ministry,
                                  json={"max_deciles": {"PKH": 11}})).status_code == 422
