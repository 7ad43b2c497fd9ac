"""What the API tests share: tokens' roles, proposals drafted and submitted over HTTP, and events handed
to the consumers' handlers through the service's real unit of work, as the relays would send them."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from siks_events.catalog.registry import HouseholdRegistered, ProgramEnrolled
from siks_events.catalog.verification import Findings, VisitAccepted
from siks_events.consumer import cause_of
from siks_events.envelope import Envelope
from siks_events.model import Event
from siks_proposals.adapters.consumers import apply_registry_event, apply_verification_event
from siks_proposals.adapters.postgres.uow import PostgresProposalsUnitOfWork

from ..builders import ANI, BUDI, HOUSEHOLD, KK, SITI, VILLAGE, enrol

OFFICE = {"role": "district_office", "region": "3571", "subject": "dinsos-kota-kediri"}


def envelope(event: Event, stream_id: str, version: int) -> Envelope:
    return Envelope(id=str(uuid.uuid4()), source="/siks-ng/registry", type=event.type, subject=event.subject() or stream_id,
                    time=datetime.now(UTC), data=event.model_dump(mode="json"), key=stream_id,
                    extensions={"streamid": stream_id, "streamversion": str(version)})


def _uow(client, wrapped: Envelope, consumer: str) -> PostgresProposalsUnitOfWork:
    return PostgresProposalsUnitOfWork(client.app.state.runtime.pool, cause_of(wrapped, consumer))


async def deliver(client, event: Event, stream_id: str, version: int) -> None:
    """Apply one registry event through the consumer's handler and the service's real unit of work."""
    wrapped = envelope(event, stream_id, version)
    await apply_registry_event(event, wrapped, _uow(client, wrapped, "proposals.registry"))


async def in_dtks(client) -> None:
    """The registry has told the service of Budi's household (Budi, Siti, Ani) in the village."""
    await deliver(client, HouseholdRegistered(household_id=HOUSEHOLD, kk_number=KK, region_code=VILLAGE,
                                              address="Jl. 1", members=(BUDI, SITI, ANI)), HOUSEHOLD, 1)


async def household_with_memberships(client) -> None:
    """Budi's household in DTKS, Siti in PKH and PBI JK, Ani in PBI JK."""
    await in_dtks(client)
    for version, (person, program) in enumerate([(SITI, "PKH"), (SITI, "PBI_JK"), (ANI, "PBI_JK")], start=2):
        await deliver(client, ProgramEnrolled(household_id=HOUSEHOLD, nik=person.nik, program=program,
                                              start_date=date(2025, 1, 1)), HOUSEHOLD, version)


def as_json(change) -> dict:
    return change.model_dump(mode="json")


async def drafted(client, token, change=None, region: str = VILLAGE) -> dict:
    response = await client.post("/v1/proposals", json={"region_code": region, "change": as_json(change or enrol())},
                                 headers=token(region=region))
    assert response.status_code == 201, response.text
    return response.json()


async def submitted(client, token, change) -> str:
    pid = (await drafted(client, token, change))["proposal_id"]
    response = await client.post(f"/v1/proposals/{pid}/submission", headers=token())
    assert response.status_code == 200, response.text
    return pid


async def verified(client, pid: str, findings: Findings) -> None:
    """A supervisor accepted the visit for the proposal, as the verification service reports it."""
    accepted = VisitAccepted(visit_id=f"visit-{pid}", entry_id=f"entry-{pid}", proposal_id=pid, region_code=VILLAGE,
                             supervisor="sup-1", findings=findings)
    wrapped = envelope(accepted, f"visit-{pid}", 2)
    await apply_verification_event(accepted, wrapped, _uow(client, wrapped, "proposals.verification"))
