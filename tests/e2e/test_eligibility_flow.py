"""Issue 16, acceptance 2 across services: Dukcapil reports a death, the registry deactivates the member, and the
eligibility service gives the PKH slot the household held under a full quota to the household waiting next."""

from __future__ import annotations

import asyncio
import contextlib

from aiokafka import AIOKafkaConsumer
from siks_eligibility.adapters.postgres import slots
from siks_eligibility.main import create_app as eligibility_app
from siks_events import kafka
from siks_events.auth import Role
from siks_events.catalog.eligibility import TOPIC, EndReason, QuotaSlotReallocated
from siks_events.catalog.registry import Program
from siks_events.envelope import Envelope
from siks_events.pytest_plugin import serving

from .conftest import eventually
from .test_death_report_flow import death, known_to_integration

VILLAGE, REGENCY = "3571011001", "3571"
HOUSEHOLDS = 10  # the poorest 40% of a regency are within PKH's decile limit: four households
WELL_OFF = {"housing": {"electricity_va": 3500, "floor_material": "ceramic", "roof_material": "concrete"},
            "assets": {"vehicles": ["car", "motorcycle"], "appliances": ["refrigerator", "air_conditioner", "tv"]}}
"""Six of the ten households: far better off than the four poor ones, whom one death does not move past them."""


def _family(serial: int) -> tuple[dict, dict]:
    head = {"nik": f"357101170580{serial:04d}", "full_name": f"Kepala {serial}", "sex": "male",
            "birth_date": "1980-05-17", "relationship": "head"}
    grandmother = {"nik": f"357101430255{serial:04d}", "full_name": f"Nenek {serial}", "sex": "female",
                   "birth_date": "1955-02-03", "relationship": "parent"}  # 60 or over: the household's PKH component
    return head, grandmother


async def test_a_death_reported_by_dukcapil_gives_the_pkh_slot_to_the_household_waiting_next(
        services, tokens, service_settings):
    registry, integration = services
    app = eligibility_app(service_settings("eligibility"))
    async with serving(app) as eligibility:
        ministry = tokens(Role.MINISTRY)
        await eventually(lambda: _served(eligibility, ministry), what="the first projection version")
        await slots.set_quota(app.state.runtime.pool, Program.PKH, REGENCY, 3)

        settings = app.state.settings
        topic = settings.topic_prefix + TOPIC
        await kafka.ensure_topics(settings.kafka_bootstrap_servers, [topic], partitions=settings.kafka_partitions)
        heard: list[Envelope] = []
        listening = asyncio.create_task(_listen(settings.kafka_bootstrap_servers, topic, heard))
        try:
            grandmothers = {}
            for serial in range(1, HOUSEHOLDS + 1):
                head, grandmother = _family(serial)
                created = await registry.post("/v1/households", headers=tokens(Role.VILLAGE_OPERATOR, VILLAGE), json={
                    "kk_number": f"35710101010900{serial:02d}", "region_code": VILLAGE, "address": f"Jl. Melati {serial}",
                    "members": [head, grandmother], **(WELL_OFF if serial > 4 else {})})
                assert created.status_code == 201, created.text
                grandmothers[created.json()["household_id"]] = grandmother

            async def settled():
                for household_id in grandmothers:
                    answer = await eligibility.get(f"/v1/eligibility/households/{household_id}", headers=ministry)
                    if answer.status_code != 200:
                        return None
                waiting = (await eligibility.get(f"/v1/eligibility/programs/PKH/regencies/{REGENCY}/waiting-list",
                                                 headers=ministry)).json()
                return waiting if (waiting["holders"], len(waiting["waiting"])) == (3, 1) else None

            await eventually(settled, what="every household decided, three holding PKH slots and one waiting")
            listed = (await eligibility.get(f"/v1/eligibility/programs/PKH/regions/{REGENCY}/beneficiaries",
                                            headers=ministry)).json()
            holders = {b["household_id"] for b in listed if b["holds_slot"]}
            household_id = sorted(holders)[0]
            grandmother = grandmothers[household_id]

            await known_to_integration(integration, tokens, grandmother)
            reported = await integration.post("/v1/dukcapil/death-reports", json=death(grandmother, "KM-1601"),
                                              headers=tokens(Role.DUKCAPIL, subject="dukcapil-jatim"))
            assert reported.status_code == 202, reported.text

            async def reallocated():
                return [e for e in (h.event() for h in heard) if isinstance(e, QuotaSlotReallocated)
                        and e.from_household_id == household_id]

            [slot] = await eventually(reallocated, what="the freed slot's reallocation on the eligibility topic")
            assert (slot.program, slot.regency, slot.reason) == (Program.PKH, REGENCY, EndReason.DECEASED)
            assert slot.to_household_id not in holders and slot.to_household_id in grandmothers
            now = (await eligibility.get(f"/v1/eligibility/programs/PKH/regions/{REGENCY}/beneficiaries",
                                         headers=ministry)).json()
            assert {b["household_id"] for b in now if b["holds_slot"]} == holders - {household_id} | {slot.to_household_id}
        finally:
            listening.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listening


async def _served(eligibility, headers) -> bool:
    answer = await eligibility.get("/v1/eligibility/projection", headers=headers)
    return answer.status_code == 200 and answer.json()["served"] is not None


async def _listen(bootstrap_servers: str, topic: str, heard: list[Envelope]) -> None:
    """A subscriber of the eligibility topic, as BPJS would read it."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap_servers, group_id=None, auto_offset_reset="earliest",
                                metadata_max_age_ms=500)
    await consumer.start()
    try:
        while True:
            for records in (await consumer.getmany(timeout_ms=200)).values():
                heard.extend(Envelope.from_kafka(r.key, r.value, r.headers) for r in records)
    finally:
        await consumer.stop()
