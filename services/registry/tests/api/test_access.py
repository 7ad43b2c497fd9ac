"""Who may read and change what in the registry: one 403 outside the caller's region, never a location or a 404."""

from __future__ import annotations

from datetime import date

from siks_events.auth import Role

from ..builders import ANI, SITI, household, nik

ELSEWHERE = "3573021008"  # a kelurahan in Kota Malang
UNKNOWN_NIK = nik(date(1990, 1, 1), "male", 9999)


def without_request(body: dict) -> dict:
    return {k: v for k, v in body.items() if k not in ("request_id", "instance")}


async def test_an_operator_of_another_village_learns_neither_where_a_nik_lives_nor_whether_it_is_in_dtks(
        registry_app, token):
    await registry_app.post("/v1/households", json=household(), headers=token())
    outsider = token(region=ELSEWHERE, subject="op-malang")
    known = await registry_app.get(f"/v1/persons/{SITI['nik']}", headers=outsider)
    unknown = await registry_app.get(f"/v1/persons/{UNKNOWN_NIK}", headers=outsider)
    assert (known.status_code, unknown.status_code) == (403, 403)
    assert without_request(known.json()) == without_request(unknown.json())
    assert "3571" not in known.text.replace(known.json()["instance"], "")  # no region code in the answer


async def test_a_national_caller_is_told_that_a_nik_is_not_in_dtks(registry_app, token):
    answer = await registry_app.get(f"/v1/persons/{UNKNOWN_NIK}", headers=token(role=Role.MINISTRY, region=""))
    assert answer.status_code == 404 and answer.json()["type"].endswith("not-found")


async def test_writes_and_letters_naming_a_nik_in_the_body_answer_another_region_as_for_an_unknown_nik(
        registry_app, token):
    await registry_app.post("/v1/households", json=household(), headers=token())
    outsider = token(region=ELSEWHERE, subject="op-malang")
    requests = [
        ("/v1/enrolments", {"program": "PIP", "start_date": "2026-01-01"}),
        ("/v1/enrolments/end", {"program": "PIP", "end_date": "2026-12-31", "reason": "moved"}),
        ("/v1/statement-letters", {}),
    ]
    for path, body in requests:
        known = await registry_app.post(path, json={"nik": ANI["nik"], **body}, headers=outsider)
        unknown = await registry_app.post(path, json={"nik": UNKNOWN_NIK, **body}, headers=outsider)
        assert (known.status_code, unknown.status_code) == (403, 403), (path, known.text, unknown.text)
        assert without_request(known.json()) == without_request(unknown.json()), path


async def test_a_role_the_table_does_not_allow_is_refused_before_anything_is_looked_up(registry_app, token):
    answer = await registry_app.get(f"/v1/persons/{UNKNOWN_NIK}", headers=token(role=Role.DUKCAPIL, region=""))
    assert answer.status_code == 403 and answer.json()["type"].endswith("operation-not-allowed")
