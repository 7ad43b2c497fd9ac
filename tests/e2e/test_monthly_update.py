"""The monthly DTKS update end to end (issue 15, acceptance 1 and 3): a village proposes, an enumerator
verifies in the field, a supervisor accepts the visit, the regency office approves, and the registry
applies the change; a death reported meanwhile cancels an open proposal on its own."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from aiokafka import AIOKafkaProducer
from siks_events.auth import Role
from siks_events.catalog.integration import DeathReported
from siks_events.envelope import Envelope
from siks_events.pytest_plugin import serving
from siks_proposals.demo import Clients, Tokens, walk

from .conftest import eventually

VILLAGE = "3571011001"  # Bandar Lor, Mojoroto, Kota Kediri
KK = "3571010101090001"
BUDI = {"nik": "3571011705800001", "full_name": "Budi Santoso", "sex": "male", "birth_date": "1980-05-17",
        "relationship": "head"}
SITI = {"nik": "3571014302840002", "full_name": "Siti Aminah", "sex": "female", "birth_date": "1984-02-03",
        "relationship": "spouse", "marital_status": "married"}
HOME = {"lat": -7.8166, "lon": 112.0011}
PHOTO = b"\xff\xd8\xff\xe0" + b"roof of corrugated zinc, seen from the street" * 20


@pytest.fixture
async def monthly(service_settings, tmp_path):
    """The registry, proposals and verification services on one broker and topic prefix, each with its schema."""
    from siks_proposals.main import create_app as proposals_app
    from siks_registry.main import create_app as registry_app
    from siks_verification.main import create_app as verification_app

    apps = {"registry": registry_app(service_settings("registry")),
            "proposals": proposals_app(service_settings("proposals")),
            "verification": verification_app(service_settings("verification", blob_dir=tmp_path / "blobs"))}
    async with serving(apps["registry"]) as registry, serving(apps["proposals"]) as proposals, \
            serving(apps["verification"]) as verification:
        for name, client in (("registry", registry), ("proposals", proposals), ("verification", verification)):
            client.app = apps[name]
        yield registry, proposals, verification


@pytest.fixture
def as_(local_issuer):
    def make(role: Role, region: str, subject: str) -> dict:
        return {"Authorization": f"Bearer {local_issuer.issue(role=role, region=region, subject=subject)}"}

    return make


async def status_of(proposals, proposal_id: str, headers: dict) -> str:
    return (await proposals.get(f"/v1/proposals/{proposal_id}", headers=headers)).json()["status"]


async def reaches(proposals, proposal_id: str, status: str, headers: dict) -> None:
    async def there():
        return await status_of(proposals, proposal_id, headers) == status

    await eventually(there, 30, f"proposal {proposal_id} to be {status}")


async def verify_in_field(proposals, verification, proposal_id: str, as_, *, client_visit_id: str,
                          found: dict) -> None:
    """The proposal's household appears on the prelist, is assigned, visited with a photo, and accepted."""
    operator = as_(Role.VILLAGE_OPERATOR, VILLAGE, "op-bandar-lor")
    supervisor = as_(Role.SUPERVISOR, VILLAGE, "spv-bandar-lor")
    enumerator = as_(Role.ENUMERATOR, VILLAGE, "enum-ani")

    async def on_prelist():
        entries = (await verification.get(f"/v1/prelists/{VILLAGE}", headers=supervisor)).json()
        return next((e for e in entries if e["proposal_id"] == proposal_id), None)

    entry = await eventually(on_prelist, 30, "the household on the village's prelist")
    assigned = await verification.put(f"/v1/prelist-entries/{entry['entry_id']}/assignment",
                                      json={"enumerator": "enum-ani"}, headers=supervisor)
    assert assigned.status_code == 204, assigned.text
    await reaches(proposals, proposal_id, "in_verification", operator)

    photo = await verification.put("/v1/photos", content=PHOTO + client_visit_id.encode(),
                                   headers={**enumerator, "content-type": "image/jpeg"})
    assert photo.status_code == 201, photo.text
    started = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    visit = {"client_visit_id": client_visit_id, "entry_id": entry["entry_id"], "started_at": started.isoformat(),
             "ended_at": (started + timedelta(minutes=35)).isoformat(), "position": {**HOME, "accuracy_m": 8},
             "photos": [{"kind": "roof", "sha256": photo.json()["sha256"], "content_type": "image/jpeg",
                         "size": photo.json()["size"]}],
             "findings": found}
    uploaded = await verification.post("/v1/visits/batches", json={"visits": [visit]}, headers=enumerator)
    [result] = uploaded.json()["results"]
    assert result["visit_id"] and result["flags"] == [], uploaded.text
    reviewed = await verification.post(f"/v1/visits/{result['visit_id']}/review",
                                       json={"decision": "accept", "identity_confirmed": True}, headers=supervisor)
    assert reviewed.status_code == 204, reviewed.text
    await reaches(proposals, proposal_id, "verified", operator)


async def test_a_new_household_goes_from_village_proposal_to_the_registry_with_the_verified_data(monthly, as_):
    registry, proposals, verification = monthly
    operator = as_(Role.VILLAGE_OPERATOR, VILLAGE, "op-bandar-lor")
    office = as_(Role.DISTRICT_OFFICE, "3571", "dinsos-kota-kediri")

    change = {"kind": "add_household", "kk_number": KK, "address": "Jl. Mayor Bismo 12, RT 02 RW 03",
              "members": [BUDI, SITI], "location": HOME, "housing": {"roof_material": "tile", "floor_material": "tile"}}
    drafted = await proposals.post("/v1/proposals", json={"region_code": VILLAGE, "change": change}, headers=operator)
    assert drafted.status_code == 201, drafted.text
    proposal_id = drafted.json()["proposal_id"]
    submitted = await proposals.post(f"/v1/proposals/{proposal_id}/submission", headers=operator)
    assert submitted.json()["status"] == "submitted", submitted.text

    await verify_in_field(proposals, verification, proposal_id, as_, client_visit_id="droid-1", found={
        "household_found": True, "nik_entered": BUDI["nik"], "location": HOME,
        "housing": {"roof_material": "zinc", "floor_material": "earth", "wall_material": "bamboo"}})

    approved = await proposals.post(f"/v1/proposals/{proposal_id}/approval", headers=office)
    assert approved.json()["status"] == "approved", approved.text
    await reaches(proposals, proposal_id, "applied", operator)

    [household] = (await registry.get(f"/v1/households?kk_number={KK}", headers=operator)).json()
    assert {m["person"]["nik"] for m in household["members"]} == {BUDI["nik"], SITI["nik"]}
    assert (household["housing"]["roof_material"], household["housing"]["floor_material"]) == ("zinc", "earth")
    assert household["region_code"] == VILLAGE

    timeline = (await proposals.get(f"/v1/proposals/{proposal_id}/timeline", headers=operator)).json()
    steps = [(step["type"].split(".")[2], step["actor"], step["role"]) for step in timeline]
    assert [s[0] for s in steps] == ["proposal-drafted", "proposal-submitted", "proposal-verification-started",
                                     "proposal-verified", "proposal-approved", "proposal-closed"]
    assert steps[0][1:] == steps[1][1:] == ("op-bandar-lor", "village_operator")
    assert steps[2][1:] == ("spv-bandar-lor", "supervisor") and steps[3][1:] == ("spv-bandar-lor", "supervisor")
    assert steps[4][1:] == ("dinsos-kota-kediri", "district_office")
    assert timeline[-1]["data"]["outcome"] == "applied"


async def publish_death(registry, nik: str, name: str) -> None:
    """Dukcapil's death, as the integration service publishes it on its own topic."""
    settings = registry.app.state.settings
    death = DeathReported(report_id="kematian-1", nik=nik, name=name, died_on=date(2026, 11, 18),
                          certificate_number="3571-KM-18112026-0001")
    envelope = Envelope(id="death-1", source="/siks-ng/integration", type=death.type, subject=nik,
                        time=datetime.now(UTC), data=death.model_dump(mode="json"), key="kematian-1")
    key, value, headers = envelope.to_kafka()
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers)
    await producer.start()
    try:
        await producer.send_and_wait(settings.topic_prefix + death.topic, value, key=key, headers=headers)
    finally:
        await producer.stop()


async def test_an_open_proposal_about_a_person_who_dies_ends_cancelled_with_the_reason(monthly, as_):
    registry, proposals, _ = monthly
    operator = as_(Role.VILLAGE_OPERATOR, VILLAGE, "op-bandar-lor")
    created = await registry.post("/v1/households", headers=operator, json={
        "kk_number": KK, "region_code": VILLAGE, "address": "Jl. Mayor Bismo 12", "members": [BUDI, SITI]})
    household_id = created.json()["household_id"]
    enrol = {"kind": "enrol", "household_id": household_id, "nik": SITI["nik"], "program": "PKH",
             "start_date": "2026-12-01"}

    async def drafted():
        # the proposals service knows the household once its copy of DTKS has the registry's event
        answer = await proposals.post("/v1/proposals", json={"region_code": VILLAGE, "change": enrol}, headers=operator)
        return answer.json()["proposal_id"] if answer.status_code == 201 else None

    proposal_id = await eventually(drafted, 30, "a draft about a household the proposals service knows")
    assert (await proposals.post(f"/v1/proposals/{proposal_id}/submission", headers=operator)).status_code == 200

    await publish_death(registry, SITI["nik"], SITI["full_name"])
    await reaches(proposals, proposal_id, "cancelled", operator)
    cancelled = (await proposals.get(f"/v1/proposals/{proposal_id}", headers=operator)).json()
    assert "deceased" in cancelled["reason"]
    timeline = (await proposals.get(f"/v1/proposals/{proposal_id}/timeline", headers=operator)).json()
    assert timeline[-1]["type"] == "siks.proposals.proposal-cancelled.v1"
    assert timeline[-1]["data"]["reason_code"] == "deceased"


NEW_HEAD = {"nik": "3571011003750007", "full_name": "Slamet Riyadi", "sex": "male", "birth_date": "1975-03-10",
            "relationship": "head"}
NEW_SPOUSE = {"nik": "3571016208790008", "full_name": "Sri Wahyuni", "sex": "female", "birth_date": "1979-08-22",
              "relationship": "spouse", "marital_status": "married"}
WIDOWER = {"nik": "3571010501500009", "full_name": "Darmo Suwito", "sex": "male", "birth_date": "1950-01-05",
           "relationship": "head"}


async def test_the_batch_impact_preview_counts_what_the_registry_shows_after_approval(monthly, as_):
    registry, proposals, verification = monthly
    operator = as_(Role.VILLAGE_OPERATOR, VILLAGE, "op-bandar-lor")
    office = as_(Role.DISTRICT_OFFICE, "3571", "dinsos-kota-kediri")
    kept = await registry.post("/v1/households", headers=operator, json={
        "kk_number": KK, "region_code": VILLAGE, "address": "Jl. Mayor Bismo 12", "members": [BUDI, SITI]})
    leaving = await registry.post("/v1/households", headers=operator, json={
        "kk_number": "3571010101090002", "region_code": VILLAGE, "address": "Jl. Mayor Bismo 14", "members": [WIDOWER],
        "programs": [{"nik": WIDOWER["nik"], "program": "PBI_JK", "start_date": "2025-01-01"}]})
    kept_id, leaving_id = kept.json()["household_id"], leaving.json()["household_id"]

    async def submitted(change: dict) -> tuple[str, str]:
        async def drafted():
            answer = await proposals.post("/v1/proposals", json={"region_code": VILLAGE, "change": change},
                                          headers=operator)
            return answer.json()["proposal_id"] if answer.status_code == 201 else None

        proposal_id = await eventually(drafted, 30, "a draft the proposals service accepts")
        answer = await proposals.post(f"/v1/proposals/{proposal_id}/submission", headers=operator)
        assert answer.status_code == 200, answer.text
        return proposal_id, answer.json()["period"]

    newcomers, period = await submitted({"kind": "add_household", "kk_number": "3571010101090003",
                                         "address": "Jl. Mayor Bismo 16", "members": [NEW_HEAD, NEW_SPOUSE]})
    enrolment, _ = await submitted({"kind": "enrol", "household_id": kept_id, "nik": BUDI["nik"], "program": "PKH",
                                    "start_date": "2026-12-01"})
    update, _ = await submitted({"kind": "update_household", "household_id": kept_id,
                                 "members_updated": [{**SITI, "education": "senior_secondary"}]})
    graduation, _ = await submitted({"kind": "remove_household", "household_id": leaving_id,
                                     "reason": "a steady wage above the poverty line"})
    await verify_in_field(proposals, verification, newcomers, as_, client_visit_id="droid-new",
                          found={"household_found": True, "nik_entered": NEW_HEAD["nik"]})
    await verify_in_field(proposals, verification, update, as_, client_visit_id="droid-update",
                          found={"household_found": True, "nik_entered": SITI["nik"]})
    await verify_in_field(proposals, verification, graduation, as_, client_visit_id="droid-leaving",
                          found={"household_found": True, "nik_entered": WIDOWER["nik"]})

    preview = (await proposals.get(f"/v1/periods/3571/{period}/impact", headers=office)).json()
    batch = (await proposals.post(f"/v1/periods/3571/{period}/approval", headers=office)).json()
    assert sorted(batch["approved"]) == sorted([newcomers, enrolment, update, graduation])
    for proposal_id in batch["approved"]:
        await reaches(proposals, proposal_id, "applied", operator)

    async def household(household_id: str) -> dict:
        return (await registry.get(f"/v1/households/{household_id}", headers=operator)).json()

    [added] = (await registry.get("/v1/households?kk_number=3571010101090003", headers=operator)).json()
    removed, changed = await household(leaving_id), await household(kept_id)
    # a change of the household's own data, beside programme memberships (counted on their own)
    data_changes = [e for e in (await registry.get(f"/v1/households/{kept_id}/timeline", headers=operator)).json()[1:]
                    if ".program-" not in e["type"]]
    lost = [p for m in removed["members"] for p in m["programs"] if p["end_reason"] == "graduated"]
    gained = [p for m in changed["members"] for p in m["programs"] if p["active"]]
    shown = {"households_added": 1, "persons_added": len(added["members"]),
             "households_removed": int(removed["graduated_on"] is not None),
             "persons_removed": sum(m["status"] == "graduated" for m in removed["members"]),
             "households_changed": int(bool(data_changes)),
             "persons_changed": sum(e["type"].endswith(".member-updated.v1") for e in data_changes),
             "memberships_gained": len(gained),
             "memberships_lost": len(lost)}
    assert shown == {"households_added": 1, "persons_added": 2, "households_removed": 1, "persons_removed": 1,
                     "households_changed": 1, "persons_changed": 1, "memberships_gained": 1, "memberships_lost": 1}
    assert {name: preview["total"][name] for name in shown} == shown
    [village] = preview["villages"]
    assert village["region_code"] == VILLAGE and village["proposals"] == 4


async def test_the_demo_walks_one_proposal_from_the_village_to_the_registry(monthly, as_):
    registry, proposals, verification = monthly
    steps: list[str] = []
    tokens = Tokens(operator=as_(Role.VILLAGE_OPERATOR, VILLAGE, "operator-demo"),
                    supervisor=as_(Role.SUPERVISOR, VILLAGE, "supervisor-demo"),
                    enumerator=as_(Role.ENUMERATOR, VILLAGE, "enumerator-demo"),
                    office=as_(Role.DISTRICT_OFFICE, "3571", "dinsos-demo"))
    household = await walk(Clients(registry, proposals, verification), tokens, VILLAGE,
                           lambda heading, answer: steps.append(heading), random.Random(7))
    assert len(steps) == 10 and steps[-1] == "10. The proposal's timeline"
    assert household["region_code"] == VILLAGE and household["housing"]["roof_material"] == "zinc"
    assert len(household["members"]) == 2
