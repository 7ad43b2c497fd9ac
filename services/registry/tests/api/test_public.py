"""Acceptance 6 and the citizen self-check: statement letters verify, tampering fails, names must match."""

from __future__ import annotations

import io

from pypdf import PdfReader

from ..builders import ANI, SITI, household


async def test_a_statement_letter_is_a_valid_pdf_whose_code_verifies_and_a_tampered_code_fails(registry_app, token):
    programs = [{"nik": SITI["nik"], "program": "PKH", "start_date": "2025-01-01"}]
    await registry_app.post("/v1/households", json=household(programs=programs), headers=token())
    response = await registry_app.post("/v1/statement-letters", json={"nik": SITI["nik"]}, headers=token())
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    code = response.headers["x-verification-code"]
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert SITI["full_name"] in text and code in text and "PKH" in text

    check = await registry_app.get(f"/v1/public/statement-letters/{code}")
    assert check.status_code == 200
    assert check.json()["valid"] is True and check.json()["full_name"] == SITI["full_name"]
    assert check.json()["nik"] == SITI["nik"][:6] + "********" + SITI["nik"][-2:]

    tampered = code[:-1] + ("A" if code[-1] != "A" else "B")
    assert (await registry_app.get(f"/v1/public/statement-letters/{tampered}")).status_code == 404
    forged_body = ("ZZZZZ" if not code.startswith("ZZZZZ") else "YYYYY") + code[5:]
    assert (await registry_app.get(f"/v1/public/statement-letters/{forged_body}")).status_code == 404


async def test_a_code_failing_its_check_is_refused_even_when_a_stored_letter_carries_it(registry_app, token):
    await registry_app.post("/v1/households", json=household(), headers=token())
    response = await registry_app.post("/v1/statement-letters", json={"nik": SITI["nik"]}, headers=token())
    code = response.headers["x-verification-code"]
    tampered = code[:-1] + ("A" if code[-1] != "A" else "B")
    await registry_app.app.state.runtime.pool.execute(
        "INSERT INTO statement_letters (code, nik, household_id, full_name, status, programs, issued_by)"
        " SELECT $2, nik, household_id, full_name, status, programs, issued_by FROM statement_letters WHERE code = $1",
        code, tampered)

    refused = await registry_app.get(f"/v1/public/statement-letters/{tampered}")
    assert refused.status_code == 404 and refused.json()["type"].endswith("letter-not-found")
    assert (await registry_app.get(f"/v1/public/statement-letters/{code}")).status_code == 200


async def test_the_self_check_answers_only_membership_and_a_wrong_name_looks_unknown(registry_app, token):
    programs = [{"nik": ANI["nik"], "program": "PIP", "start_date": "2025-07-01"}]
    await registry_app.post("/v1/households", json=household(programs=programs), headers=token())
    right = await registry_app.post("/v1/public/dtks-check", json={"nik": ANI["nik"], "name": "  ani   LESTARI "})
    assert right.json() == {"in_dtks": True, "active_programs": ["PIP"]}
    wrong_name = await registry_app.post("/v1/public/dtks-check", json={"nik": ANI["nik"], "name": "Ani Susanti"})
    unknown = await registry_app.post("/v1/public/dtks-check", json={"nik": "3571010101010001", "name": "Ani Lestari"})
    assert wrong_name.json() == unknown.json() == {"in_dtks": False, "active_programs": []}


async def test_the_self_check_is_rate_limited_per_client(registry_app):
    answers = [await registry_app.post("/v1/public/dtks-check", json={"nik": "3571010101010001", "name": "x"})
               for _ in range(12)]
    assert answers[-1].status_code == 429
    assert answers[-1].headers["content-type"] == "application/problem+json"
