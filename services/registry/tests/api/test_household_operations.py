"""Issue 21 over HTTP: a Dukcapil move puts the person on the destination village's arrivals list until an
operator there attaches them (PBI JK without a gap); split, merge and transfer through the API."""

from __future__ import annotations

from datetime import date

from siks_events.auth import Role
from siks_events.catalog.integration import DomicileMoved

from ..builders import ANI, BUDI, OTHER_VILLAGE, SITI, VILLAGE, household
from .messages import eventually, publish

OTHER_KK = "3571020101100002"
MOVED_ON = date(2026, 11, 1)


def pbi(person: dict) -> list[dict]:
    return [{"nik": person["nik"], "program": "PBI_JK", "start_date": "2025-01-01"}]


async def test_a_mover_waits_on_the_arrivals_list_and_only_the_destination_attaches_them_without_a_gap(
        registry_app, token):
    origin = (await registry_app.post("/v1/households", json=household(programs=pbi(SITI)), headers=token())).json()
    there = token(region=OTHER_VILLAGE, subject="op-destination")
    destination = (await registry_app.post("/v1/households", headers=there, json=household(
        {**BUDI, "nik": "3571021705800007"}, kk=OTHER_KK, region=OTHER_VILLAGE))).json()
    await publish(registry_app, DomicileMoved(move_id="pindah-7", nik=SITI["nik"], from_region=VILLAGE,
                                              to_region=OTHER_VILLAGE, moved_on=MOVED_ON), "move-7")

    async def on_the_list():
        answer = await registry_app.get(f"/v1/villages/{OTHER_VILLAGE}/arrivals", headers=there)
        return [a["nik"] for a in answer.json()] if answer.status_code == 200 else []

    assert await eventually(on_the_list) == [SITI["nik"]]
    attachment = {"nik": SITI["nik"], "relationship": "spouse", "household_id": destination["household_id"],
                  "effective_date": "2026-11-20"}
    from_origin = await registry_app.post("/v1/arrivals/attachment", json=attachment, headers=token())
    assert from_origin.status_code == 403
    attached = await registry_app.post("/v1/arrivals/attachment", json=attachment, headers=there)
    assert attached.json() == {"household_id": destination["household_id"]}, attached.text
    assert await on_the_list() == []

    person = (await registry_app.get(f"/v1/persons/{SITI['nik']}", headers=there)).json()
    assert (person["household_id"], person["status"]) == (destination["household_id"], "active")
    [now] = [p for p in person["programs"] if p["program"] == "PBI_JK"]
    old = (await registry_app.get(f"/v1/households/{origin['household_id']}", headers=token(Role.MINISTRY, ""))).json()
    [before] = [p for m in old["members"] if m["person"]["nik"] == SITI["nik"] for p in m["programs"]]
    assert before["end_date"] == now["start_date"] == "2026-11-20"  # no day without PBI JK
    timeline = (await registry_app.get(f"/v1/households/{origin['household_id']}/timeline",
                                       headers=token())).json()
    assert [e["type"].split(".")[2] for e in timeline][-3:] == ["member-moved-out", "program-ended", "members-left"]


async def test_split_merge_and_transfer_over_http_keep_everyone_active_once(registry_app, token):
    first = (await registry_app.post("/v1/households", json=household(BUDI, SITI, ANI), headers=token())).json()
    split = await registry_app.post(f"/v1/households/{first['household_id']}/split", headers=token(), json={
        "niks": [SITI["nik"], ANI["nik"]], "head_nik": SITI["nik"], "kk_number": "3571010101090002",
        "address": "Jl. Mayor Bismo 14", "reason": "divorce"})
    assert split.status_code == 201, split.text
    second = split.json()["household_id"]
    moved = await registry_app.post(f"/v1/households/{second}/transfer", headers=token(), json={
        "nik": ANI["nik"], "to_household_id": first["household_id"], "relationship": "child", "reason": "back to dad"})
    assert moved.status_code == 204, moved.text
    merged = await registry_app.post(f"/v1/households/{second}/merge", headers=token(), json={
        "into_household_id": first["household_id"], "reason": "remarried"})
    assert merged.status_code == 204, merged.text
    absorbed = (await registry_app.get(f"/v1/households/{second}", headers=token())).json()
    assert (absorbed["formed_from"], absorbed["merged_into"]) == (first["household_id"], first["household_id"])
    rows = await registry_app.app.state.runtime.pool.fetch(
        "SELECT nik, count(*) AS n FROM persons WHERE status = 'active' GROUP BY nik")
    assert {r["nik"]: r["n"] for r in rows} == {BUDI["nik"]: 1, SITI["nik"]: 1, ANI["nik"]: 1}
