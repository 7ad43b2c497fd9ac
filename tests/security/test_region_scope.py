"""No existence oracle: outside their region a caller gets one 403, whether or not the object exists.

The routes come from each service's OpenAPI document, so a new route with a path parameter is tested
without anyone adding it here; a path parameter of a kind this test cannot seed fails the test.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from siks_events.auth import REGIONAL_ROLES, Role
from siks_events.catalog.proposals import AddHousehold, ProposalSubmitted
from siks_events.catalog.registry import Location, Person
from siks_events.model import Cause
from siks_events.permissions import PERMISSIONS, exempt, route_operations
from siks_events.pytest_plugin import serving

VILLAGE = "3571011001"  # Bandar Lor, Kota Kediri: where every seeded object lives
ELSEWHERE = "3201011001"  # a village in Kabupaten Bogor: where every caller in this test works
HEAD = Person(nik="3571011705800001", full_name="Budi Santoso", sex="male", birth_place="Kediri",
              birth_date="1980-05-17", relationship="head")
KK = "3571010101090001"
# Roles in the order a caller is picked: the first the route's operation allows (a regional one where possible).
ROLE_ORDER = (Role.VILLAGE_OPERATOR, Role.ENUMERATOR, Role.SUPERVISOR, Role.DISTRICT_OFFICE, Role.PROVINCE_OFFICE,
              Role.LKS, Role.DIRECTORATE_LKS, Role.AUDITOR, Role.MINISTRY, Role.SYSTEM, Role.DUKCAPIL, Role.BPJS,
              Role.DCI_PARTNER)
MISSING = {"nik": "3571011705809999", "household_id": str(uuid.uuid4()), "proposal_id": str(uuid.uuid4()),
           "entry_id": f"prelist-{uuid.uuid4()}", "visit_id": str(uuid.uuid4()), "region_code": "3571021001",
           "regency_code": "3506", "sha256": "0" * 64, "report_id": str(uuid.uuid4()),
           "subscription_id": str(uuid.uuid4()), "lks_id": "lks-none", "aid_proposal_id": str(uuid.uuid4())}
SAME_FOR_BOTH = {"period": "2026-11", "service": "child", "program": "PKH"}
"""Path parameters that name no object: a month, a kind of service, a programme."""


def bearer(issuer, role: Role, region: str, subject: str = "someone") -> dict:
    return {"Authorization": f"Bearer {issuer.issue(role=role, region=region, subject=subject)}"}


def without_request(body: dict) -> dict:
    return {k: v for k, v in body.items() if k not in ("request_id", "instance")}


async def assert_no_oracle(client: httpx.AsyncClient, issuer, existing: dict[str, str]) -> int:
    """Call every region-scoped route of the app from another region, for an existing and a missing object."""
    document = (await client.get("/openapi.json")).json()
    operations = {(method.lower(), path): ops for method, path, ops in route_operations(client.app)}
    checked = 0
    for path, item in document["paths"].items():
        names = re.findall(r"{(\w+)}", path)
        if not names or exempt(path):
            continue
        for method in item:
            unknown = [n for n in names if n not in existing and n not in SAME_FOR_BOTH]
            assert not unknown, f"{method.upper()} {path}: seed an object for {unknown} in this test"
            [operation] = operations[(method, path)]
            role = next(r for r in ROLE_ORDER if r in PERMISSIONS[operation])
            answers = []
            for values in (existing, MISSING):
                url = path.format(**{n: SAME_FOR_BOTH.get(n) or values[n] for n in names})
                answers.append(await client.request(method, url, headers=bearer(issuer, role, ELSEWHERE), json={}))
            found, missing = answers
            where = f"{method.upper()} {path} as {role.value} of {ELSEWHERE}"
            assert (found.status_code, missing.status_code) == (403, 403), f"{where}: {found.text} / {missing.text}"
            assert without_request(found.json()) == without_request(missing.json()), where
            assert found.json()["type"].endswith("not-accessible"), where
            if method == "get":  # the seeded object is real: a caller of its own region gets past the check
                if operation.value.split(".")[0] in NATIONAL_KINDS:
                    own_role, own_region = next(r for r in ROLE_ORDER if r in PERMISSIONS[operation]
                                                and r not in REGIONAL_ROLES), ""
                else:
                    own_role, own_region = role, VILLAGE[:4]
                url = path.format(**{n: SAME_FOR_BOTH.get(n) or existing[n] for n in names})
                own = await client.get(url, headers=bearer(issuer, own_role, own_region, subject="enum-ani"))
                assert own.status_code not in (401, 403), f"{where}, seen from its own region: {own.text}"
            checked += 1
    return checked


NATIONAL_KINDS = {"dukcapil-report", "delivery", "bpjs-notification", "subscription"}


@pytest.fixture
def app_of(service_settings, tmp_path):
    def make(service: str, **settings):
        import importlib

        app = importlib.import_module(f"siks_{service}.main").create_app(
            service_settings(service, consumers_enabled=False, **settings))
        return app

    return make


async def test_registry_routes_answer_another_region_alike_for_a_record_that_exists_and_one_that_does_not(
        app_of, local_issuer):
    app = app_of("registry")
    async with serving(app) as client:
        client.app = app
        created = await client.post("/v1/households", headers=bearer(local_issuer, Role.VILLAGE_OPERATOR, VILLAGE), json={
            "kk_number": KK, "region_code": VILLAGE, "address": "Jl. Mayor Bismo 12",
            "members": [HEAD.model_dump(mode="json")]})
        assert created.status_code == 201, created.text
        existing = {"household_id": created.json()["household_id"], "nik": HEAD.nik, "region_code": VILLAGE}
        assert await assert_no_oracle(client, local_issuer, existing) >= 9


async def test_proposals_routes_answer_another_region_alike_for_a_proposal_that_exists_and_one_that_does_not(
        app_of, local_issuer):
    app = app_of("proposals")
    async with serving(app) as client:
        client.app = app
        change = AddHousehold(kk_number=KK, address="Jl. Mayor Bismo 12", members=(HEAD,))
        drafted = await client.post("/v1/proposals", headers=bearer(local_issuer, Role.VILLAGE_OPERATOR, VILLAGE),
                                    json={"region_code": VILLAGE, "change": change.model_dump(mode="json")})
        assert drafted.status_code == 201, drafted.text
        existing = {"proposal_id": drafted.json()["proposal_id"], "regency_code": VILLAGE[:4]}
        assert await assert_no_oracle(client, local_issuer, existing) >= 10


async def test_verification_routes_answer_another_region_alike_for_an_entry_visit_or_photo_that_exists_and_one_that_does_not(
        app_of, local_issuer, tmp_path):
    from siks_verification.adapters.postgres.uow import PostgresVerificationUnitOfWork
    from siks_verification.application import handlers

    app = app_of("verification", blob_dir=tmp_path / "blobs")
    async with serving(app) as client:
        client.app = app
        proposal_id = str(uuid.uuid4())
        await handlers.handle_proposal_submitted(ProposalSubmitted(
            proposal_id=proposal_id, region_code=VILLAGE, period="2026-11",
            change=AddHousehold(kk_number=KK, address="Jl. Mayor Bismo 12", members=(HEAD,)), needs_visit=True,
            kk_number=KK, address="Jl. Mayor Bismo 12", niks=(HEAD.nik,), names=(HEAD.full_name,),
            location=Location(lat=-7.8166, lon=112.0114),
        ), PostgresVerificationUnitOfWork(app.state.runtime.pool, Cause(actor="/siks-ng/proposals", role="system")))
        entry_id = f"prelist-{proposal_id}"
        assigned = await client.put(f"/v1/prelist-entries/{entry_id}/assignment", json={"enumerator": "enum-ani"},
                                    headers=bearer(local_issuer, Role.SUPERVISOR, VILLAGE))
        assert assigned.status_code == 204, assigned.text
        enumerator = bearer(local_issuer, Role.ENUMERATOR, VILLAGE, subject="enum-ani")
        picture = b"front of the house"
        stored = await client.put("/v1/photos", content=picture, headers={**enumerator, "content-type": "image/jpeg"})
        assert stored.status_code == 201, stored.text
        sha256 = hashlib.sha256(picture).hexdigest()
        started = datetime.now(UTC) - timedelta(hours=1)
        uploaded = await client.post("/v1/visits/batches", headers=enumerator, json={"visits": [{
            "client_visit_id": "c-1", "entry_id": entry_id, "started_at": started.isoformat(),
            "ended_at": (started + timedelta(minutes=40)).isoformat(),
            "position": {"lat": -7.8166, "lon": 112.0114, "accuracy_m": 5},
            "findings": {"household_found": True, "nik_entered": HEAD.nik},
            "photos": [{"kind": "house_front", "sha256": sha256, "content_type": "image/jpeg", "size": len(picture)}],
        }]})
        [result] = uploaded.json()["results"]
        assert result["status"] == "created", result
        existing = {"entry_id": entry_id, "visit_id": result["visit_id"], "sha256": sha256, "region_code": VILLAGE}
        assert await assert_no_oracle(client, local_issuer, existing) >= 8


async def test_integration_routes_answer_a_regional_caller_alike_for_a_report_or_subscription_that_exists_and_one_that_does_not(
        app_of, local_issuer):
    app = app_of("integration")
    async with serving(app) as client:
        client.app = app
        reported = await client.post("/v1/dukcapil/death-reports", headers=bearer(local_issuer, Role.DUKCAPIL, ""), json={
            "nik": HEAD.nik, "name": HEAD.full_name, "died_on": "2026-11-01", "certificate_number": "AK-1"})
        assert reported.status_code == 202, reported.text
        subscribed = await client.post("/v1/subscriptions", headers=bearer(local_issuer, Role.SYSTEM, ""), json={
            "subscriber": "satusehat", "event_types": ["siks.registry.member-deceased.v1"],
            "callback_url": "http://127.0.0.1:9/hook", "secret": "s" * 32})
        assert subscribed.status_code == 201, subscribed.text
        existing = {"report_id": reported.json()["report_id"], "subscription_id": subscribed.json()["subscription_id"]}
        assert await assert_no_oracle(client, local_issuer, existing) >= 2


async def test_lks_routes_answer_another_region_alike_for_a_record_that_exists_and_one_that_does_not(
        app_of, local_issuer, tmp_path):
    app = app_of("lks", blob_dir=tmp_path / "documents")
    async with serving(app) as client:
        client.app = app
        lks = bearer(local_issuer, Role.LKS, VILLAGE[:4], subject="lks-seed")
        offices = [bearer(local_issuer, Role.DISTRICT_OFFICE, VILLAGE[:4]),
                   bearer(local_issuer, Role.PROVINCE_OFFICE, VILLAGE[:2]),
                   bearer(local_issuer, Role.DIRECTORATE_LKS, "")]
        registered = await client.post("/v1/institutions", headers=lks, json={
            "name": "LKSA Seed", "legal_number": "AHU-1", "address": "Jl. 1", "region_code": VILLAGE,
            "scope": "regency", "services": ["child"]})
        assert registered.status_code == 201, registered.text
        await client.post("/v1/institutions/lks-seed/decision", json={"approved": True}, headers=offices[0])
        aid = (await client.post("/v1/aid-proposals", headers=lks, json={
            "amount": 1_000_000, "purpose": "food", "beneficiaries": 5})).json()
        for office, step in zip(offices, ("pass", "pass", "approve"), strict=True):
            answer = await client.post(f"/v1/aid-proposals/{aid['aid_proposal_id']}/review", json={"step": step},
                                       headers=office)
            assert answer.status_code == 200, answer.text
        report = (await client.post("/v1/monitoring-reports", headers=lks, json={
            "aid_proposal_id": aid["aid_proposal_id"], "reported_amount": 1_000_000,
            "bank_account": {"bank": "BRI", "number": "0123456789", "holder": "Seed"}})).json()
        listed = (await client.post("/v1/ppks-entries", headers=offices[0], json={"entries": [
            {"region_code": VILLAGE, "record": {"name": "Sutrisno", "category": "elderly"}}]})).json()
        existing = {"lks_id": "lks-seed", "aid_proposal_id": aid["aid_proposal_id"], "report_id": report["report_id"],
                    "entry_id": listed["entry_ids"][0], "region_code": VILLAGE}
        assert await assert_no_oracle(client, local_issuer, existing) >= 9


async def test_eligibility_routes_answer_another_region_alike_for_a_household_that_exists_and_one_that_does_not(
        service_settings, local_issuer, topic_prefix):
    import importlib

    from siks_events import kafka
    from siks_events.catalog.registry import TOPIC, HouseholdRegistered
    from siks_events.pytest_plugin import eventually
    from siks_events.store import RecordedEvent

    settings = service_settings("eligibility")
    app = importlib.import_module("siks_eligibility.main").create_app(settings)
    household_id = str(uuid.uuid4())
    registered = HouseholdRegistered(household_id=household_id, kk_number=KK, region_code=VILLAGE, address="Jl. 1",
                                     members=(HEAD,))
    recorded = RecordedEvent(position=1, stream_id=household_id, version=1, event_id=str(uuid.uuid4()),
                             type=registered.type, topic=TOPIC, subject=household_id,
                             data=registered.model_dump(mode="json"), metadata={"actor": "registry-test"},
                             recorded_at=datetime.now(UTC))
    async with serving(app) as client:
        client.app = app
        key, value, headers = recorded.envelope("/siks-ng/registry").to_kafka()
        producer = kafka.new_producer(settings.kafka_bootstrap_servers)
        await producer.start()
        try:
            await producer.send_and_wait(topic_prefix + TOPIC, key=key, value=value, headers=headers)
        finally:
            await producer.stop()
        ministry = bearer(local_issuer, Role.MINISTRY, "")
        await eventually(lambda: client.get(f"/v1/eligibility/households/{household_id}", headers=ministry),
                         until=lambda answer: answer.status_code == 200, timeout=30)
        existing = {"household_id": household_id, "region_code": VILLAGE, "regency_code": VILLAGE[:4]}
        assert await assert_no_oracle(client, local_issuer, existing) >= 3
