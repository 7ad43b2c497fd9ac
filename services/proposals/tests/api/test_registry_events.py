"""The registry's events reach the proposals service over the broker: a death cancels open proposals, once."""

from __future__ import annotations

import asyncio
from datetime import date

from aiokafka import AIOKafkaProducer
from siks_events.catalog.registry import MemberDeceased, ProposalRefused

from ..builders import ANI, HOUSEHOLD, SITI, add_household, enrol
from .registry_news import envelope
from .test_periods import household_with_memberships, submitted
from .test_proposals import OFFICE


async def publish(client, event, stream_id: str, version: int) -> None:
    settings = client.app.state.settings
    key, value, headers = envelope(event, stream_id, version).to_kafka()
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers)
    await producer.start()
    try:
        await producer.send_and_wait(settings.topic_prefix + event.topic, value, key=key, headers=headers)
    finally:
        await producer.stop()


async def eventually(probe, until, timeout: float = 30.0):
    """Poll `probe` until `until` holds for what it returns, and return that; fail with the last value seen."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        seen = await probe()
        if until(seen):
            return seen
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not within {timeout} s; last seen: {seen!r}")
        await asyncio.sleep(0.2)


async def test_a_death_published_by_the_registry_cancels_the_open_proposals_about_the_person(proposals_service, token):
    await household_with_memberships(proposals_service)
    about_ani = await submitted(proposals_service, token, enrol(ANI, program="PIP"))
    about_siti = await submitted(proposals_service, token, enrol(SITI, program="SEMBAKO"))
    new_household_with_ani = await submitted(proposals_service, token, add_household())
    await publish(proposals_service, MemberDeceased(household_id=HOUSEHOLD, nik=ANI.nik, died_on=date(2026, 11, 2)),
                  HOUSEHOLD, 5)

    async def status(pid):
        return (await proposals_service.get(f"/v1/proposals/{pid}", headers=token())).json()

    cancelled = await eventually(lambda: status(about_ani), until=lambda p: p["status"] == "cancelled")
    assert cancelled["reason"] == "siks.registry.member-deceased.v1: the person died on 2026-11-02"
    assert (await status(new_household_with_ani))["status"] == "cancelled"
    assert (await status(about_siti))["status"] == "submitted"
    timeline = (await proposals_service.get(f"/v1/proposals/{about_ani}/timeline", headers=token())).json()
    assert [e["type"].split(".")[2] for e in timeline].count("proposal-cancelled") == 1
    assert timeline[-1]["command"] == "proposals.registry:siks.registry.member-deceased.v1"


async def test_the_registrys_refusal_closes_the_approved_proposal_with_its_reason(proposals_service, token):
    await household_with_memberships(proposals_service)
    pid = await submitted(proposals_service, token, enrol(SITI, program="PKH"))
    await proposals_service.post(f"/v1/proposals/{pid}/approval", headers=token(**OFFICE))
    await publish(proposals_service, ProposalRefused(proposal_id=pid, reason_code="already-enrolled",
                                                 reason="PKH membership of this member is already open"), HOUSEHOLD, 6)

    async def status():
        return (await proposals_service.get(f"/v1/proposals/{pid}", headers=token())).json()

    refused = await eventually(status, until=lambda p: p["status"] == "refused")
    assert refused["reason"] == "PKH membership of this member is already open"
