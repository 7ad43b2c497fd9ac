"""Issue 20, acceptance 4: DTKS events as DCI notifications to subscribers, live and replayed from a date."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta

from siks_events.catalog.integration import DeathReported

from ..builders import ANI, SITI, household, person
from .dci_partner import verified
from .messages import eventually, publish

DIED_ON = date(2026, 10, 2)


def subscribe_message(event_type: str = "DEATH", *, since: datetime | None = None, region: str | None = None) -> dict:
    criteria = {"version": "1.0.0", "reg_type": "ns:org:RegistryType:Social", "reg_event_type": event_type,
                "notify_record_type": "Member", "authorize": ""}
    if since is not None:
        criteria["frequency"] = {"start_time": since.isoformat(), "end_time": "", "frequency": ""}
    if region is not None:
        criteria |= {"filter_type": "predicate", "filter": [
            {"expression1": {"attribute_name": "region_code", "operator": "eq", "attribute_value": region}}]}
    return {"transaction_id": f"sub-{event_type}-{time.monotonic_ns()}", "subscribe_request": [
        {"reference_id": "s-1", "timestamp": datetime.now(UTC).isoformat(), "subscribe_criteria": criteria,
         "locale": "eng"}]}


async def subscribed(partner, receiver, message: dict) -> list[str]:
    """Subscribe; the codes the signed on-subscribe callback names."""
    answer = await partner.post("subscribe", partner.envelope("subscribe", message))
    assert answer.status_code == 200 and answer.json()["message"]["ack_status"] == "ACK", answer.text
    correlation_id = answer.json()["message"]["correlation_id"]

    async def callback():
        return [b for b in receiver.bodies("/registry/on-subscribe") if b["message"]["correlation_id"] == correlation_id]

    (body,) = await eventually(callback, timeout=15)
    body = await verified(partner.client, body)
    assert body["header"]["action"] == "on-subscribe"
    return [s["code"] for item in body["message"]["subscribe_response"] for s in item["subscriptions"]]


async def died(client, person: dict, report: str) -> None:
    await publish(client, DeathReported(report_id=report, nik=person["nik"], name=person["full_name"], died_on=DIED_ON,
                                        certificate_number=f"3571-KM-{report}"), f"dk-{report}")


def notified_niks(receiver) -> list[str]:
    return [event["data"]["reg_records"]["member_identifier"][0]["identifier_value"]
            for body in receiver.bodies("/registry/notify") for event in body["message"]["notify_event"]]


async def test_a_subscriber_is_notified_of_a_dtks_death_within_seconds_signed_and_once(
        registry_app, token, onboard, receiver):
    await registry_app.post("/v1/households", json=household(), headers=token())
    partner = await onboard()
    elsewhere = await onboard(region="3506", sender="kediri-kabupaten.example.org")
    (code,) = await subscribed(partner, receiver, subscribe_message())
    await subscribed(elsewhere, receiver, subscribe_message())
    started = time.monotonic()
    await died(registry_app, SITI, "1")

    async def notifications():
        return receiver.bodies("/registry/notify")

    (body,) = await eventually(notifications, timeout=10)
    elapsed = time.monotonic() - started
    body = await verified(registry_app, body)
    assert body["header"]["action"] == "notify" and body["header"]["receiver_id"] == partner.key.sender_id
    (event,) = body["message"]["notify_event"]
    assert event["data"]["reg_event_type"] == "DEATH" and event["data"]["response_entity"] == "Member"
    member = event["data"]["reg_records"]
    assert member["member_identifier"][0]["identifier_value"] == SITI["nik"]
    assert member["is_deceased"] is True and member["death_date"] == DIED_ON.isoformat()
    assert elapsed < 10, f"the notification took {elapsed:.1f} s"

    await died(registry_app, SITI, "1")  # the same report again changes nothing in DTKS, so nothing new is sent
    pool = registry_app.app.state.runtime.pool
    assert await pool.fetchval("SELECT count(*) FROM dci_outbox WHERE subscription_code = $1", code) == 1
    # the partner of another region is told nothing of a death outside it
    assert await pool.fetchval("SELECT count(*) FROM dci_outbox o JOIN dci_subscriptions s"
                               " ON s.code = o.subscription_code WHERE s.sender_id = $1",
                               "kediri-kabupaten.example.org") == 0


async def test_a_late_subscriber_asking_from_a_date_gets_what_it_missed(registry_app, token, onboard, receiver):
    before = datetime.now(UTC) - timedelta(minutes=1)
    await registry_app.post("/v1/households", json=household(), headers=token())
    await died(registry_app, SITI, "2")
    national = token(role="ministry", region="", subject="pusdatin")

    async def deceased():
        return (await registry_app.get(f"/v1/persons/{SITI['nik']}", headers=national)).json().get("status")

    await eventually(deceased, until=lambda s: s == "deceased")
    partner = await onboard()
    await subscribed(partner, receiver, subscribe_message(since=before, region="3571"))

    async def missed():
        return notified_niks(receiver)

    assert await eventually(missed, timeout=10) == [SITI["nik"]]
    await died(registry_app, ANI, "3")  # and it goes on hearing of what happens next
    assert await eventually(missed, until=lambda niks: len(niks) == 2, timeout=10) == [SITI["nik"], ANI["nik"]]


async def test_registrations_are_notified_as_groups_and_an_unsubscribed_partner_hears_nothing_more(
        registry_app, token, onboard, receiver):
    partner = await onboard()
    (code,) = await subscribed(partner, receiver, subscribe_message("REGISTER"))
    await registry_app.post("/v1/households", json=household(), headers=token())

    async def groups():
        return [e["data"]["reg_records"] for b in receiver.bodies("/registry/notify") for e in b["message"]["notify_event"]]

    (group,) = await eventually(groups, timeout=10)
    assert group["@type"] == "Group" and group["group_size"] == 3

    message = {"transaction_id": "unsub-1", "timestamp": datetime.now(UTC).isoformat(), "subscription_codes": [code]}
    answer = await partner.post("unsubscribe", partner.envelope("unsubscribe", message))
    assert answer.json()["message"]["ack_status"] == "ACK"

    async def unsubscribed():
        return receiver.bodies("/registry/on-unsubscribe")

    (body,) = await eventually(unsubscribed, timeout=10)
    assert body["message"]["subscription_status"] == [{"code": code, "status": "unsubscribe"}]
    assert body["message"]["status"] == "succ"
    pool = registry_app.app.state.runtime.pool
    assert await pool.fetchval("SELECT status FROM dci_subscriptions WHERE code = $1", code) == "unsubscribe"


async def test_an_unknown_event_type_is_rejected_in_the_on_subscribe_callback(registry_app, onboard, receiver):
    partner = await onboard()
    assert await subscribed(partner, receiver, subscribe_message("BIRTH")) == []
    (body,) = receiver.bodies("/registry/on-subscribe")
    item = body["message"]["subscribe_response"][0]
    assert (item["status"], item["status_reason_code"]) == ("rjct", "rjct.notify_types.invalid")
    assert body["header"]["status"] == "rjct"


async def test_member_changes_are_notified_each_as_its_event_type_from_one_batched_subscription(
        registry_app, token, onboard, receiver):
    household_id = (await registry_app.post("/v1/households", json=household(), headers=token())).json()["household_id"]
    partner = await onboard()
    batch = subscribe_message("NewHouseHoldMember")
    for n, kind in enumerate(("UpdateHouseHoldMember", "RemoveHouseHoldMember"), 2):
        extra = subscribe_message(kind)["subscribe_request"][0]
        batch["subscribe_request"].append({**extra, "reference_id": f"s-{n}"})
    assert len(await subscribed(partner, receiver, batch)) == 3

    baby = person("Bayu Santoso", date(2026, 8, 1), "male", "child", serial=9)
    base = f"/v1/households/{household_id}"
    for method, path, body in (("POST", "/members", baby), ("PUT", "/members", {**SITI, "occupation": "pedagang"}),
                               ("POST", "/members/removal", {"nik": ANI["nik"], "reason": "ikut nenek"})):
        answer = await registry_app.request(method, base + path, json=body, headers=token())
        assert answer.status_code == 204, answer.text

    async def changes():
        return sorted((event["data"]["reg_event_type"], event["data"]["reg_records"]["member_identifier"][0]
                       ["identifier_value"]) for body in receiver.bodies("/registry/notify")
                      for event in body["message"]["notify_event"])

    assert await eventually(changes, until=lambda seen: len(seen) == 3, timeout=10) == sorted([
        ("NewHouseHoldMember", baby["nik"]), ("UpdateHouseHoldMember", SITI["nik"]),
        ("RemoveHouseHoldMember", ANI["nik"])])
