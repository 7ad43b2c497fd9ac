"""Issue 20, acceptance 5: Dukcapil's civil registry over the DCI CRVS API. The integration service
subscribes to the (simulated) registry's vital events; a notified death deactivates the person once,
however often it is notified; a bad signature or a malformed notification is refused with the
standard's error and changes nothing.

The integration service is served over real HTTP here: the registry stand-in and our client call each other.
"""

from __future__ import annotations

import asyncio
import copy
from datetime import date

import httpx
import pytest
from pydantic_core import to_jsonable_python
from siks_events.auth import Role
from siks_events.dci import Jwks, SigningKey, callback_header, signed_answer
from siks_events.dci.envelope import MessageHeader, RequestStatus, new_id, now
from siks_events.devstack import free_port
from siks_events.pytest_plugin import listening, serving
from siks_events.sealing import SecretSealer
from siks_integration.adapters.api.dci_crvs_simulator import death_record, move_record
from siks_integration.adapters.dci_crvs.client import signing_key
from siks_integration.settings import CrvsSettings

from .conftest import eventually
from .test_death_report_flow import (
    CHILD,
    HEAD,
    NEW_VILLAGE,
    VILLAGE,
    WIFE,
    deceased_in_registry,
    person,
    register_family,
)

NOTIFY = "/v1/dci/crvs/registry/notify"


@pytest.fixture
async def crvs(service_settings, monkeypatch):
    """The registry (in process) and the integration service with the CRVS stand-in, on a port of its own."""
    from siks_integration.main import create_app as integration_app
    from siks_registry.main import create_app as registry_app

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    monkeypatch.setenv("SIKS_DCI_CRVS_URL", f"{base}/v1/simulators/dci-crvs")
    monkeypatch.setenv("SIKS_DCI_CRVS_CALLBACK_URL", f"{base}/v1/dci/crvs")
    monkeypatch.setenv("SIKS_DCI_CRVS_POLL_SECONDS", "0.2")
    registry = registry_app(service_settings("registry"))
    integration = integration_app(service_settings("integration", simulators=True))
    async with listening(integration, port), serving(registry) as registry_client, \
            httpx.AsyncClient(base_url=base, timeout=30) as client:
        registry_client.app, client.app = registry, integration
        yield registry_client, client


async def subscribed(integration, tokens) -> list[dict]:
    """Our subscriptions once the registry has confirmed one for each vital event we take."""

    async def confirmed():
        rows = (await integration.get("/v1/dci/crvs/subscriptions", headers=tokens(Role.MINISTRY))).json()
        return rows if sorted(r["reg_event_type"] for r in rows if r["status"] == "subscribed") == [
            "change_of_address", "death"] else None

    rows = await eventually(confirmed, what="the registry's on-subscribe for death and change of address")
    assert [r["reason"] for r in rows if r["status"] == "subscribed"] == [None, None]
    return rows


async def registered(integration, event_type: str, record: dict) -> list[dict]:
    """Register a vital event at the stand-in; what it notified and what we answered, per subscription."""
    response = await integration.post("/v1/simulators/dci-crvs/vital-events",
                                      json={"reg_event_type": event_type, "reg_records": record})
    assert response.status_code == 200, response.text
    return response.json()["notifications"]


def the_death_of(member: dict, drn: str) -> dict:
    return death_record(nik=member["nik"], name=member["full_name"], died_on=date(2026, 10, 2),
                        death_registration_number=drn, place_of_death="RSUD Gambiran")


async def deceased_events(registry, nik: str) -> int:
    return await registry.app.state.runtime.pool.fetchval(
        "SELECT count(*) FROM events WHERE type = 'siks.registry.member-deceased.v1' AND data->>'nik' = $1", nik)


async def test_a_crvs_death_notified_again_and_again_deactivates_the_person_exactly_once(crvs, tokens):
    registry, integration = crvs
    await register_family(registry, tokens, [{"nik": WIFE["nik"], "program": "PKH", "start_date": "2025-01-01"}])
    await subscribed(integration, tokens)
    published = Jwks.from_json((await integration.get("/.well-known/jwks.json")).json())
    ours = await signing_key(integration.app.state.runtime.pool, CrvsSettings(),
                             SecretSealer.from_settings(integration.app.state.settings))
    assert list(published.keys) == [ours.key_id]  # what the registry checks our subscriptions with

    first = await registered(integration, "death", the_death_of(WIFE, "3571-KM-0100"))
    assert [(n["status_code"], n["answer"]["message"]["ack_status"]) for n in first] == [(200, "ACK")]
    # The registry notifies again (retries, a second subscription, a replay): at once, and the same signed body.
    again = await asyncio.gather(*(registered(integration, "death", the_death_of(WIFE, "3571-KM-0100"))
                                   for _ in range(3)))
    dukcapil = tokens(Role.DUKCAPIL, subject="crvs")
    replays = await asyncio.gather(*(integration.post(NOTIFY, json=first[0]["sent"], headers=dukcapil)
                                     for _ in range(2)))
    assert [n["answer"]["message"]["ack_status"] for batch in again for n in batch] == ["ACK"] * 3
    assert [r.json()["message"]["ack_status"] for r in replays] == ["ACK"] * 2

    found = await deceased_in_registry(registry, tokens, WIFE["nik"], "the registry to apply the CRVS death")
    assert found["programs"][0]["active"] is False and found["programs"][0]["end_date"] == "2026-10-02"

    async def applied():
        report = (await integration.get("/v1/dukcapil/reports/death-3571-KM-0100", headers=tokens(Role.MINISTRY))).json()
        return report if report["status"] == "applied" else None

    report = await eventually(applied, what="the report marked applied")
    late = await registered(integration, "death", the_death_of(WIFE, "3571-KM-0100"))
    assert late[0]["answer"]["message"]["ack_status"] == "ACK"
    assert [s["type"].split(".")[2] for s in report["history"]] == ["deceased-reported", "civil-report-applied"]
    assert await deceased_events(registry, WIFE["nik"]) == 1


async def test_a_crvs_change_of_address_moves_the_person_to_the_new_village(crvs, tokens):
    registry, integration = crvs
    await register_family(registry, tokens)
    await subscribed(integration, tokens)
    notified = await registered(integration, "change_of_address", move_record(
        nik=WIFE["nik"], moving_certificate="SKPWNI-0100", from_region=VILLAGE, to_region=NEW_VILLAGE))
    assert [n["answer"]["message"]["ack_status"] for n in notified] == ["ACK"]
    there = tokens(Role.VILLAGE_OPERATOR, NEW_VILLAGE, subject="op-kota")

    async def arrived():
        listed = (await registry.get(f"/v1/villages/{NEW_VILLAGE}/arrivals", headers=there)).json()
        return [a["nik"] for a in listed] == [WIFE["nik"]]

    await eventually(arrived, what="the mover on the destination's arrivals list")
    report = (await integration.get("/v1/dukcapil/reports/move-SKPWNI-0100", headers=tokens(Role.MINISTRY))).json()
    assert report["kind"] == "move" and report["history"][0]["data"]["to_region"] == NEW_VILLAGE


def signed_by(key: SigningKey, message: dict, *, to: str = "siks-ng.kemensos.go.id") -> dict:
    request = MessageHeader(message_id=new_id(), message_ts=now(), action="notify", sender_id=to, total_count=1)
    header = callback_header(request, action="notify", status=RequestStatus.SUCCEEDED, sender_id=key.sender_id)
    return signed_answer(key, header, to_jsonable_python(message))


def notification_of(record: dict) -> dict:
    return {"transaction_id": new_id(), "notify_event": [{
        "reference_id": new_id(), "timestamp": now(),
        "data": {"version": "1.0.0", "reg_type": "ns:org:RegistryType:Civil", "reg_event_type": "death",
                 "reg_record_type": "spdci-extensions-dci:Person", "reg_records": record}}]}


async def test_a_notification_without_a_valid_signature_or_token_is_refused_and_changes_nothing(crvs, tokens):
    registry, integration = crvs
    await register_family(registry, tokens)
    await subscribed(integration, tokens)
    registry_key = integration.app.state.crvs_simulator.key
    dukcapil = tokens(Role.DUKCAPIL, subject="crvs")
    genuine = signed_by(registry_key, notification_of(the_death_of(HEAD, "3571-KM-0200")))

    tampered = copy.deepcopy(genuine)
    tampered["message"]["notify_event"][0]["data"]["reg_records"]["identifier"][0]["identifier_value"] = CHILD["nik"]
    forged = signed_by(SigningKey.generate(registry_key.sender_id), genuine["message"])
    unsigned = {k: v for k, v in genuine.items() if k != "signature"}
    elsewhere = signed_by(registry_key, genuine["message"], to="bpjs-kesehatan.go.id")
    answers = {name: await integration.post(NOTIFY, json=body, headers=dukcapil) for name, body in [
        ("tampered", tampered), ("forged", forged), ("unsigned", unsigned), ("for another", elsewhere)]}
    assert {name: (a.status_code, a.json()["message"]["ack_status"], a.json()["message"]["error"]["code"])
            for name, a in answers.items()} == {
        "tampered": (400, "ERR", "err.signature.invalid"), "forged": (400, "ERR", "err.signature.invalid"),
        "unsigned": (400, "ERR", "err.signature.missing"), "for another": (400, "ERR", "err.receiver_id.invalid")}

    no_token = await integration.post(NOTIFY, json=genuine)
    assert no_token.status_code == 401 and no_token.json()["errors"][0]["code"] == "err.request.unauthorized"
    village = await integration.post(NOTIFY, json=genuine, headers=tokens(Role.VILLAGE_OPERATOR, "3571011001"))
    assert village.status_code == 403 and village.json()["errors"][0]["code"] == "err.request.forbidden"

    for member in (HEAD, CHILD):
        assert (await person(registry, tokens, member["nik"]))["status"] == "active"
    missing = await integration.get("/v1/dukcapil/reports/death-3571-KM-0200", headers=tokens(Role.MINISTRY))
    assert missing.status_code == 404
    # The genuine one, sent last, is taken: what was refused was the signature, not the death.
    accepted = await integration.post(NOTIFY, json=genuine, headers=dukcapil)
    assert accepted.json()["message"]["ack_status"] == "ACK"
    await deceased_in_registry(registry, tokens, HEAD["nik"], "the genuine notification applied")
    assert (await person(registry, tokens, CHILD["nik"]))["status"] == "active"


async def test_a_malformed_notification_is_refused_with_its_reason_and_nothing_of_it_applies(crvs, tokens):
    registry, integration = crvs
    await register_family(registry, tokens)
    await subscribed(integration, tokens)
    no_certificate = the_death_of(CHILD, "3571-KM-0300")
    no_certificate["identifier"] = no_certificate["identifier"][:1]
    bad_nik = the_death_of(CHILD, "3571-KM-0301")
    bad_nik["identifier"][0]["identifier_value"] = "3571010000000000"

    notified = await registered(integration, "death", no_certificate)  # signed and sent by the stand-in
    assert [(n["status_code"], n["answer"]["message"]["ack_status"], n["answer"]["message"]["error"]["code"])
            for n in notified] == [(400, "ERR", "err.request.bad")]
    assert "no death registration number (identifier_type DRN)" in notified[0]["answer"]["message"]["error"]["message"]

    registry_key = integration.app.state.crvs_simulator.key
    dukcapil = tokens(Role.DUKCAPIL, subject="crvs")
    birth = notification_of(the_death_of(CHILD, "3571-KM-0302"))
    birth["notify_event"][0]["data"]["reg_event_type"] = "live_birth"
    for message, reason in [
            (notification_of(bad_nik), "the NIK is invalid"),
            (notification_of({"identifier": "not a person"}), "reg_records: identifier"),
            (birth, "reg_event_type 'live_birth' is not taken here"),
            ({"transaction_id": "t-1", "notify_event": []}, "notifies no event")]:
        answer = await integration.post(NOTIFY, json=signed_by(registry_key, message), headers=dukcapil)
        error = answer.json()["message"]["error"]
        assert (answer.status_code, answer.json()["message"]["ack_status"], error["code"]) == (
            400, "ERR", "err.request.bad"), answer.text
        assert reason in error["message"], error
    not_dci = await integration.post(NOTIFY, json={"header": {"action": "notify"}}, headers=dukcapil)
    assert not_dci.status_code == 400 and not_dci.json()["message"]["error"]["code"] == "err.request.bad"

    # One bad event in a notification refuses the whole notification: the good death beside it waits too.
    both = notification_of(the_death_of(WIFE, "3571-KM-0303"))
    both["notify_event"].append(notification_of(no_certificate)["notify_event"][0])
    answer = await integration.post(NOTIFY, json=signed_by(registry_key, both), headers=dukcapil)
    assert answer.status_code == 400 and "no death registration number" in answer.json()["message"]["error"]["message"]

    reports = (await integration.get("/v1/dukcapil/reports", headers=tokens(Role.MINISTRY))).json()
    assert reports == []
    for member in (CHILD, WIFE):
        assert (await person(registry, tokens, member["nik"]))["status"] == "active"
