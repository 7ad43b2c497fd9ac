"""Acceptance 1 and 2: register, update and read back households; every NIK rule names its field."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import pytest
from siks_events.auth import Role

from ..builders import ANI, BUDI, KK, OTHER_VILLAGE, SITI, household, nik, person


async def test_a_registered_household_reads_back_updates_and_keeps_its_history(registry_app, token):
    created = await registry_app.post("/v1/households", json=household(), headers=token())
    assert created.status_code == 201, created.text
    household_id = created.json()["household_id"]
    before_update = datetime.now(UTC)
    await asyncio.sleep(0.05)

    changed = dict(SITI, occupation="pedagang")
    assert (await registry_app.put(f"/v1/households/{household_id}/members", json=changed,
                                   headers=token(subject="op-2"))).status_code == 204
    assert (await registry_app.post("/v1/enrolments", json={"nik": ANI["nik"], "program": "PIP",
                                                             "start_date": "2026-07-01"},
                                    headers=token(Role.DISTRICT_OFFICE, "3571", "dinsos-kediri"))).status_code == 204

    current = (await registry_app.get(f"/v1/households/{household_id}", headers=token())).json()
    members = {m["person"]["nik"]: m for m in current["members"]}
    assert members[SITI["nik"]]["person"]["occupation"] == "pedagang"
    assert members[ANI["nik"]]["programs"][0]["program"] == "PIP"
    assert current["region_name"].startswith("Bandar Lor")
    assert current["head_nik"] == BUDI["nik"]

    timeline = (await registry_app.get(f"/v1/households/{household_id}/timeline", headers=token())).json()
    assert [(e["type"].split(".")[2], e["actor"]) for e in timeline] == [
        ("household-registered", "op-bandar-lor"), ("member-updated", "op-2"), ("program-enrolled", "dinsos-kediri")]
    assert all(e["request_id"] for e in timeline)

    earlier = await registry_app.get(f"/v1/households/{household_id}/as-of",
                                     params={"at": before_update.isoformat()}, headers=token())
    assert earlier.status_code == 200, earlier.text
    then = {m["person"]["nik"]: m for m in earlier.json()["members"]}
    assert then[SITI["nik"]]["person"]["occupation"] == "" and then[ANI["nik"]]["programs"] == []
    assert earlier.json()["version"] == 1

    by_kk = (await registry_app.get("/v1/households", params={"kk_number": KK}, headers=token())).json()
    assert [h["household_id"] for h in by_kk] == [household_id]
    found = (await registry_app.get(f"/v1/persons/{ANI['nik']}", headers=token())).json()
    assert found["status"] == "active" and found["household_id"] == household_id
    assert found["programs"] == [{"program": "PIP", "active": True, "start_date": "2026-07-01", "end_date": None}]


BIRTH = date(1990, 8, 14)


@pytest.mark.parametrize(
    ("bad_nik", "sex", "expected"),
    [
        ("35710114089", "male", "16 digits"),                                  # too short
        ("3571011408900A01", "male", "16 digits"),                             # not digits
        (nik(BIRTH, "male", 1).replace("357101", "359901"), "male", "not a known sub-district"),
        (nik(date(1990, 8, 15), "male", 1), "male", "does not match the date of birth"),
        (nik(BIRTH, "male", 1), "female", "says male"),                        # women: day + 40
        (nik(BIRTH, "male", 0), "male", "0000"),
    ],
    ids=["short", "letters", "unknown-region", "birth-date", "sex", "serial-0000"],
)
async def test_each_nik_rule_rejects_its_case_naming_the_field(registry_app, token, bad_nik, sex, expected):
    head = person("Joko Widodo", BIRTH, sex, "head") | {"nik": bad_nik}
    response = await registry_app.post("/v1/households", json=household(head), headers=token())
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    errors = response.json()["errors"]
    assert any(e["pointer"] == "#/members/0/nik" and expected in e["detail"] for e in errors), errors


async def test_a_bad_kk_and_an_unknown_village_are_named_too(registry_app, token):
    response = await registry_app.post("/v1/households", json=household(kk="3571010101090000", region="3571019999"),
                                       headers=token())
    pointers = {e["pointer"] for e in response.json()["errors"]}
    assert response.status_code == 422 and pointers == {"#/kk_number", "#/region_code"}


async def test_a_nik_active_elsewhere_is_refused_with_a_pointer_to_it(registry_app, token):
    first = (await registry_app.post("/v1/households", json=household(), headers=token())).json()["household_id"]
    again = await registry_app.post("/v1/households", json=household(BUDI, kk="3571010101090002"), headers=token())
    assert again.status_code == 409
    body = again.json()
    assert body["errors"][0]["pointer"] == "#/members/0/nik" and first in body["errors"][0]["detail"]


async def test_an_operator_cannot_register_outside_their_village(registry_app, token):
    response = await registry_app.post("/v1/households", json=household(region=OTHER_VILLAGE), headers=token())
    assert response.status_code == 403
