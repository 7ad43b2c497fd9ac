"""The CRVS person record (`CRVSPerson` of `crvs_api_v1.0.0`), as far as a death or a change of address needs it.

The messages around it are the shared ones of `siks_events.dci`, which carry `reg_records` as plain
JSON. Where the standard shows one object and elsewhere a list (`identifier`, `address`), both are
read; its blanks ("") are absent values, and its dates may be date-times ("1980-03-23T10:20:15").
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BeforeValidator
from siks_events.dci import DciModel
from siks_events.dci.envelope import Blankable

CIVIL_REGISTRY = "ns:org:RegistryType:Civil"
PERSON_RECORD = "spdci-extensions-dci:Person"


def _one_or_many(value: Any) -> Any:
    if value is None or (isinstance(value, str) and not value.strip()):
        return []
    return value if isinstance(value, list) else [value]


def _date_part(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        if not value:
            return None
        if "T" in value:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    return value


Day = Annotated[date | None, BeforeValidator(_date_part)]


class Identifier(DciModel):
    identifier_type: str
    identifier_value: str


class PersonName(DciModel):
    given_name: Blankable[str] = None
    second_name: Blankable[str] = None
    surname: Blankable[str] = None


class Place(DciModel):
    name: Blankable[str] = None
    address_line: Blankable[str] = None


class Address(DciModel):
    address_line1: Blankable[str] = None
    locality: Blankable[str] = None
    region_code: Blankable[str] = None
    """For Indonesia the Kemendagri village code, dots allowed."""
    country_code: Blankable[str] = None


Identifiers = Annotated[list[Identifier], BeforeValidator(_one_or_many)]
Addresses = Annotated[list[Address], BeforeValidator(_one_or_many)]


class CrvsPerson(DciModel):
    """A person as the civil registry records them; members we do not read are kept, unchecked."""

    identifier: Identifiers = []
    name: PersonName | str | None = None
    sex: Blankable[str] = None
    birth_date: Day = None
    death_date: Day = None
    death_place: Place | str | None = None
    address: Addresses = []
    previous_address: Addresses = []
    """Our extension for a change of address: where the person lived before (the standard has no member for it)."""
