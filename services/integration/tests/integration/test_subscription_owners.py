"""A subscriber sees only its own subscriptions and their deliveries; overseers see them all; an event is
queued only for subscriptions whose type and region filters it passes."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from siks_events.auth import Role
from siks_events.envelope import Envelope
from siks_events.pytest_plugin import serving
from siks_events.sealing import SecretSealer, generate_key
from siks_integration.adapters.postgres import deliveries, subscriptions
from siks_integration.main import create_app

DECEASED = "siks.registry.member-deceased.v1"
ENROLLED = "siks.registry.program-enrolled.v1"


@pytest.fixture
async def integration(service_settings, local_issuer):
    app = create_app(service_settings("integration", consumers_enabled=False, relay_enabled=False))
    async with serving(app) as client:
        def as_(role: Role, subject: str) -> dict:
            return {"Authorization": f"Bearer {local_issuer.issue(role=role, region='', subject=subject)}"}

        yield client, as_


async def subscribe(client, headers, subscriber: str) -> str:
    created = await client.post("/v1/subscriptions", headers=headers, json={
        "subscriber": subscriber, "event_types": [DECEASED], "callback_url": "http://127.0.0.1:9/hook",
        "secret": "a-secret-of-thirty-two-characters"})
    assert created.status_code == 201, created.text
    return created.json()["subscription_id"]


def comparable(response) -> tuple[int, dict]:
    body = {k: v for k, v in response.json().items() if k not in ("request_id", "instance")}
    return response.status_code, body


async def test_a_subscriber_lists_and_reads_only_its_own_subscriptions_and_deliveries(integration):
    client, as_ = integration
    bpjs, partner = as_(Role.BPJS, "bpjs-kesehatan"), as_(Role.DCI_PARTNER, "dci-partner-1")
    own = await subscribe(client, partner, "partner")
    others = await subscribe(client, bpjs, "bpjs")

    listed = (await client.get("/v1/subscriptions", headers=partner)).json()
    assert [s["subscription_id"] for s in listed] == [own]
    assert listed[0]["owner"] == "dci-partner-1" and "secret" not in listed[0]
    assert (await client.get(f"/v1/subscriptions/{own}", headers=partner)).status_code == 200
    assert (await client.get(f"/v1/subscriptions/{own}/deliveries", headers=partner)).json() == []

    for path in ("/v1/subscriptions/{}", "/v1/subscriptions/{}/deliveries"):
        another = await client.get(path.format(others), headers=partner)
        missing = await client.get(path.format(uuid.uuid4()), headers=partner)
        assert comparable(another) == comparable(missing), path
        assert another.status_code == 403 and another.json()["type"].endswith("not-accessible")


async def test_the_ministry_sees_every_subscription_and_is_told_404_for_a_missing_one(integration):
    client, as_ = integration
    first = await subscribe(client, as_(Role.BPJS, "bpjs-kesehatan"), "bpjs")
    second = await subscribe(client, as_(Role.DCI_PARTNER, "dci-partner-1"), "partner")
    ministry = as_(Role.MINISTRY, "kemensos-pusdatin")

    listed = (await client.get("/v1/subscriptions", headers=ministry)).json()
    assert {first, second} <= {s["subscription_id"] for s in listed}
    assert (await client.get(f"/v1/subscriptions/{first}/deliveries", headers=ministry)).status_code == 200
    missing = await client.get(f"/v1/subscriptions/{uuid.uuid4()}", headers=ministry)
    assert missing.status_code == 404 and missing.json()["type"].endswith("subscription-not-found")


def envelope(event_type: str) -> Envelope:
    return Envelope(id=str(uuid.uuid4()), source="/siks-ng/registry", type=event_type, subject="3571011705800001",
                    time=datetime.now(UTC), data={})


async def test_an_event_is_queued_only_for_subscriptions_of_its_type_and_region(pool):
    async def subscription(event_types: list[str], region_prefix: str) -> str:
        subscription_id = str(uuid.uuid4())
        await subscriptions.add(pool, SecretSealer.from_text(generate_key()), subscription_id=subscription_id,
                                subscriber="s", event_types=event_types,
                                region_prefix=region_prefix, callback_url="http://127.0.0.1:9/hook",
                                secret="s" * 32, owner="someone")
        return subscription_id

    kediri = await subscription([DECEASED], "3571")
    everywhere = await subscription([ENROLLED, DECEASED], "")
    other_type = await subscription([ENROLLED], "3571")
    other_region = await subscription([DECEASED], "3573")
    other_village = await subscription([DECEASED], "3571011002")

    async with pool.acquire() as connection:
        await deliveries.fan_out(connection, envelope(DECEASED), "3571011001")
    queued = {row["subscription_id"] for row in await pool.fetch("SELECT subscription_id FROM outbound_deliveries")}
    assert queued == {kediri, everywhere}
    assert not queued & {other_type, other_region, other_village}

    async with pool.acquire() as connection:  # an event whose region is unknown reaches no region-filtered one
        await deliveries.fan_out(connection, envelope(DECEASED), "")
    rows = await pool.fetch("SELECT subscription_id, count(*) AS n FROM outbound_deliveries GROUP BY subscription_id")
    assert {row["subscription_id"]: row["n"] for row in rows} == {kediri: 1, everywhere: 2}
