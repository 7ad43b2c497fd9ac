"""Issue 4, acceptance 5 and 6: BPJS hears of every PBI JK change, retried until it answers; subscribers
receive signed deliveries."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
from siks_events.auth import Role
from siks_integration.adapters.delivery import sign

from .conftest import StubServer, eventually
from .test_death_report_flow import WIFE, death, known_to_integration, register_family


@pytest.fixture
async def bpjs(monkeypatch):
    """A BPJS stand-in that fails its first three requests; the integration service is pointed at it."""
    stub = StubServer(fail_first=3)
    monkeypatch.setenv("SIKS_BPJS_URL", stub.url)
    async with stub.running():
        yield stub


async def test_bpjs_is_notified_of_each_ended_pbi_jk_membership_retrying_until_it_recovers(bpjs, services, tokens):
    registry, integration = services
    await register_family(registry, tokens, [{"nik": WIFE["nik"], "program": "PBI_JK",
                                              "start_date": "2025-01-01"}])
    await known_to_integration(integration, tokens, WIFE)
    await integration.post("/v1/dukcapil/death-reports", json=death(WIFE, "KM-0100"),
                           headers=tokens(Role.DUKCAPIL))

    async def both_delivered():
        log = (await integration.get("/v1/bpjs/notifications", headers=tokens(Role.MINISTRY))).json()
        return log if len(log) == 2 and all(n["status"] == "delivered" for n in log) else None

    log = await eventually(both_delivered, timeout=90, what="BPJS to acknowledge both notifications")
    delivered = [json.loads(body) for _, body in bpjs.received]
    assert {(n["change"], n["effective_date"]) for n in delivered} == {("start", "2025-01-01"),
                                                                          ("end", "2026-10-02")}
    assert bpjs.answered[:3] == [503, 503, 503] and bpjs.answered.count(200) == 2
    assert sum(n["attempts"] for n in log) == 5, "three failed attempts, then one success each"
    attempts = [a for n in log for a in n["attempt_log"]]
    assert sorted(a["status_code"] for a in attempts) == [200, 200, 503, 503, 503]
    assert {n["nik"] for n in delivered} == {WIFE["nik"]}


async def test_a_subscriber_receives_signed_deliveries_and_a_wrong_secret_does_not_verify(services, tokens):
    registry, integration = services
    secret = "kemenkes-callback-secret-2026"
    callback = StubServer(fail_first=1)
    async with callback.running():
        created = await integration.post("/v1/subscriptions", headers=tokens(Role.SYSTEM, subject="satusehat"), json={
            "subscriber": "SATUSEHAT", "event_types": ["siks.registry.member-deceased.v1"],
            "region_prefix": "3571", "callback_url": callback.url, "secret": secret})
        assert created.status_code == 201, created.text
        subscription_id = created.json()["subscription_id"]
        await register_family(registry, tokens)
        await known_to_integration(integration, tokens, WIFE)
        await integration.post("/v1/dukcapil/death-reports", json=death(WIFE, "KM-0200"),
                               headers=tokens(Role.DUKCAPIL))

        async def delivered():
            return 200 in callback.answered

        await eventually(delivered, timeout=90, what="the subscriber's callback to acknowledge")
        missed = (await integration.get(f"/v1/subscriptions/{subscription_id}/deliveries",
                                        params={"missed": "true"}, headers=tokens(Role.SYSTEM))).json()
    headers, body = callback.received[-1]
    event = json.loads(body)
    assert event["type"] == "siks.registry.member-deceased.v1" and event["data"]["nik"] == WIFE["nik"]
    assert event["specversion"] == "1.0" and event["subject"] == WIFE["nik"]
    timestamp, signature = headers["x-siks-timestamp"], headers["x-siks-signature"]
    expected = "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(signature, expected)
    assert not hmac.compare_digest(signature, sign("someone-elses-secret-123", timestamp, body))
    assert not hmac.compare_digest(signature, sign(secret, timestamp, body + b" "))
    assert len(callback.received) == 2, "one failed attempt, then the retry that was acknowledged"
    assert missed == []
