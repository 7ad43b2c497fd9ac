"""Acceptance 3 and 4: Dukcapil's deaths and moves arrive over Kafka and change the registry, once."""

from __future__ import annotations

from datetime import date

from siks_events.catalog.integration import DeathReported, DomicileMoved

from ..builders import ANI, BUDI, KK, OTHER_VILLAGE, SITI, VILLAGE, household
from .messages import eventually, publish

DIED_ON = date(2026, 10, 2)


async def stream_length(client, household_id: str) -> int:
    return await client.app.state.runtime.pool.fetchval("SELECT count(*) FROM events WHERE stream_id = $1",
                                                        household_id)


async def test_a_death_report_deactivates_the_member_and_ends_their_programmes_once(registry_app, token):
    programs = [{"nik": SITI["nik"], "program": "PKH", "start_date": "2025-01-01"},
                {"nik": SITI["nik"], "program": "PBI_JK", "start_date": "2025-01-01"}]
    created = await registry_app.post("/v1/households", json=household(programs=programs), headers=token())
    household_id = created.json()["household_id"]
    death = DeathReported(report_id="lk-1", nik=SITI["nik"], name=SITI["full_name"], died_on=DIED_ON,
                          certificate_number="3571-KM-02102026-0001")
    await publish(registry_app, death, "dk-death-1")

    async def lookup():
        return (await registry_app.get(f"/v1/persons/{SITI['nik']}", headers=token())).json()

    person = await eventually(lookup, until=lambda p: p.get("status") == "deceased")
    assert {(p["program"], p["active"], p["end_date"]) for p in person["programs"]} == {
        ("PKH", False, "2026-10-02"), ("PBI_JK", False, "2026-10-02")}
    length = await stream_length(registry_app, household_id)
    assert length == 6  # registered, 2 enrolled, 2 programmes ended, deceased

    await publish(registry_app, death, "dk-death-1")  # the same report delivered again
    await publish(registry_app, death, "dk-death-1-resent")  # and re-sent under a new id
    consumer = registry_app.app.state.runtime.consumers[0]

    async def counts():
        return {"applied": consumer.applied, "duplicates": consumer.duplicates}

    # three deliveries in all: the first applied, its redelivery recognised, the re-sent report applied (to no effect)
    seen = await eventually(counts, until=lambda c: c["applied"] + c["duplicates"] >= 3)
    assert seen == {"applied": 2, "duplicates": 1}
    assert await stream_length(registry_app, household_id) == length


async def test_a_whole_kk_move_is_found_at_the_new_village_and_not_the_old(registry_app, token):
    await registry_app.post("/v1/households", json=household(), headers=token())
    move = DomicileMoved(move_id="pindah-1", kk_number=KK, from_region=VILLAGE, to_region=OTHER_VILLAGE,
                         moved_on=date(2026, 9, 1))
    await publish(registry_app, move, "dk-move-1")
    national = token(role="ministry", region="", subject="pusdatin")

    async def at_new_village():
        return (await registry_app.get("/v1/persons", params={"region": OTHER_VILLAGE}, headers=national)).json()

    await eventually(at_new_village, until=lambda page: page["total"] == 3)
    old = (await registry_app.get("/v1/persons", params={"region": VILLAGE}, headers=national)).json()
    assert old["total"] == 0
    by_name = (await registry_app.get("/v1/persons", params={"region": "3571", "name": "budi"}, headers=national)).json()
    assert [p["nik"] for p in by_name["items"]] == [BUDI["nik"]]


async def test_a_single_person_move_shows_at_the_old_household_and_the_new_region(registry_app, token):
    household_id = (await registry_app.post("/v1/households", json=household(), headers=token())).json()["household_id"]
    move = DomicileMoved(move_id="pindah-2", nik=ANI["nik"], from_region=VILLAGE, to_region="3506012001",
                         moved_on=date(2026, 9, 1))
    await publish(registry_app, move, "dk-move-2")
    national = token(role="ministry", region="", subject="pusdatin")

    async def lookup():
        return (await registry_app.get(f"/v1/persons/{ANI['nik']}", headers=national)).json()

    person = await eventually(lookup, until=lambda p: p.get("status") == "moved_out")
    assert person["region_code"] == "3506012001"
    old_household = (await registry_app.get(f"/v1/households/{household_id}", headers=token())).json()
    assert {m["person"]["nik"]: m["status"] for m in old_household["members"]}[ANI["nik"]] == "moved_out"
