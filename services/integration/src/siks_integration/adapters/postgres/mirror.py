"""Our copy of DTKS, kept from the registry's events: one row per (person, household) membership,
stamped with the version of the household stream that last wrote it.

Events of one household arrive in order (its stream is one Kafka key), but a redelivery or a
rewind can bring an old one again, and events of different households about one person arrive
in any order. So each write applies only if its stream version is newer than the row's, and who
a person is now is decided by `domain.dtks.current_membership`, never by the last write.
"""

from __future__ import annotations

from datetime import datetime

import asyncpg
from siks_events.catalog.registry import (
    HouseholdGraduated,
    HouseholdMoved,
    HouseholdRegistered,
    MemberAdded,
    MemberDeceased,
    MemberMovedOut,
    MemberRemoved,
    MembersJoined,
    MembersLeft,
    MemberUpdated,
)
from siks_events.envelope import Envelope
from siks_events.model import Event

from siks_integration.domain.dtks import Membership, MembershipStatus, current_membership
from siks_integration.domain.errors import MissingStreamPosition

# A newer write wins; an older or repeated one (stream_version <= the row's) changes nothing.
_SET_STATUS = """
    INSERT INTO dtks_memberships (nik, household_id, status, since, status_since, moved_to_region, full_name,
                                  birth_date, stream_version)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
    ON CONFLICT (nik, household_id) DO UPDATE SET status = excluded.status, since = excluded.since,
        status_since = excluded.status_since, moved_to_region = excluded.moved_to_region,
        full_name = COALESCE(excluded.full_name, dtks_memberships.full_name),
        birth_date = COALESCE(excluded.birth_date, dtks_memberships.birth_date),
        stream_version = excluded.stream_version
    WHERE dtks_memberships.stream_version < excluded.stream_version
"""

# A member's new data changes who they are, not whether they belong.
_SET_DATA = """
    INSERT INTO dtks_memberships (nik, household_id, status, since, full_name, birth_date, stream_version)
    VALUES ($1, $2, 'active', $3, $4, $5, $6)
    ON CONFLICT (nik, household_id) DO UPDATE SET full_name = excluded.full_name, birth_date = excluded.birth_date,
        stream_version = excluded.stream_version
    WHERE dtks_memberships.stream_version < excluded.stream_version
"""

_MEMBERSHIPS = """
    SELECT m.nik, m.household_id, m.status, m.since, m.status_since, h.kk_number,
           COALESCE(m.moved_to_region, h.region_code) AS region_code, m.full_name, m.birth_date
    FROM dtks_memberships m LEFT JOIN dtks_households h USING (household_id)
"""


def stream_position(envelope: Envelope) -> tuple[str, int]:
    """The recording stream and its version, from the CloudEvents extensions the registry's relay sets."""
    try:
        return envelope.extensions["streamid"], int(envelope.extensions["streamversion"])
    except (KeyError, ValueError):
        raise MissingStreamPosition(f"{envelope.type} {envelope.id} carries no streamid/streamversion") from None


async def apply(connection: asyncpg.Connection, event: Event, envelope: Envelope) -> None:
    """Bring the copy up to date with one registry event, unless a newer one already did."""
    _, version = stream_position(envelope)
    at: datetime = envelope.time  # the registry's clock: the same whenever the event reaches us

    async def set_status(nik: str, status: MembershipStatus, on=None, to_region=None, person=None) -> None:
        await connection.execute(_SET_STATUS, nik, event.household_id, status.value, at, on, to_region,
                                 person.full_name if person else None, person.birth_date if person else None,
                                 version)

    match event:
        case HouseholdRegistered():
            await connection.execute(
                "INSERT INTO dtks_households (household_id, kk_number, region_code, stream_version)"
                " VALUES ($1, $2, $3, $4) ON CONFLICT (household_id) DO UPDATE SET kk_number = excluded.kk_number,"
                " region_code = excluded.region_code, stream_version = excluded.stream_version"
                " WHERE dtks_households.stream_version < excluded.stream_version",
                event.household_id, event.kk_number, event.region_code, version)
            for person in event.members:
                await set_status(person.nik, MembershipStatus.ACTIVE, person=person)
        case MemberAdded(person=person):
            await set_status(person.nik, MembershipStatus.ACTIVE, person=person)
        case MemberUpdated(person=person):
            await connection.execute(_SET_DATA, person.nik, event.household_id, at, person.full_name,
                                     person.birth_date, version)
        case MemberRemoved(nik=nik):
            await set_status(nik, MembershipStatus.REMOVED, on=at.date())
        case MemberDeceased(nik=nik, died_on=died_on):
            await set_status(nik, MembershipStatus.DECEASED, on=died_on)
        case MemberMovedOut(nik=nik, to_region=to_region, moved_on=moved_on):
            await set_status(nik, MembershipStatus.MOVED_OUT, on=moved_on, to_region=to_region)
        case HouseholdMoved(to_region=to_region):
            await connection.execute(
                "UPDATE dtks_households SET region_code = $2, stream_version = $3"
                " WHERE household_id = $1 AND stream_version < $3", event.household_id, to_region, version)
        case MembersLeft(niks=niks, left_on=left_on):
            # a member in transit after a move keeps their moved-out row; the active ones have left
            await connection.execute(
                "UPDATE dtks_memberships SET status = $3, since = $4, status_since = $5, stream_version = $6"
                " WHERE household_id = $1 AND nik = ANY($2::text[]) AND status = 'active' AND stream_version < $6",
                event.household_id, list(niks), MembershipStatus.REMOVED.value, at, left_on, version)
        case MembersJoined(persons=persons):
            for person in persons:
                await set_status(person.nik, MembershipStatus.ACTIVE, person=person)
        case HouseholdGraduated(graduated_on=graduated_on):
            await connection.execute(
                "UPDATE dtks_memberships SET status = $2, since = $3, status_since = $4, stream_version = $5"
                " WHERE household_id = $1 AND status = 'active' AND stream_version < $5",
                event.household_id, MembershipStatus.GRADUATED.value, at, graduated_on, version)


def _membership(row: asyncpg.Record) -> Membership:
    return Membership(**{**dict(row), "status": MembershipStatus(row["status"])})


async def current(connection: asyncpg.Connection, nik: str) -> Membership | None:
    """The person's current membership by the domain's rule, None if DTKS never named them."""
    rows = await connection.fetch(_MEMBERSHIPS + " WHERE m.nik = $1", nik)
    return current_membership(_membership(r) for r in rows)


async def current_under_kk(connection: asyncpg.Connection, kk_number: str) -> list[Membership]:
    """Everybody whose current membership is in a household under this family card."""
    rows = await connection.fetch(
        _MEMBERSHIPS + " WHERE m.nik IN (SELECT nik FROM dtks_memberships JOIN dtks_households USING (household_id)"
                       " WHERE kk_number = $1)", kk_number)
    by_nik: dict[str, list[Membership]] = {}
    for row in rows:
        by_nik.setdefault(row["nik"], []).append(_membership(row))
    found = (current_membership(ms) for ms in by_nik.values())
    return sorted((m for m in found if m is not None and m.kk_number == kk_number), key=lambda m: m.nik)


async def region_of(connection: asyncpg.Connection, event: Event) -> str:
    """The region an event concerns, for subscriptions filtered by region ('' when unknown)."""
    for name in ("to_region", "region_code"):
        if getattr(event, name, None):
            return getattr(event, name)
    household_id = getattr(event, "household_id", None)
    if household_id:
        region = await connection.fetchval("SELECT region_code FROM dtks_households WHERE household_id = $1",
                                           household_id)
        if region:
            return region
    nik = getattr(event, "nik", None)
    if nik:
        person = await current(connection, nik)
        return (person.region_code if person else None) or ""
    return ""
