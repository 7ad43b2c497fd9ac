"""Issue 4, acceptance 1, 3 and 4: Dukcapil's reports flow through integration into the registry."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from siks_events.auth import Role
from siks_events.catalog.dukcapil import DukcapilDeathRecorded
from siks_events.envelope import Envelope

from .conftest import eventually

VILLAGE, NEW_VILLAGE = "3571011001", "3571021001"
KK = "3571010101090001"
HEAD = {"nik": "3571011705800001", "full_name": "Budi Santoso", "sex": "male", "birth_date": "1980-05-17",
        "relationship": "head"}
WIFE = {"nik": "3571014302840002", "full_name": "Siti Aminah", "sex": "female", "birth_date": "1984-02-03",
        "relationship": "spouse"}
CHILD = {"nik": "3571016109120003", "full_name": "Ani Lestari", "sex": "female", "birth_date": "2012-09-21",
         "relationship": "child"}


async def register_family(registry, tokens, programs=()):
    response = await registry.post(
        "/v1/households", headers=tokens(Role.VILLAGE_OPERATOR, VILLAGE),
        json={"kk_number": KK, "region_code": VILLAGE, "address": "Jl. Mayor Bismo 12",
              "members": [HEAD, WIFE, CHILD], "programs": list(programs)})
    assert response.status_code == 201, response.text
    return response.json()["household_id"]


async def known_to_integration(integration, tokens, member: dict) -> None:
    """Wait until the integration service has heard of the person from the registry's events."""

    async def found():
        answer = await integration.post("/v1/dukcapil/nik-check", headers=tokens(Role.SYSTEM), json={
            "nik": member["nik"], "name": member["full_name"], "birth_date": member["birth_date"]})
        return answer.json() if answer.json()["found"] else None

    answer = await eventually(found, what="the registry's events to reach the integration service")
    assert answer == {"nik_well_formed": True, "found": True, "name_matches": True, "birth_date_matches": True}


def death(person: dict, certificate: str) -> dict:
    return {"nik": person["nik"], "name": person["full_name"], "died_on": "2026-10-02",
            "place_of_death": "RS Gambiran, Kediri", "certificate_number": certificate,
            "reporting_office": "Disdukcapil Kota Kediri"}


async def person(registry, tokens, nik: str) -> dict:
    return (await registry.get(f"/v1/persons/{nik}", headers=tokens(Role.MINISTRY))).json()


async def deceased_in_registry(registry, tokens, nik: str, what: str) -> dict:
    """The person's record once the registry shows them deceased."""

    async def deceased():
        found = await person(registry, tokens, nik)
        return found if found["status"] == "deceased" else None

    return await eventually(deceased, what=what)


async def publish_inbound(integration, event, event_id: str | None = None, raw: bytes | None = None) -> None:
    settings = integration.app.state.settings
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers)
    await producer.start()
    try:
        topic = settings.topic_prefix + "dukcapil.civil-events"
        if raw is not None:
            await producer.send_and_wait(topic, raw, key=b"garbage")
            return
        envelope = Envelope(id=event_id, source="/dukcapil/jawa-timur", type=event.type, subject=event.subject(),
                            time=datetime.now(UTC), data=event.model_dump(mode="json"), key=event.subject())
        key, value, headers = envelope.to_kafka()
        await producer.send_and_wait(topic, value, key=key, headers=headers)
    finally:
        await producer.stop()


async def test_a_death_reported_over_http_deactivates_the_member_and_ends_pkh(services, tokens):
    registry, integration = services
    await register_family(registry, tokens, [{"nik": WIFE["nik"], "program": "PKH", "start_date": "2025-01-01"}])
    await known_to_integration(integration, tokens, WIFE)
    accepted = await integration.post("/v1/dukcapil/death-reports", json=death(WIFE, "KM-0001"),
                                      headers=tokens(Role.DUKCAPIL, subject="dukcapil-jatim"))
    assert accepted.status_code == 202, accepted.text
    receipt = accepted.json()
    assert receipt["status"] == "translated" and receipt["status_url"].endswith(receipt["report_id"])

    found = await deceased_in_registry(registry, tokens, WIFE["nik"], "the registry to apply the death")
    assert found["programs"] == [{"program": "PKH", "active": False, "start_date": "2025-01-01",
                                  "end_date": "2026-10-02"}]

    async def applied():
        report = (await integration.get(f"/v1/dukcapil/reports/{receipt['report_id']}",
                                        headers=tokens(Role.MINISTRY))).json()
        return report if report["status"] == "applied" else None

    report = await eventually(applied, what="the report to be marked applied")
    assert [step["type"].split(".")[2] for step in report["history"]] == ["deceased-reported",
                                                                         "civil-report-applied"]
    by_nik = (await integration.get("/v1/dukcapil/reports", params={"nik": WIFE["nik"]},
                                    headers=tokens(Role.MINISTRY))).json()
    assert [r["report_id"] for r in by_nik] == [receipt["report_id"]]


async def test_a_death_published_on_dukcapils_topic_has_the_same_effect(services, tokens):
    registry, integration = services
    await register_family(registry, tokens, [{"nik": HEAD["nik"], "program": "PKH", "start_date": "2025-01-01"}])
    event = DukcapilDeathRecorded(nik=HEAD["nik"], name=HEAD["full_name"], died_on=date(2026, 10, 3),
                                  certificate_number="KM-0002")
    await publish_inbound(integration, event, "dk-evt-1")

    found = await deceased_in_registry(registry, tokens, HEAD["nik"], "the death from Dukcapil's topic")
    assert found["programs"][0]["active"] is False
    household = (await registry.get(f"/v1/households/{found['household_id']}", headers=tokens(Role.MINISTRY))).json()
    assert household["needs_new_head"] is True


async def test_a_whole_kk_move_moves_everyone_and_a_later_death_still_applies(services, tokens):
    registry, integration = services
    await register_family(registry, tokens)
    dukcapil = tokens(Role.DUKCAPIL, subject="dukcapil-jatim")
    moved = await integration.post("/v1/dukcapil/domicile-moves", headers=dukcapil, json={
        "move_id": "SPK-2026-0001", "kk_number": KK, "from_region": VILLAGE, "to_region": NEW_VILLAGE,
        "moved_on": "2026-09-01"})
    assert moved.status_code == 202, moved.text

    async def all_moved():
        page = (await registry.get("/v1/persons", params={"region": NEW_VILLAGE}, headers=tokens(Role.MINISTRY))).json()
        return page if page["total"] == 3 else None

    await eventually(all_moved, what="the whole KK at the new village")
    old = (await registry.get("/v1/persons", params={"region": VILLAGE}, headers=tokens(Role.MINISTRY))).json()
    assert old["total"] == 0

    await integration.post("/v1/dukcapil/death-reports", json=death(CHILD, "KM-0003"), headers=dukcapil)

    found = await deceased_in_registry(registry, tokens, CHILD["nik"], "the death after the move")
    assert found["region_code"] == NEW_VILLAGE


async def test_garbage_invalid_and_unknown_reports_each_get_their_outcome_and_block_nothing(services, tokens):
    registry, integration = services
    await register_family(registry, tokens)
    dukcapil = tokens(Role.DUKCAPIL, subject="dukcapil-jatim")

    # HTTP: schema-invalid is a problem naming the field; an unknown NIK is accepted as pending (the DTKS
    # copy may be behind), then listed as unmatched once the copy has caught up with the registry
    invalid = await integration.post("/v1/dukcapil/death-reports", headers=dukcapil,
                                     json=death(HEAD, "KM-0010") | {"nik": "12345"})
    assert invalid.status_code == 422 and invalid.json()["errors"][0]["pointer"] == "#/nik"
    stranger = {"nik": "3571012501700001", "full_name": "Orang Asing"}
    unmatched = await integration.post("/v1/dukcapil/death-reports", json=death(stranger, "KM-0011"),
                                       headers=dukcapil)
    assert unmatched.status_code == 202 and unmatched.json()["status"] == "pending"

    async def listed_unmatched():
        review = (await integration.get("/v1/dukcapil/reports", params={"status": "unmatched"},
                                        headers=tokens(Role.MINISTRY))).json()
        return [r["nik"] for r in review] == [stranger["nik"]]

    await eventually(listed_unmatched, timeout=60, what="the stranger listed as unmatched")
    unknown_region = await integration.post("/v1/dukcapil/domicile-moves", headers=dukcapil, json={
        "move_id": "SPK-9", "nik": HEAD["nik"], "from_region": VILLAGE, "to_region": "3571019999",
        "moved_on": "2026-09-01"})
    assert unknown_region.json()["status"] == "held" and "not a village" in unknown_region.json()["reason"]

    # Kafka: garbage and a schema-invalid event go to the dead-letter topic; the death behind them applies
    await publish_inbound(integration, None, raw=b"\xff\xfe not an event")
    bad = DukcapilDeathRecorded.model_construct(nik="12345", name="X", died_on=date(2026, 10, 1),
                                                certificate_number="KM-0012")
    await publish_inbound(integration, bad, "dk-evt-bad")
    good = DukcapilDeathRecorded(nik=WIFE["nik"], name=WIFE["full_name"], died_on=date(2026, 10, 4),
                                 certificate_number="KM-0013")
    await publish_inbound(integration, good, "dk-evt-good")

    await deceased_in_registry(registry, tokens, WIFE["nik"], "the valid death behind the bad ones")
    settings = integration.app.state.settings
    dead = AIOKafkaConsumer(settings.topic_prefix + "dukcapil.civil-events.dlq",
                            bootstrap_servers=settings.kafka_bootstrap_servers, auto_offset_reset="earliest")
    await dead.start()
    try:
        letters = []

        async def two_letters():
            for records in (await dead.getmany(timeout_ms=500)).values():
                letters.extend(records)
            return len(letters) >= 2

        await eventually(two_letters, what="two dead letters")
    finally:
        await dead.stop()
    reasons = sorted(dict(r.headers)["dlq_reason_code"].decode() for r in letters)
    assert reasons == ["invalid-data", "malformed"]
    assert json.loads(next(r.value for r in letters if dict(r.headers)["dlq_reason_code"] == b"invalid-data"))[
        "nik"] == "12345"
