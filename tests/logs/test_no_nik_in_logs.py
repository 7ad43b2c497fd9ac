"""Issue 14: no NIK leaves the system unmasked through a log, whatever the services do with it.

The unit test of the masking filter feeds it made-up records; this one runs the real registry and
integration service through every path that carries a NIK (registration, lookup by NIK in the URL,
a conflict on the single-identity index, death reports over HTTP and Kafka, malformed NIKs) and reads
what was really written: every log record at every level as the services render it, stdout and
stderr, and the embedded PostgreSQL's server log, whose unique-violation DETAIL quotes the key.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import UTC, datetime

import asyncpg
from aiokafka import AIOKafkaProducer
from siks_events.auth import Role
from siks_events.catalog.dukcapil import DukcapilDeathRecorded
from siks_events.envelope import Envelope

UNMASKED_NIK = re.compile(r"(?<!\d)\d{16}(?!\d)")
"""What the services must never write: a run of exactly 16 digits (a NIK or a KK number), as telemetry masks."""

VILLAGE = "3571011001"  # Bandar Lor, Mojoroto, Kota Kediri
KK = "3571010101090101"
HEAD = {"nik": "3571011705800101", "full_name": "Budi Santoso", "sex": "male", "birth_place": "Kediri",
        "birth_date": "1980-05-17", "relationship": "head"}
WIFE = {"nik": "3571014302840102", "full_name": "Siti Aminah", "sex": "female", "birth_place": "Kediri",
        "birth_date": "1984-02-03", "relationship": "spouse", "marital_status": "married"}
CHILD = {"nik": "3571016109120103", "full_name": "Ani Lestari", "sex": "female", "birth_place": "Kediri",
         "birth_date": "2012-09-21", "relationship": "child"}
LONER = {"nik": "3571010903750104", "full_name": "Joko Susilo", "sex": "male", "birth_place": "Kediri",
         "birth_date": "1975-03-09", "relationship": "head"}
STRANGER = "3571012501700105"  # well formed, in nobody's household
UNKNOWN_REGION = "3599011705800106"  # 16 digits, but no such sub-district
IMPOSSIBLE_DATE = "3571013213800107"  # 16 digits, but born in month 13
TEST_NIKS = [HEAD["nik"], WIFE["nik"], CHILD["nik"], LONER["nik"], STRANGER, UNKNOWN_REGION, IMPOSSIBLE_DATE, KK]


def household(*members: dict, kk: str = KK) -> dict:
    return {"kk_number": kk, "region_code": VILLAGE, "address": "Jl. Mayor Bismo 12, RT 02 RW 03",
            "members": list(members), "programs": [],
            "housing": {"roof_material": "tile", "floor_material": "cement", "floor_area_m2": 36}}


def death(nik: str, name: str, certificate: str) -> dict:
    return {"nik": nik, "name": name, "died_on": "2026-10-02", "place_of_death": "RS Gambiran, Kediri",
            "certificate_number": certificate, "reporting_office": "Disdukcapil Kota Kediri"}


async def eventually(check, *, what: str, timeout: float = 60.0):
    """The first truthy result of `check`; raises when `timeout` passes without one."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not (result := await check()):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(0.1)
    return result


async def status_of(registry, tokens, nik: str) -> str | None:
    response = await registry.get(f"/v1/persons/{nik}", headers=tokens(Role.MINISTRY))
    return response.json()["status"] if response.status_code == 200 else None


async def publish_inbound(integration, key: str, data: dict, event_type: str) -> None:
    """An event on Dukcapil's topic, keyed by NIK as Dukcapil keys them (one person, one partition)."""
    settings = integration.app.state.settings
    envelope = Envelope(id=f"dk-{uuid.uuid4().hex}", source="/dukcapil/jawa-timur", type=event_type, subject=key,
                        time=datetime.now(UTC), data=data, key=key)
    record_key, value, headers = envelope.to_kafka()
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers)
    await producer.start()
    try:
        await producer.send_and_wait(settings.topic_prefix + "dukcapil.civil-events", value, key=record_key,
                                     headers=headers)
    finally:
        await producer.stop()


async def race_for_one_nik(registry, tokens, attempts: int = 6) -> list[int]:
    """Register one person in several households at once: one wins, the index refuses the rest."""
    operator = tokens(Role.VILLAGE_OPERATOR, VILLAGE, "op-bandar-lor")
    answers = await asyncio.gather(*(
        registry.post("/v1/households", json=household(LONER, kk=f"35710101010902{i:02d}"), headers=operator)
        for i in range(attempts)))
    return sorted(a.status_code for a in answers)


async def provoke_unique_violation(registry, nik: str) -> None:
    """What the race above does when two commits meet at the index: a second active row for one NIK.

    The NIK travels as a bind parameter, as in every service query, so only PostgreSQL's own DETAIL could
    quote it."""
    pool = registry.app.state.runtime.pool
    try:
        await pool.execute(
            "INSERT INTO persons (household_id, nik, full_name, sex, birth_date, relationship, region_code, status)"
            " SELECT household_id || '-twin', nik, full_name, sex, birth_date, relationship, region_code, status"
            " FROM persons WHERE nik = $1 AND status = 'active'", nik)
    except asyncpg.UniqueViolationError:
        return
    raise AssertionError("a second active row for one NIK was accepted")


def unmasked(text: str) -> list[str]:
    """The lines showing a 16-digit run, shortened for the failure message."""
    return [line[:300] for line in text.splitlines() if UNMASKED_NIK.search(line)]


async def test_no_nik_appears_unmasked_in_any_log_the_services_or_postgresql_write(
        services, tokens, written_logs, postgres_logs):
    registry, integration = services
    operator = tokens(Role.VILLAGE_OPERATOR, VILLAGE, "op-bandar-lor")
    dukcapil = tokens(Role.DUKCAPIL, subject="dukcapil-jatim")

    # Registration, then lookups with the NIK in the URL (found, not found, malformed).
    registered = await registry.post("/v1/households", json=household(HEAD, WIFE, CHILD), headers=operator)
    assert registered.status_code == 201, registered.text
    assert await status_of(registry, tokens, WIFE["nik"]) == "active"
    for nik in (STRANGER, UNKNOWN_REGION, IMPOSSIBLE_DATE):
        missing = await registry.get(f"/v1/persons/{nik}", headers=tokens(Role.MINISTRY))
        assert missing.status_code in (404, 422), missing.text
    public = await registry.post("/v1/public/dtks-check", json={"nik": CHILD["nik"], "name": CHILD["full_name"]})
    assert public.status_code == 200, public.text

    # Malformed NIKs in bodies: each refused with a problem naming the field.
    for bad in (UNKNOWN_REGION, IMPOSSIBLE_DATE):
        refused = await registry.post("/v1/households", json=household(HEAD | {"nik": bad}, kk="3571010101090199"),
                                      headers=operator)
        assert refused.status_code == 422, refused.text

    # NIK conflicts: the domain's check, a real race at the single-identity index, and the index itself.
    taken = await registry.post("/v1/households", json=household(HEAD, kk="3571010101090198"), headers=operator)
    assert taken.status_code == 409, taken.text
    assert await race_for_one_nik(registry, tokens) == [201] + [409] * 5
    await provoke_unique_violation(registry, LONER["nik"])

    # Death reports: over HTTP once the integration service knows the person, on Dukcapil's topic, malformed.
    async def known_to_integration():
        answer = await integration.post("/v1/dukcapil/nik-check", headers=tokens(Role.SYSTEM), json={
            "nik": WIFE["nik"], "name": WIFE["full_name"], "birth_date": WIFE["birth_date"]})
        return answer.json()["found"]

    await eventually(known_to_integration, what="the registry's events to reach the integration service")
    accepted = await integration.post("/v1/dukcapil/death-reports", json=death(WIFE["nik"], WIFE["full_name"], "KM-1"),
                                      headers=dukcapil)
    assert accepted.status_code == 202, accepted.text
    for nik in (STRANGER, UNKNOWN_REGION, IMPOSSIBLE_DATE):
        answered = await integration.post("/v1/dukcapil/death-reports", json=death(nik, "Orang Asing", f"KM-{nik[-3:]}"),
                                          headers=dukcapil)
        assert answered.status_code in (202, 422), answered.text
    # A report that cannot be decoded (its date is not one) goes first on HEAD's partition, so it has been
    # consumed - and dead-lettered, its reason quoting the record - by the time HEAD's death is applied.
    await publish_inbound(integration, HEAD["nik"], death(HEAD["nik"], HEAD["full_name"], "KM-2") | {"died_on": "kemarin"},
                          DukcapilDeathRecorded.type)
    await publish_inbound(integration, HEAD["nik"], death(HEAD["nik"], HEAD["full_name"], "KM-3"),
                          DukcapilDeathRecorded.type)
    for nik in (WIFE["nik"], HEAD["nik"]):
        async def deceased(nik=nik):
            return await status_of(registry, tokens, nik) == "deceased"

        await eventually(deceased, what=f"the death of {nik[:6]}... to reach the registry")

    # What the services wrote: NIK-bearing lines were written (so this check is not vacuous), all masked.
    logs = written_logs.text()
    assert '"path": "/v1/persons/357101********02"' in logs, "the access log of a lookup by NIK was not captured"
    assert '"service": "registry"' in logs and '"service": "integration"' in logs
    leaks = unmasked(logs)
    assert not leaks, "unmasked 16-digit numbers in service logs:\n" + "\n".join(leaks)
    assert not [nik for nik in TEST_NIKS if nik in logs]

    # What PostgreSQL wrote during the whole session so far, this test's unique violations included.
    if not postgres_logs:
        return  # an external server (DATABASE_URL): its log lives elsewhere
    server_log = "".join(log.read_text(errors="replace") for log in postgres_logs)
    assert "persons_one_active_nik" in server_log, "the unique violation did not reach PostgreSQL's log"
    leaks = unmasked(server_log)
    assert not leaks, "16-digit numbers in PostgreSQL's log:\n" + "\n".join(leaks)
    assert not [nik for nik in TEST_NIKS if nik in server_log]
