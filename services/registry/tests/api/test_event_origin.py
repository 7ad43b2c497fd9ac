"""Acceptance 5 of issue 17: the registry applies an event only from the topic, source and kind of actor that own it."""

from __future__ import annotations

from datetime import date

from siks_events.catalog.integration import DeathReported
from siks_events.catalog.registry import MemberDeceased

from ..builders import SITI, household
from .messages import eventually, publish

DIED_ON = date(2026, 10, 2)


async def test_events_not_from_their_owner_are_dead_lettered_with_the_reason_and_change_nothing(registry_app, token):
    household_id = (await registry_app.post("/v1/households", json=household(), headers=token())).json()["household_id"]
    pool = registry_app.app.state.runtime.pool
    before = await pool.fetchval("SELECT count(*) FROM events WHERE stream_id = $1", household_id)
    death = DeathReported(report_id="lk-1", nik=SITI["nik"], name=SITI["full_name"], died_on=DIED_ON,
                          certificate_number="3571-KM-02102026-0001")
    forged = {
        # a registry type on the integration topic, published with the registry's own source
        "registry-type-on-integration-topic": (
            MemberDeceased(household_id=household_id, nik=SITI["nik"], died_on=DIED_ON),
            dict(topic="siks.integration.events", source="/siks-ng/registry")),
        # the integration service's type, sent by someone else
        "death-from-another-source": (death, dict(source="/dukcapil/jawa-timur")),
        # from the owner, but recorded as caused by a role that may change nothing
        "death-caused-by-an-auditor": (death, dict(actorrole="auditor")),
    }
    for event_id, (event, how) in forged.items():
        await publish(registry_app, event, event_id, **how)

    async def letters():
        return await pool.fetch("SELECT event_id, reason_code, reason FROM dead_letters WHERE event_id = ANY($1)",
                                list(forged))

    found = {row["event_id"]: row for row in await eventually(letters, until=lambda rows: len(rows) == len(forged))}
    assert {row["reason_code"] for row in found.values()} == {"not-from-owner"}
    assert "siks.integration.events" in found["registry-type-on-integration-topic"]["reason"]
    assert "/dukcapil/jawa-timur" in found["death-from-another-source"]["reason"]
    assert "auditor" in found["death-caused-by-an-auditor"]["reason"]
    person = (await registry_app.get(f"/v1/persons/{SITI['nik']}", headers=token())).json()
    assert person["status"] == "active"
    assert await pool.fetchval("SELECT count(*) FROM events WHERE stream_id = $1", household_id) == before
