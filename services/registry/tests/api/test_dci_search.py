"""Issue 20, acceptance 1-3: DTKS searched as a DCI Social Registry, sync and async, in the standard's shapes.

Requests are written as the standard's examples write them (`total_count` as a string, "" for absent
values, `consent: ""`); the callbacks reach a receiver of the test's own over HTTP.
"""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from siks_events.dci import SigningKey
from siks_events.sealing import is_sealed

from ..builders import BUDI, SITI, household, person
from .dci_partner import OUR_ID, SENDER, search_message, verified
from .messages import eventually

OTHER_KK = "3571010101090002"
DEWI = person("Dewi Sartika", date(1990, 4, 1), "female", "head", serial=7)
BY_NIK = {"query_type": "idtype-value", "response_entity": "Group", "query": {"type": "NIK", "value": BUDI["nik"]}}


async def registered(client, token, *bodies: dict) -> list[str]:
    ids = []
    for body in bodies:
        answer = await client.post("/v1/households", json=body, headers=token())
        assert answer.status_code == 201, answer.text
        ids.append(answer.json()["household_id"])
    return ids


def records(body: dict) -> list[dict]:
    return body["message"]["search_response"][0]["data"]["reg_records"]


async def test_a_sync_search_by_nik_answers_the_household_as_a_signed_group(registry_app, token, onboard):
    (household_id,) = await registered(registry_app, token, household())
    partner = await onboard()
    answer = await partner.post("sync/search", partner.envelope("search", search_message(BY_NIK)))
    assert answer.status_code == 200, answer.text
    body = await verified(registry_app, answer.json())
    assert body["header"]["action"] == "on-search" and body["header"]["status"] == "succ"
    assert body["header"]["sender_id"] == OUR_ID and body["header"]["receiver_id"] == SENDER
    item = body["message"]["search_response"][0]
    assert item["status"] == "succ" and item["reference_id"] == "r-1"
    assert item["pagination"] == {"page_size": 50, "page_number": 1, "total_count": 1}
    (group,) = records(body)
    assert group["@type"] == "Group" and group["group_type"] == "household"
    assert {"@type": "Identifier", "identifier_type": "DTKS_HOUSEHOLD_ID", "identifier_value": household_id} in \
        group["group_identifier"]
    assert group["group_size"] == 3 and group["group_head_info"]["member_identifier"][0]["identifier_value"] == BUDI["nik"]
    assert sorted(m["demographic_info"]["name"]["given_name"] for m in group["member_list"]) == [
        "Ani Lestari", "Budi Santoso", "Siti Aminah"]
    # what the partner's onboarding does not list stays undisclosed
    assert "poverty_score" not in group and all("is_disabled" not in m for m in group["member_list"])
    assert {m["marital_status"] for m in group["member_list"]} == {"married", "single"}
    assert not any(a["name"] == "programmes" for m in group["member_list"] for a in m["additional_attributes"])


async def test_an_async_search_is_acknowledged_and_its_signed_callback_carries_the_sync_records(
        registry_app, token, onboard, receiver):
    await registered(registry_app, token, household(), household(DEWI, kk=OTHER_KK))
    partner = await onboard()
    # the standard's processflow2 example: a predicate list under query_type "expression", sorted, paged
    criteria = {"query_type": "expression", "response_entity": "Member", "query": [
        {"seq_num": "", "expression1": {"attribute_name": "UIN", "operator": "in",
                                        "attribute_value": f"{BUDI['nik']},{SITI['nik']},{DEWI['nik']}"},
         "condition": "and", "expression2": {"attribute_name": "sex", "operator": "eq", "attribute_value": "F"}}],
        "sort": [{"attribute_name": "UIN", "sort_order": "desc"}], "pagination": {"page_size": 10, "page_number": 1}}
    message = search_message(criteria)
    answer = await partner.post("search", partner.envelope("search", message,
                                                           sender_uri=f"{receiver.base}/registry/on-search"))
    assert answer.status_code == 200, answer.text
    ack = answer.json()["message"]
    assert ack["ack_status"] == "ACK" and ack["correlation_id"] and "error" not in ack

    async def callback():
        return receiver.bodies("/registry/on-search")

    (body,) = await eventually(callback, timeout=15)
    body = await verified(registry_app, body)
    assert body["header"]["action"] == "on-search" and body["header"]["status"] == "succ"
    assert body["message"]["correlation_id"] == ack["correlation_id"]
    assert body["message"]["transaction_id"] == message["transaction_id"]
    assert [r["member_identifier"][0]["identifier_value"] for r in records(body)] == sorted(
        [SITI["nik"], DEWI["nik"]], reverse=True)

    sync = await partner.post("sync/search", partner.envelope("search", search_message(criteria)))
    assert records(sync.json()) == records(body)
    # the partner's reads of personal data are in the audit trail like anyone's
    audited = await registry_app.app.state.runtime.pool.fetch(
        "SELECT DISTINCT nik, role FROM audit_reads WHERE actor = $1", SENDER)
    assert {(r["nik"], r["role"]) for r in audited} == {(SITI["nik"], "dci_partner"), (DEWI["nik"], "dci_partner")}


async def test_a_callback_the_partner_cannot_take_yet_is_sent_again_until_it_is_taken(
        registry_app, token, onboard, receiver):
    await registered(registry_app, token, household())
    partner = await onboard()
    receiver.refuse = 1
    answer = await partner.post("search", partner.envelope("search", search_message(BY_NIK)))
    assert answer.json()["message"]["ack_status"] == "ACK"

    async def callback():
        return receiver.bodies("/registry/on-search")

    (body,) = await eventually(callback, timeout=15)
    assert receiver.refused == 1 and (await verified(registry_app, body))["header"]["status"] == "succ"


async def test_an_expression_template_pages_and_sorts_groups(registry_app, token, onboard):
    await registered(registry_app, token, household(), household(DEWI, kk=OTHER_KK))
    partner = await onboard()

    async def page(number: int) -> dict:
        criteria = {"query_type": "expression", "response_entity": "Group", "query": {
            "type": "ns:org:QueryType:NoSql", "value": {"expression": {"collection": "Group", "query": {
                "$and": [{"region_code": {"$eq": "3571"}}, {"group_size": {"$ge": 1}}]}}}},
            "sort": [{"attribute_name": "kk_number", "sort_order": "desc"}],
            "pagination": {"page_size": 1, "page_number": number}}
        answer = await partner.post("sync/search", partner.envelope("search", search_message(criteria)))
        return answer.json()["message"]["search_response"][0]

    first, second = await page(1), await page(2)
    assert first["pagination"]["total_count"] == second["pagination"]["total_count"] == 2
    kks = [next(i["identifier_value"] for i in p["data"]["reg_records"][0]["group_identifier"]
                if i["identifier_type"] == "KK") for p in (first, second)]
    assert kks == [OTHER_KK, household()["kk_number"]]


async def test_a_partner_sees_only_its_region_and_what_it_was_onboarded_to_see(registry_app, token, onboard):
    await registered(registry_app, token, household())
    outside = await onboard(region="3506", sender="kediri-kabupaten.example.org")
    answer = await outside.post("sync/search", outside.envelope("search", search_message(BY_NIK)))
    assert answer.json()["message"]["search_response"][0]["pagination"]["total_count"] == 0
    inside = await onboard(region="3571011001", disclose=["welfare", "programmes"], sender="pkh.example.org")
    (group,) = records((await inside.post("sync/search", inside.envelope("search", search_message(BY_NIK)))).json())
    assert any(a["name"] == "programmes" for a in group["member_list"][0]["additional_attributes"])
    siti = next(m for m in group["member_list"] if m["member_identifier"][0]["identifier_value"] == SITI["nik"])
    assert siti["marital_status"] == "married" and siti["is_disabled"] is False and siti["education_level"]


async def test_a_bad_query_is_rejected_with_the_standards_reason_code(registry_app, token, onboard):
    partner = await onboard()
    cases = [({"query_type": "predicate", "query": [{"expression1": {"attribute_name": "salary", "operator": "gt",
                                                                    "attribute_value": 1}}]}, "rjct.filter.invalid"),
             ({**BY_NIK, "sort": [{"attribute_name": "shoe_size", "sort_order": "asc"}]}, "rjct.sort.invalid"),
             ({**BY_NIK, "pagination": {"page_size": 100000}}, "rjct.pagination.invalid")]
    for criteria, reason in cases:
        answer = await partner.post("sync/search", partner.envelope("search", search_message(criteria)))
        item = answer.json()["message"]["search_response"][0]
        assert (item["status"], item["status_reason_code"]) == ("rjct", reason)
    blank = search_message(BY_NIK, reference_id="")
    item = (await partner.post("sync/search", partner.envelope("search", blank))).json()["message"]["search_response"][0]
    assert item["status_reason_code"] == "rjct.reference_id.invalid"


async def test_a_sync_status_check_returns_the_answer_the_search_got(registry_app, token, onboard):
    await registered(registry_app, token, household())
    partner = await onboard()
    message = search_message(BY_NIK)
    searched = (await partner.post("sync/search", partner.envelope("search", message))).json()
    status_message = {"transaction_id": "status-1", "txnstatus_request": {
        "reference_id": "s-1", "txn_type": "search", "attribute_type": "transaction_id",
        "attribute_value": message["transaction_id"]}}
    answer = await partner.post("sync/txn/status", partner.envelope("txn-status", status_message))
    body = await verified(registry_app, answer.json())
    assert body["header"]["action"] == "txn-on-status"
    assert body["message"]["txnstatus_response"]["txn_status"] == searched["message"]


async def nothing_queued(client) -> None:
    pool = client.app.state.runtime.pool
    await asyncio.sleep(1.0)  # several worker rounds
    assert await pool.fetchval("SELECT count(*) FROM dci_transactions") == 0
    assert await pool.fetchval("SELECT count(*) FROM dci_outbox") == 0


async def test_without_a_valid_token_the_answer_is_the_standards_401_and_no_callback_follows(
        registry_app, token, onboard, receiver):
    partner = await onboard()
    body = partner.envelope("search", search_message(BY_NIK))
    for headers in ({}, {"Authorization": "Bearer not-a-token"}):
        answer = await partner.post("search", body, headers=headers)
        assert answer.status_code == 401
        (error,) = answer.json()["errors"]
        assert error["code"] == "err.request.unauthorized" and error["message"]
    village = token()  # a role without the DCI operations
    answer = await partner.post("search", body, headers=village)
    assert answer.status_code == 403 and answer.json()["errors"][0]["code"] == "err.request.forbidden"
    await nothing_queued(registry_app)
    assert receiver.received == []


@pytest.mark.parametrize("spoil, code", [
    ("tamper", "err.signature.invalid"),
    ("other key", "err.signature.invalid"),
    ("unsigned", "err.signature.missing"),
])
async def test_a_bad_signature_is_the_standards_error_and_no_callback_follows(
        registry_app, token, onboard, receiver, spoil, code):
    partner = await onboard()
    body = partner.envelope("search", search_message(BY_NIK))
    if spoil == "tamper":
        body["message"]["search_request"][0]["search_criteria"]["query"]["value"] = SITI["nik"]
    elif spoil == "other key":
        body = SigningKey.generate(SENDER).sign_envelope({"header": body["header"], "message": body["message"]})
    else:
        body["signature"] = ""
    for path in ("search", "sync/search"):
        answer = await partner.post(path, body)
        assert answer.status_code == 400
        message = answer.json()["message"]
        assert message["ack_status"] == "ERR" and message["error"]["code"] == code
    await nothing_queued(registry_app)
    assert receiver.received == []


async def test_a_sender_that_is_not_the_token_or_a_message_outside_the_standard_is_refused(registry_app, token, onboard):
    partner = await onboard()
    stranger = SigningKey.generate("unknown.example.org")
    body = stranger.sign_envelope({"header": {**partner.envelope("search", {})["header"],
                                              "sender_id": "unknown.example.org"},
                                   "message": search_message(BY_NIK)})
    answer = await partner.post("search", body)
    assert answer.json()["message"]["error"]["code"] == "err.sender_id.invalid"
    answer = await partner.post("search", {"header": {"action": "search"}, "message": {}})
    assert answer.status_code == 400 and answer.json()["message"]["error"]["code"] == "err.request.bad"
    answer = await partner.post("search", partner.envelope("search", search_message(BY_NIK),
                                                           sender_uri="http://elsewhere.example.org/cb"))
    assert answer.json()["message"]["error"]["code"] == "err.sender_uri.invalid"
    once = partner.envelope("search", search_message(BY_NIK))
    assert (await partner.post("sync/search", once)).status_code == 200
    for path in ("sync/search", "search"):  # the same message id again is a duplicate, sync or async
        error = (await partner.post(path, once)).json()["message"]["error"]
        assert error["code"] == "err.request.bad" and error["message"].startswith("rjct.message_id.duplicate")


async def test_an_async_status_check_is_answered_in_a_signed_txn_on_status_callback(
        registry_app, token, onboard, receiver):
    await registered(registry_app, token, household())
    partner = await onboard()
    message = search_message(BY_NIK)
    searched = (await partner.post("sync/search", partner.envelope("search", message))).json()
    status_message = {"transaction_id": "status-2", "txnstatus_request": {
        "reference_id": "s-2", "txn_type": "search", "attribute_type": "reference_id_list", "attribute_value": ["r-1"]}}
    answer = await partner.post("txn/status", partner.envelope("txn-status", status_message))
    assert answer.json()["message"]["ack_status"] == "ACK"

    async def callback():
        return receiver.bodies("/registry/txn/on-status")

    (body,) = await eventually(callback, timeout=15)
    body = await verified(registry_app, body)
    assert body["header"]["action"] == "txn-on-status"
    assert body["message"]["txnstatus_response"]["txn_status"] == searched["message"]


async def test_a_partners_notification_is_checked_and_answered_nack(registry_app, onboard):
    partner = await onboard()
    header = {"version": "1.0.0", "message_id": "n-1", "message_ts": "2026-11-25T10:00:00Z", "action": "notify",
              "status": "succ", "status_reason_code": "", "status_reason_message": "", "total_count": "1",
              "completed_count": "", "sender_id": SENDER, "receiver_id": OUR_ID, "is_msg_encrypted": False, "meta": ""}
    message = {"transaction_id": "n-t-1", "notify_event": [{"reference_id": "n-r-1", "timestamp": "2026-11-25T10:00:00Z",
                                                            "data": {"reg_event_type": "DEATH", "response_entity": "Member",
                                                                     "reg_records": {"@type": "Member"}}}]}
    body = partner.key.sign_envelope({"header": header, "message": message})
    answer = await partner.post("notify", body)
    assert answer.status_code == 200 and answer.json()["message"]["ack_status"] == "NACK"
    body["message"]["transaction_id"] = "n-t-2"
    answer = await partner.post("notify", body)
    assert answer.json()["message"]["error"]["code"] == "err.signature.invalid"


async def test_our_signing_key_is_kept_sealed_and_a_plain_one_kept_before_is_sealed_in_place(registry_app):
    pool = registry_app.app.state.runtime.pool
    before = SigningKey.generate(OUR_ID)
    # as a registry of before sealing kept it (replacing whatever the worker may have made at start)
    await pool.execute("INSERT INTO service_secrets (name, value) VALUES ('dci-signing-key', $1)"
                       " ON CONFLICT (name) DO UPDATE SET value = excluded.value", before.to_pem().decode())
    published = (await registry_app.get("/.well-known/jwks.json")).json()
    assert published == before.jwks()
    assert is_sealed(await pool.fetchval("SELECT value FROM service_secrets WHERE name = 'dci-signing-key'"))
