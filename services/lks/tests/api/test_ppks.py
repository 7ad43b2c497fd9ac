"""Issue 18, acceptance 4: a PPKS prelist verification records each outcome and shows in the recap."""

from __future__ import annotations

from siks_events.auth import Role

KEDIRI, MALANG = "3571011001", "3573011001"


def record(name: str) -> dict:
    return {"name": name, "category": "neglected elderly", "address": "Jl. Mayor Bismo"}


async def test_each_outcome_is_recorded_once_and_the_progress_recap_counts_it(lks_app, as_):
    kediri = as_(Role.DISTRICT_OFFICE, "3571", "dinsos-kediri")
    listed = await lks_app.post("/v1/ppks-entries", headers=kediri, json={"entries": [
        {"region_code": KEDIRI, "record": record(name)} for name in ("Sutrisno", "Paini", "Karto", "Wagiman")]})
    assert listed.status_code == 201, listed.text
    first, second, third, _ = listed.json()["entry_ids"]
    checks = [(first, {"outcome": "confirmed", "instrument": "capi"}),
              (second, {"outcome": "corrected", "instrument": "papi", "corrected": record("Paini Wati")}),
              (third, {"outcome": "not_found", "instrument": "paper"})]
    for entry_id, check in checks:
        answer = await lks_app.post(f"/v1/ppks-entries/{entry_id}/verification", json=check, headers=kediri)
        assert answer.status_code == 200, answer.text
    twice = await lks_app.post(f"/v1/ppks-entries/{first}/verification", json=checks[0][1], headers=kediri)
    assert twice.status_code == 409
    malang = as_(Role.DISTRICT_OFFICE, "3573", "dinsos-malang")
    outsider = await lks_app.post(f"/v1/ppks-entries/{first}/verification", json=checks[0][1], headers=malang)
    assert outsider.status_code == 403
    not_theirs = await lks_app.post("/v1/ppks-entries", headers=malang,
                                    json={"entries": [{"region_code": KEDIRI, "record": record("X")}]})
    assert not_theirs.status_code == 403

    pending = (await lks_app.get(f"/v1/regions/{KEDIRI}/ppks-entries?pending=true", headers=kediri)).json()
    assert [e["name"] for e in pending] == ["Wagiman"]
    province = as_(Role.PROVINCE_OFFICE, "35", "dinsos-jatim")
    assert (await lks_app.get("/v1/ppks-progress", headers=province)).json() == [
        {"regency_code": "3571", "listed": 4, "verified": 3, "confirmed": 1, "corrected": 1, "not_found": 1}]
