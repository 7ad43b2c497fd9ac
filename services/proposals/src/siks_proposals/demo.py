"""A guided walk of one proposal (usulan) through the running system, over the services' HTTP APIs:
the village drafts and submits, the household appears on the prelist, a supervisor assigns it, an
enumerator's phone uploads the visit with a photo, the supervisor accepts it, the regency office
approves, and the registry applies the change."""

from __future__ import annotations

import asyncio
import hashlib
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

Say = Callable[[str, Any], None]
"""Shows one step: a heading and what the system answered."""


@dataclass
class Clients:
    registry: httpx.AsyncClient
    proposals: httpx.AsyncClient
    verification: httpx.AsyncClient


@dataclass
class Tokens:
    """Authorization headers of the four people the walk needs, all working in (or above) the village."""

    operator: dict[str, str]
    supervisor: dict[str, str]
    enumerator: dict[str, str]
    office: dict[str, str]


class DemoFailed(Exception):
    """A step did not happen in time or was refused; the message says which."""


def _nik(district: str, born: date, female: bool, serial: int) -> str:
    return f"{district}{born.day + (40 if female else 0):02d}{born.month:02d}{born.year % 100:02d}{serial:04d}"


def new_family(village: str, rng: random.Random) -> dict:
    """A new household for the village: a couple with valid NIKs of the village's district (kecamatan)."""
    district = village[:6]
    head_born, spouse_born = date(1970 + rng.randrange(25), 1 + rng.randrange(12), 1 + rng.randrange(28)), \
        date(1972 + rng.randrange(25), 1 + rng.randrange(12), 1 + rng.randrange(28))
    serial = 9000 + rng.randrange(999)
    members = [
        {"nik": _nik(district, head_born, False, serial), "full_name": "Slamet Riyadi", "sex": "male",
         "birth_date": head_born.isoformat(), "relationship": "head", "marital_status": "married"},
        {"nik": _nik(district, spouse_born, True, serial + 1), "full_name": "Sri Wahyuni", "sex": "female",
         "birth_date": spouse_born.isoformat(), "relationship": "spouse", "marital_status": "married"},
    ]
    kk = f"{district}{rng.randrange(10**10):010d}"
    return {"kind": "add_household", "kk_number": kk, "address": f"Jl. Demo {rng.randrange(1, 200)}, RT 01 RW 02",
            "members": members, "location": {"lat": -7.8166, "lon": 112.0011},
            "housing": {"roof_material": "tile", "floor_material": "cement"}}


async def _until(probe: Callable[[], Awaitable[Any]], what: str, timeout: float = 30.0) -> Any:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        if found := await probe():
            return found
        if asyncio.get_running_loop().time() > deadline:
            raise DemoFailed(f"not within {timeout:.0f} s: {what}")
        await asyncio.sleep(0.25)


def _ok(response: httpx.Response, step: str) -> dict:
    if response.status_code >= 400:
        raise DemoFailed(f"{step}: {response.status_code} {response.text}")
    return response.json() if response.content else {}


async def walk(clients: Clients, tokens: Tokens, village: str, say: Say, rng: random.Random | None = None) -> dict:
    """Take one new-household proposal from the village to the registry; the household as the registry has it."""
    rng = rng or random.Random()
    change = new_family(village, rng)

    async def status(proposal_id: str, wanted: str) -> dict:
        async def there():
            proposal = _ok(await clients.proposals.get(f"/v1/proposals/{proposal_id}", headers=tokens.operator),
                           "read the proposal")
            return proposal if proposal["status"] == wanted else None

        return await _until(there, f"the proposal to be {wanted}")

    drafted = _ok(await clients.proposals.post("/v1/proposals", json={"region_code": village, "change": change},
                                               headers=tokens.operator), "draft")
    proposal_id = drafted["proposal_id"]
    say("1. The village operator drafts a new household (POST /v1/proposals)", drafted)
    submitted = _ok(await clients.proposals.post(f"/v1/proposals/{proposal_id}/submission", headers=tokens.operator),
                    "submit")
    say(f"2. ... and submits it in period {submitted['period']} (proposed)", {"status": submitted["status"]})

    async def on_prelist():
        entries = _ok(await clients.verification.get(f"/v1/prelists/{village}", headers=tokens.supervisor), "prelist")
        return next((e for e in entries if e["proposal_id"] == proposal_id), None)

    entry = await _until(on_prelist, "the household on the village's prelist")
    say("3. The household is on the village's prelist (verification service)", entry)
    _ok(await clients.verification.put(f"/v1/prelist-entries/{entry['entry_id']}/assignment",
                                       json={"enumerator": "enumerator-demo"}, headers=tokens.supervisor), "assign")
    await status(proposal_id, "in_verification")
    say("4. The supervisor assigns it to an enumerator: the proposal is in verification", {"enumerator": "enumerator-demo"})

    photo = b"\xff\xd8\xff\xe0 demo photo of the house front " + proposal_id.encode()
    stored = _ok(await clients.verification.put("/v1/photos", content=photo,
                                                headers={**tokens.enumerator, "content-type": "image/jpeg"}), "photo")
    started = datetime.now(UTC) - timedelta(minutes=40)
    visit = {"client_visit_id": f"droid-{hashlib.sha256(proposal_id.encode()).hexdigest()[:12]}",
             "entry_id": entry["entry_id"], "started_at": started.isoformat(),
             "ended_at": (started + timedelta(minutes=32)).isoformat(),
             "position": {**change["location"], "accuracy_m": 6},
             "photos": [{"kind": "house_front", "sha256": stored["sha256"], "content_type": "image/jpeg",
                         "size": stored["size"]}],
             "findings": {"household_found": True, "nik_entered": change["members"][0]["nik"],
                          "location": change["location"],
                          "housing": {"roof_material": "zinc", "floor_material": "earth", "wall_material": "bamboo"}}}
    uploaded = _ok(await clients.verification.post("/v1/visits/batches", json={"visits": [visit]},
                                                   headers=tokens.enumerator), "upload the visit")
    [result] = uploaded["results"]
    if not result.get("visit_id"):
        raise DemoFailed(f"the visit was refused: {result}")
    say("5. The enumerator's phone uploads the visit (photo by SHA-256, GPS, 32 minutes)", result)
    _ok(await clients.verification.post(f"/v1/visits/{result['visit_id']}/review",
                                        json={"decision": "accept", "identity_confirmed": True},
                                        headers=tokens.supervisor), "accept the visit")
    verified = await status(proposal_id, "verified")
    say("6. The supervisor accepts the visit (verified): the proposal now holds the data as found",
        {"status": verified["status"], "housing": verified["change"].get("housing")})
    approved = _ok(await clients.proposals.post(f"/v1/proposals/{proposal_id}/approval", headers=tokens.office),
                   "approve")
    say("7. The regency/city social office approves (approved)", {"status": approved["status"]})
    applied = await status(proposal_id, "applied")
    say("8. The registry applied it and answered (proposal-applied)", {"status": applied["status"],
                                                                       "household_id": applied["household_id"]})
    household = _ok(await clients.registry.get(f"/v1/households/{applied['household_id']}", headers=tokens.operator),
                    "read the household")
    say("9. The household in DTKS, with the verified data", household)
    timeline = _ok(await clients.proposals.get(f"/v1/proposals/{proposal_id}/timeline", headers=tokens.operator),
                   "timeline")
    say("10. The proposal's timeline", [f"{s['type'].split('.')[2]} by {s['actor']} ({s['role']})" for s in timeline])
    return household
