"""The LKS API on the real database: who approves an institution, an aid proposal's climb with a return,
what an LKS account may see, and the documents attached."""

from __future__ import annotations

import hashlib

from siks_events.auth import Role

from ..builders import KEDIRI_VILLAGE

PDF = b"%PDF-1.4 akta pendirian yayasan " * 20


def registration(**extra) -> dict:
    return {"name": "LKSA Al-Ikhlas", "legal_number": "AHU-0012345.AH.01.04.2020", "address": "Jl. Mayor Bismo 20",
            "region_code": KEDIRI_VILLAGE, "scope": "province", "services": ["child"], **extra}


async def registered(lks_app, as_, lks_id: str = "lks-al-ikhlas", approve: bool = True) -> dict:
    answer = await lks_app.post("/v1/institutions", json=registration(), headers=as_(Role.LKS, subject=lks_id))
    assert answer.status_code == 201, answer.text
    if approve:
        decided = await lks_app.post(f"/v1/institutions/{lks_id}/decision", json={"approved": True},
                                     headers=as_(Role.PROVINCE_OFFICE, "35", "dinsos-jatim"))
        assert decided.json()["status"] == "approved", decided.text
    return answer.json()


async def test_a_province_scope_institution_is_approved_by_its_province_and_no_one_else(lks_app, as_):
    await registered(lks_app, as_, approve=False)
    decision = {"approved": True}
    regency = await lks_app.post("/v1/institutions/lks-al-ikhlas/decision", json=decision,
                                 headers=as_(Role.DISTRICT_OFFICE, "3571", "dinsos-kediri"))
    assert regency.status_code == 403 and regency.json()["type"].endswith("not-this-level")
    skipping = await lks_app.post("/v1/institutions/lks-al-ikhlas/decision", json=decision,
                                  headers=as_(Role.DIRECTORATE_LKS, "", "ditjen-rehsos"))
    assert skipping.status_code == 409 and "province office" in skipping.json()["detail"]
    other_province = await lks_app.post("/v1/institutions/lks-al-ikhlas/decision", json=decision,
                                        headers=as_(Role.PROVINCE_OFFICE, "33", "dinsos-jateng"))
    assert other_province.status_code == 403
    approved = await lks_app.post("/v1/institutions/lks-al-ikhlas/decision", json=decision,
                                  headers=as_(Role.PROVINCE_OFFICE, "35", "dinsos-jatim"))
    assert (approved.status_code, approved.json()["status"]) == (200, "approved")


async def test_an_aid_proposal_returned_by_the_province_corrected_and_approved_shows_every_step(lks_app, as_):
    await registered(lks_app, as_)
    lks = as_(Role.LKS, subject="lks-al-ikhlas")
    offices = {"regency": as_(Role.DISTRICT_OFFICE, "3571", "dinsos-kediri"),
               "province": as_(Role.PROVINCE_OFFICE, "35", "dinsos-jatim"),
               "directorate": as_(Role.DIRECTORATE_LKS, "", "ditjen-rehsos")}
    request = {"amount": 150_000_000, "purpose": "dormitory roof", "beneficiaries": 40}
    aid = (await lks_app.post("/v1/aid-proposals", json=request, headers=lks)).json()
    path = f"/v1/aid-proposals/{aid['aid_proposal_id']}"
    early = await lks_app.post(f"{path}/review", json={"step": "pass"}, headers=offices["province"])
    assert early.status_code == 409 and "regency office" in early.json()["detail"]
    steps = [("regency", {"step": "pass"}), ("province", {"step": "return", "reason": "2025 receipts missing"})]
    for level, step in steps:
        answer = await lks_app.post(f"{path}/review", json=step, headers=offices[level])
        assert answer.status_code == 200, answer.text
    corrected = await lks_app.put(path, json={**request, "amount": 140_000_000}, headers=lks)
    assert (corrected.json()["status"], corrected.json()["at_level"]) == ("in_review", "province")
    for level, step in [("province", {"step": "pass"}), ("directorate", {"step": "approve"})]:
        answer = await lks_app.post(f"{path}/review", json=step, headers=offices[level])
        assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "approved"
    timeline = (await lks_app.get(f"{path}/timeline", headers=offices["directorate"])).json()
    assert [(e["type"].split(".")[2], e["actor"]) for e in timeline] == [
        ("aid-proposal-submitted", "lks-al-ikhlas"), ("aid-proposal-passed", "dinsos-kediri"),
        ("aid-proposal-returned", "dinsos-jatim"), ("aid-proposal-corrected", "lks-al-ikhlas"),
        ("aid-proposal-passed", "dinsos-jatim"), ("aid-proposal-decided", "ditjen-rehsos")]
    assert timeline[2]["data"]["reason"] == "2025 receipts missing"


async def test_an_lks_account_cannot_read_another_institutions_proposal_and_gets_the_same_403_as_for_none(
        lks_app, as_):
    await registered(lks_app, as_)
    aid = (await lks_app.post("/v1/aid-proposals", json={"amount": 1_000_000, "purpose": "food", "beneficiaries": 5},
                              headers=as_(Role.LKS, subject="lks-al-ikhlas"))).json()
    other = as_(Role.LKS, subject="lks-tresna-werdha")
    theirs = await lks_app.get(f"/v1/aid-proposals/{aid['aid_proposal_id']}", headers=other)
    missing = await lks_app.get("/v1/aid-proposals/no-such-proposal", headers=other)
    assert (theirs.status_code, missing.status_code) == (403, 403)
    assert theirs.json()["detail"].replace(aid["aid_proposal_id"], "X") == missing.json()["detail"].replace(
        "no-such-proposal", "X")
    own = await lks_app.get(f"/v1/aid-proposals/{aid['aid_proposal_id']}", headers=as_(Role.LKS, subject="lks-al-ikhlas"))
    assert own.status_code == 200


async def test_documents_are_stored_once_limited_in_size_and_type_and_must_exist_to_be_attached(lks_app, as_):
    lks = as_(Role.LKS, subject="lks-al-ikhlas")
    first = await lks_app.put("/v1/documents", content=PDF, headers={**lks, "content-type": "application/pdf"})
    again = await lks_app.put("/v1/documents", content=PDF, headers={**lks, "content-type": "application/pdf"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["sha256"] == again.json()["sha256"] == hashlib.sha256(PDF).hexdigest()
    too_big = await lks_app.put("/v1/documents", content=b"x" * 6_000, headers={**lks, "content-type": "application/pdf"})
    wrong = await lks_app.put("/v1/documents", content=b"MZ", headers={**lks, "content-type": "application/x-msdownload"})
    assert (too_big.status_code, wrong.status_code) == (413, 415)
    document = {"name": "akta.pdf", "sha256": first.json()["sha256"], "content_type": "application/pdf",
                "size": len(PDF)}
    unknown = {**document, "sha256": "0" * 64}
    refused = await lks_app.post("/v1/institutions", json=registration(documents=[unknown]), headers=lks)
    assert refused.status_code == 422 and refused.json()["errors"][0]["pointer"] == "#/documents/0"
    accepted = await lks_app.post("/v1/institutions", json=registration(documents=[document]), headers=lks)
    assert accepted.status_code == 201, accepted.text
