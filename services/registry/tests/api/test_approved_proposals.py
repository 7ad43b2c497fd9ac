"""Approved proposals arrive over Kafka from the proposals service; the registry applies each once and
answers on its own topic, applied or refused."""

from __future__ import annotations

from siks_events.catalog import proposals as p
from siks_events.catalog.registry import Housing, Person
from siks_registry.application.proposals import household_id_for

from ..builders import ANI, BUDI, KK, SITI, VILLAGE, household
from .messages import eventually, publish

OFFICE = {"actor": "dinsos-kediri", "actorrole": "district_office", "actorregion": "3571"}
FROM_PROPOSALS = {"source": "/siks-ng/proposals", **OFFICE}


def approval(proposal_id: str, change) -> p.ProposalApproved:
    return p.ProposalApproved(proposal_id=proposal_id, region_code=VILLAGE, period="2026-11", change=change)


async def answers(client, proposal_id: str) -> list[tuple[str, dict]]:
    rows = await client.app.state.runtime.pool.fetch(
        "SELECT type, data FROM events WHERE stream_id = $1 ORDER BY version", f"proposal-{proposal_id}")
    return [(r["type"], r["data"]) for r in rows]


async def test_an_approved_new_household_is_in_dtks_once_with_its_verified_data(registry_app, token):
    change = p.AddHousehold(kk_number=KK, address="Jl. Mayor Bismo 12", members=tuple(Person(**x) for x in (BUDI, SITI)),
                            housing=Housing(roof_material="zinc", floor_material="earth"))
    await publish(registry_app, approval("usulan-1", change), "ev-approved-1", stream_id="usulan-1", **FROM_PROPOSALS)
    household_id = household_id_for("usulan-1")

    async def lookup():
        return await registry_app.get(f"/v1/households/{household_id}", headers=token())

    found = await eventually(lookup, until=lambda r: r.status_code == 200)
    assert {m["person"]["nik"] for m in found.json()["members"]} == {BUDI["nik"], SITI["nik"]}
    assert found.json()["housing"]["roof_material"] == "zinc"
    await publish(registry_app, approval("usulan-1", change), "ev-approved-1", stream_id="usulan-1", **FROM_PROPOSALS)
    await publish(registry_app, approval("usulan-1", change), "ev-approved-1-again", stream_id="usulan-1", **FROM_PROPOSALS)
    consumer = next(c for c in registry_app.app.state.runtime.consumers if "proposals" in " ".join(c.topics))
    await eventually(lambda: _counts(consumer), until=lambda c: c[0] + c[1] >= 3)
    [(kind, data)] = await answers(registry_app, "usulan-1")
    assert kind == "siks.registry.proposal-applied.v1" and data["household_id"] == household_id
    versions = await registry_app.app.state.runtime.pool.fetchval(
        "SELECT count(*) FROM events WHERE stream_id = $1", household_id)
    assert versions == 1


async def _counts(consumer) -> tuple[int, int]:
    return consumer.applied, consumer.duplicates


async def test_an_approved_change_the_registry_refuses_is_answered_with_the_reason(registry_app, token):
    await registry_app.post("/v1/households", json=household(BUDI, SITI, ANI), headers=token())
    # the same people proposed again as a new household: they are already active in DTKS
    change = p.AddHousehold(kk_number=KK, address="Jl. 2", members=tuple(Person(**x) for x in (BUDI, SITI)))
    await publish(registry_app, approval("usulan-2", change), "ev-approved-2", stream_id="usulan-2", **FROM_PROPOSALS)

    async def answered():
        return await answers(registry_app, "usulan-2")

    [(kind, data)] = await eventually(answered)
    assert (kind, data["reason_code"]) == ("siks.registry.proposal-refused.v1", "nik-already-active")
    recorded = await registry_app.app.state.runtime.pool.fetchval(
        "SELECT count(*) FROM events WHERE stream_id = $1", household_id_for("usulan-2"))
    assert recorded == 0
