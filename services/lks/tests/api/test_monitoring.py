"""Issue 18, acceptance 3: a monitoring report with attachments goes through all three levels; the recap's
sums equal the approved and reported amounts, and a mismatch is flagged."""

from __future__ import annotations

from siks_events.auth import Role

from .test_lks import registered

ACCOUNT = {"bank": "BRI", "number": "0123456789", "holder": "Yayasan Al-Ikhlas"}
RECEIPT = b"%PDF-1.4 kuitansi pembelian genteng " * 10


async def approved_aid(lks_app, as_, lks: dict, offices: dict, amount: int) -> str:
    await lks_app.post("/v1/institutions/lks-al-ikhlas/services/child/decision", json={"approved": True},
                       headers=offices["directorate"])
    aid = (await lks_app.post("/v1/aid-proposals", json={"amount": amount, "purpose": "roof", "beneficiaries": 40,
                                                         "service": "child"}, headers=lks)).json()
    for level, step in [("regency", "pass"), ("province", "pass"), ("directorate", "approve")]:
        answer = await lks_app.post(f"/v1/aid-proposals/{aid['aid_proposal_id']}/review", json={"step": step},
                                    headers=offices[level])
        assert answer.status_code == 200, answer.text
    return aid["aid_proposal_id"]


async def test_reports_climb_three_levels_and_the_recap_sums_them_and_flags_a_mismatch(lks_app, as_):
    await registered(lks_app, as_)
    lks = as_(Role.LKS, subject="lks-al-ikhlas")
    offices = {"regency": as_(Role.DISTRICT_OFFICE, "3571", "dinsos-kediri"),
               "province": as_(Role.PROVINCE_OFFICE, "35", "dinsos-jatim"),
               "directorate": as_(Role.DIRECTORATE_LKS, "", "ditjen-rehsos")}
    exact = await approved_aid(lks_app, as_, lks, offices, 150_000_000)
    short = await approved_aid(lks_app, as_, lks, offices, 40_000_000)
    receipt = (await lks_app.put("/v1/documents", content=RECEIPT, headers={**lks, "content-type": "application/pdf"}))
    document = {"name": "kuitansi.pdf", "sha256": receipt.json()["sha256"], "content_type": "application/pdf",
                "size": len(RECEIPT)}

    report = (await lks_app.post("/v1/monitoring-reports", headers=lks, json={
        "aid_proposal_id": exact, "reported_amount": 150_000_000, "bank_account": ACCOUNT,
        "documents": [document]})).json()
    path = f"/v1/monitoring-reports/{report['report_id']}"
    returned = await lks_app.post(f"{path}/review", json={"step": "return", "reason": "minutes not signed"},
                                  headers=offices["regency"])
    assert returned.json()["status"] == "returned"
    corrected = await lks_app.put(path, headers=lks, json={"reported_amount": 150_000_000, "bank_account": ACCOUNT,
                                                           "documents": [document]})
    assert corrected.json()["at_level"] == "regency"
    for level, step in [("regency", "pass"), ("province", "pass"), ("directorate", "approve")]:
        answer = await lks_app.post(f"{path}/review", json={"step": step}, headers=offices[level])
        assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "approved"
    mismatched = await lks_app.post("/v1/monitoring-reports", headers=lks, json={
        "aid_proposal_id": short, "reported_amount": 38_500_000, "bank_account": ACCOUNT})
    assert mismatched.json()["mismatch"] == -1_500_000

    recap = (await lks_app.get("/v1/recaps", headers=offices["province"])).json()
    assert recap == [
        {"region_code": "3571", "service": "child", "report_status": "approved", "proposals_approved": 1,
         "amount_approved": 150_000_000, "amount_reported": 150_000_000, "mismatches": 0, "flagged": False},
        {"region_code": "3571", "service": "child", "report_status": "in_review", "proposals_approved": 1,
         "amount_approved": 40_000_000, "amount_reported": 38_500_000, "mismatches": 1, "flagged": True}]
    national = (await lks_app.get("/v1/recaps", headers=offices["directorate"])).json()
    assert {(r["region_code"], r["amount_approved"]) for r in national} == {("35", 150_000_000), ("35", 40_000_000)}
    sheet = await lks_app.get("/v1/recaps.csv", headers=offices["province"])
    lines = sheet.text.strip().splitlines()
    assert sheet.headers["content-type"].startswith("text/csv") and len(lines) == 3
    assert lines[0].startswith("region_code,service,report_status") and lines[2].endswith(",1,True")
    elsewhere = await lks_app.get("/v1/recaps?region=33", headers=offices["province"])
    assert elsewhere.status_code == 403


async def test_an_lks_reports_only_on_its_own_aid(lks_app, as_):
    await registered(lks_app, as_)
    offices = {"regency": as_(Role.DISTRICT_OFFICE, "3571", "k"), "province": as_(Role.PROVINCE_OFFICE, "35", "p"),
               "directorate": as_(Role.DIRECTORATE_LKS, "", "d")}
    aid = await approved_aid(lks_app, as_, as_(Role.LKS, subject="lks-al-ikhlas"), offices, 10_000_000)
    other = await lks_app.post("/v1/monitoring-reports", headers=as_(Role.LKS, subject="lks-lain"), json={
        "aid_proposal_id": aid, "reported_amount": 1, "bank_account": ACCOUNT})
    assert other.status_code == 403
