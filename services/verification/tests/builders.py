"""Test data: a village in Kota Kediri, proposals that need a visit, and normal visits generated from a seed."""

from __future__ import annotations

import hashlib
import math
import random
from datetime import UTC, datetime, timedelta

from faker import Faker
from siks_events.catalog.proposals import AddHousehold, ProposalSubmitted
from siks_events.catalog.registry import Location, Person
from siks_events.catalog.verification import Findings, Photo, PhotoKind, Position
from siks_verification.domain.commands import RecordVisit

VILLAGE = "3571011001"  # Kelurahan in Kota Kediri, Kecamatan Mojoroto
OTHER_VILLAGE = "3506012003"
CENTRE = (-7.8166, 112.0114)
MORNING = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
ENUMERATORS = ("enum-ani", "enum-budi", "enum-citra")


def nik(rng: random.Random, region: str = VILLAGE) -> str:
    return f"{region[:6]}{rng.randint(1, 28):02d}{rng.randint(1, 12):02d}{rng.randint(60, 99):02d}{rng.randint(1, 9999):04d}"


def kk(rng: random.Random, region: str = VILLAGE) -> str:
    return f"{region[:6]}{rng.randint(10**9, 10**10 - 1)}"


def around(rng: random.Random, centre: tuple[float, float], radius_m: float) -> tuple[float, float]:
    """A point uniformly spread in a disc of `radius_m` around `centre`."""
    r, theta = radius_m * math.sqrt(rng.random()), rng.uniform(0, 2 * math.pi)
    dlat = r * math.cos(theta) / 111_320
    dlon = r * math.sin(theta) / (111_320 * math.cos(math.radians(centre[0])))
    return centre[0] + dlat, centre[1] + dlon


def submitted(proposal_id: str, *, seed: int = 1, region: str = VILLAGE, needs_visit: bool = True) -> ProposalSubmitted:
    """A new-household proposal (usulan) of the village, with a head whose NIK and name come from a seed."""
    rng, fake = random.Random(seed), Faker("id_ID")
    fake.seed_instance(seed)
    head = Person(nik=nik(rng, region), full_name=fake.name(), sex="male", birth_date="1980-05-01", relationship="head")
    lat, lon = around(rng, CENTRE, 800)
    number = kk(rng, region)
    return ProposalSubmitted(
        proposal_id=proposal_id, region_code=region, period="2026-11",
        change=AddHousehold(kk_number=number, address=fake.street_address(), members=(head,)),
        needs_visit=needs_visit, kk_number=number, address=fake.street_address(), niks=(head.nik,),
        names=(head.full_name,), location=Location(lat=lat, lon=lon),
    )


PHOTO_BYTES: dict[str, bytes] = {}
"""The bytes behind every photo the builders made, by hash, for tests that upload them."""


def photo(content: str, kind: PhotoKind = PhotoKind.HOUSE_FRONT) -> Photo:
    data = content.encode()
    PHOTO_BYTES[hashlib.sha256(data).hexdigest()] = data
    return Photo(kind=kind, sha256=hashlib.sha256(data).hexdigest(), content_type="image/jpeg", size=len(data))


def normal_visit(proposal: ProposalSubmitted, rng: random.Random, *, client_visit_id: str | None = None) -> RecordVisit:
    """An honest visit: at the house (within GPS error), about 40 minutes long, its own photos, the right NIK."""
    assert proposal.location is not None
    lat, lon = around(rng, (proposal.location.lat, proposal.location.lon), 15)
    started = MORNING + timedelta(minutes=rng.randint(0, 8 * 60))
    minutes = math.exp(rng.gauss(math.log(40), 0.2))
    return RecordVisit(
        client_visit_id=client_visit_id or f"c-{proposal.proposal_id}",
        entry_id=f"prelist-{proposal.proposal_id}", started_at=started, ended_at=started + timedelta(minutes=minutes),
        position=Position(lat=lat, lon=lon, accuracy_m=rng.uniform(4, 15)),
        photos=(photo(f"front of {proposal.proposal_id} {rng.random()}"),),
        findings=Findings(household_found=True, nik_entered=proposal.niks[0], location=Location(lat=lat, lon=lon)),
    )
