"""Events in and out over the broker: the submission is published as **proposed**; the registry's death
and refusal reach the proposals service and close what they concern."""

from __future__ import annotations

import asyncio
from datetime import date

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from siks_events.catalog.proposals import TOPIC, ProposalSubmitted
from siks_events.catalog.registry import MemberDeceased, ProposalRefused
from siks_events.envelope import Envelope
from siks_events.pytest_plugin import eventually

from ..builders import ANI, HOUSEHOLD, KK, SITI, VILLAGE, add_household, enrol
from .support import OFFICE, envelope, household_with_memberships, submitted


async def publish(client, event, stream_id: str, version: int) -> None:
    settings = client.app.state.settings
    key, value, headers = envelope(event, stream_id, version).to_kafka()
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers)
    await producer.start()
    try:
        await producer.send_and_wait(settings.topic_prefix + event.topic, value, key=key, headers=headers)
    finally:
        await producer.stop()


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


async def published(client, types: set[str], count: int, timeout: float = 30.0) -> list[Envelope]:
    """The first `count` envelopes of these types on the service's own topic; fails if fewer arrive in time."""
    settings = client.app.state.settings
    consumer = AIOKafkaConsumer(settings.topic_prefix + TOPIC, bootstrap_servers=settings.kafka_bootstrap_servers,
                                auto_offset_reset="earliest", enable_auto_commit=False)
    await consumer.start()
    found: list[Envelope] = []
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while len(found) < count:
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"{len(found)} of {count} events of {types} published within {timeout} s")
            batches = await consumer.getmany(timeout_ms=500)
            for record in (r for records in batches.values() for r in records):
                envelope = Envelope.from_kafka(record.key, record.value, record.headers)
                if envelope.type in types:
                    found.append(envelope)
    finally:
        await consumer.stop()
    return found


async def test_a_submission_is_published_as_proposed_with_what_the_visit_needs(proposals_service, token):
    pid = await submitted(proposals_service, token, add_household())
    [proposed] = await published(proposals_service, {ProposalSubmitted.type}, 1)
    event = proposed.event()
    assert (proposed.key, event.proposal_id, event.needs_visit, event.period) == (pid, pid, True, "2026-11")
    assert (event.region_code, event.kk_number, len(event.niks)) == (VILLAGE, KK, 3)
    assert proposed.extensions["actor"] == "op-bandar-lor"
