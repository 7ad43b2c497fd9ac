"""Issue 21, acceptance 1 across services: Dukcapil reports one person's move to the integration service;
the registry shows them on the destination village's arrivals list; an operator there attaches them to a
household, their PBI JK has no gap, and the old household's timeline shows the departure."""

from __future__ import annotations

from siks_events.auth import Role

from .conftest import eventually
from .test_death_report_flow import NEW_VILLAGE, VILLAGE, WIFE, register_family

NEW_KK = "3571020101100002"


async def test_a_person_moved_by_dukcapil_arrives_in_the_new_village_with_pbi_jk_unbroken(services, tokens):
    registry, integration = services
    origin_id = await register_family(registry, tokens, programs=[
        {"nik": WIFE["nik"], "program": "PBI_JK", "start_date": "2025-01-01"}])
    moved = await integration.post("/v1/dukcapil/domicile-moves", headers=tokens(Role.DUKCAPIL, subject="dukcapil"),
                                   json={"move_id": "SKPWNI-21", "nik": WIFE["nik"], "from_region": VILLAGE,
                                         "to_region": NEW_VILLAGE, "moved_on": "2026-11-01"})
    assert moved.status_code == 202, moved.text
    there = tokens(Role.VILLAGE_OPERATOR, NEW_VILLAGE, subject="op-kota")

    async def arrived():
        listed = (await registry.get(f"/v1/villages/{NEW_VILLAGE}/arrivals", headers=there)).json()
        return [a["nik"] for a in listed] == [WIFE["nik"]]

    await eventually(arrived, what="the mover on the destination's arrivals list")
    attached = await registry.post("/v1/arrivals/attachment", headers=there, json={
        "nik": WIFE["nik"], "kk_number": NEW_KK, "address": "Jl. Dhoho 5", "effective_date": "2026-11-20"})
    assert attached.status_code == 200, attached.text

    person = (await registry.get(f"/v1/persons/{WIFE['nik']}", headers=there)).json()
    assert (person["region_code"], person["status"]) == (NEW_VILLAGE, "active")
    [now] = [p for p in person["programs"] if p["program"] == "PBI_JK"]
    origin = (await registry.get(f"/v1/households/{origin_id}", headers=tokens(Role.VILLAGE_OPERATOR, VILLAGE))).json()
    [before] = [p for m in origin["members"] if m["person"]["nik"] == WIFE["nik"] for p in m["programs"]]
    assert before["end_date"] == now["start_date"] == "2026-11-20"
    steps = [e["type"].split(".")[2] for e in (await registry.get(
        f"/v1/households/{origin_id}/timeline", headers=tokens(Role.VILLAGE_OPERATOR, VILLAGE))).json()]
    assert steps[-3:] == ["member-moved-out", "program-ended", "members-left"]


async def test_the_demo_ends_a_one_person_move_in_the_new_village(services, tokens, local_issuer, monkeypatch):
    import random

    from siks_integration.cli import arrive_in_new_village

    registry, integration = services
    await register_family(registry, tokens)
    await integration.post("/v1/dukcapil/domicile-moves", headers=tokens(Role.DUKCAPIL, subject="dukcapil"), json={
        "move_id": "SKPWNI-22", "nik": WIFE["nik"], "from_region": VILLAGE, "to_region": NEW_VILLAGE,
        "moved_on": "2026-11-01"})
    monkeypatch.setenv("SIKS_HOME", str(local_issuer.directory.parent))  # the demo's tokens come from make run's keys
    await arrive_in_new_village(registry, {"nik": WIFE["nik"]}, NEW_VILLAGE, random.Random(5))
    person = (await registry.get(f"/v1/persons/{WIFE['nik']}", headers=tokens(Role.MINISTRY))).json()
    assert (person["region_code"], person["status"]) == (NEW_VILLAGE, "active")
