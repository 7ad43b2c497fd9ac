"""A CRVS registry's vital events as Dukcapil's own reports: what the existing handlers take.

A death becomes `DukcapilDeathRecorded` (its death registration number is the certificate number,
so a death notified again, by DCI or by our own endpoints, is the same report); a change of address
becomes `DukcapilDomicileMoveRecorded`. Other vital events have no domain event here and are refused
with that reason, as a consumer refuses an event type it has no rule for.

Identifier types and event types are compared without case and without a namespace prefix
("spdci-common:RegistryEventType:Death" is "death").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from enum import StrEnum

from pydantic import ValidationError
from siks_events.catalog.dukcapil import DukcapilDeathRecorded, DukcapilDomicileMoveRecorded
from siks_events.dci.messages import NotifyEventItem
from siks_events.identity import nik_problems

from siks_integration.adapters.dci_crvs.person import Address, CrvsPerson, Place


class VitalEvent(StrEnum):
    """The vital events we subscribe to, as we name them in `reg_event_type`."""

    DEATH = "death"
    CHANGE_OF_ADDRESS = "change_of_address"


EVENT_SPELLINGS = {
    VitalEvent.DEATH: {"death", "deathregistered"},
    VitalEvent.CHANGE_OF_ADDRESS: {"changeofaddress", "addresschange", "domicilemove"},
}
NIK_TYPES = {"nik", "uin", "nationalid"}
DEATH_CERTIFICATE_TYPES = {"drn", "deathregistrationnumber", "aktakematian"}
MOVE_CERTIFICATE_TYPES = {"skpwni", "moveregistrationnumber"}
"""The moving certificate (surat keterangan pindah WNI) that names a move once."""


class Untranslatable(ValueError):
    """One notified event that cannot become a report; `reason` says why."""

    def __init__(self, reference_id: str, reason: str) -> None:
        super().__init__(f"{reference_id}: {reason}")
        self.reference_id = reference_id
        self.reason = reason


def _plain(code: str) -> str:
    return re.sub(r"[^a-z0-9]", "", code.rsplit(":", 1)[-1].lower())


def vital_event(reg_event_type: str) -> VitalEvent | None:
    """Which of our vital events a `reg_event_type` names, if any."""
    plain = _plain(reg_event_type)
    return next((event for event, spellings in EVENT_SPELLINGS.items() if plain in spellings), None)


def _identifier(person: CrvsPerson, types: set[str]) -> str | None:
    return next((i.identifier_value.strip() for i in person.identifier if _plain(i.identifier_type) in types), None)


def _full_name(person: CrvsPerson) -> str | None:
    if isinstance(person.name, str):
        return person.name.strip() or None
    if person.name is None:
        return None
    parts = (person.name.given_name, person.name.second_name, person.name.surname)
    return " ".join(p.strip() for p in parts if p and p.strip()) or None


def _place(place: Place | str | None) -> str | None:
    if isinstance(place, Place):
        return place.name or place.address_line
    return place or None


def _village(addresses: Iterable[Address]) -> str | None:
    """The Kemendagri village code of the first address that has one (dots allowed)."""
    return next((a.region_code.replace(".", "") for a in addresses if a.region_code), None)


def translate(event: NotifyEventItem) -> DukcapilDeathRecorded | DukcapilDomicileMoveRecorded:
    """The report one notified event amounts to; raises Untranslatable with the reason."""
    ref = event.reference_id
    kind = vital_event(event.data.reg_event_type or "")
    if kind is None:
        raise Untranslatable(ref, f"reg_event_type {event.data.reg_event_type!r} is not taken here: only"
                                  f" {', '.join(VitalEvent)} become reports")
    records = event.data.reg_records if isinstance(event.data.reg_records, list) else [event.data.reg_records]
    if len(records) != 1:
        raise Untranslatable(ref, f"reg_records: one person per notified event, not {len(records)}")
    try:
        person = CrvsPerson.model_validate(records[0])
    except ValidationError as invalid:
        raise Untranslatable(ref, f"reg_records: {_first_error(invalid)}") from None
    nik = _identifier(person, NIK_TYPES)
    if nik is None:
        raise Untranslatable(ref, "reg_records.identifier: no NIK (identifier_type NIK or UIN)")
    problems = nik_problems(nik)
    if problems:
        raise Untranslatable(ref, f"reg_records.identifier: the NIK is invalid: {problems[0].message}")
    try:
        if kind is VitalEvent.DEATH:
            return _death(ref, person, nik)
        return _move(ref, person, nik, moved_on=event.timestamp.date())
    except ValidationError as invalid:
        raise Untranslatable(ref, f"reg_records: {_first_error(invalid)}") from None


def _death(ref: str, person: CrvsPerson, nik: str) -> DukcapilDeathRecorded:
    certificate = _identifier(person, DEATH_CERTIFICATE_TYPES)
    if certificate is None:
        raise Untranslatable(ref, "reg_records.identifier: no death registration number (identifier_type DRN)")
    if person.death_date is None:
        raise Untranslatable(ref, "reg_records.death_date: a death notification needs the date of death")
    name = _full_name(person)
    if name is None:
        raise Untranslatable(ref, "reg_records.name: the deceased is not named")
    return DukcapilDeathRecorded(nik=nik, name=name, died_on=person.death_date, certificate_number=certificate,
                                 place_of_death=_place(person.death_place))


def _move(ref: str, person: CrvsPerson, nik: str, *, moved_on: date) -> DukcapilDomicileMoveRecorded:
    certificate = _identifier(person, MOVE_CERTIFICATE_TYPES)
    if certificate is None:
        raise Untranslatable(ref, "reg_records.identifier: no moving certificate number (identifier_type SKPWNI)")
    to_region, from_region = _village(person.address), _village(person.previous_address)
    if to_region is None:
        raise Untranslatable(ref, "reg_records.address: the new address has no region_code (a village code)")
    if from_region is None:
        raise Untranslatable(ref, "reg_records.previous_address: the old address has no region_code")
    return DukcapilDomicileMoveRecorded(move_id=certificate, nik=nik, from_region=from_region, to_region=to_region,
                                        moved_on=moved_on)


def _first_error(invalid: ValidationError) -> str:
    error = invalid.errors()[0]
    where = ".".join(str(p) for p in error["loc"])
    return f"{where}: {error['msg']}" if where else error["msg"]
