"""One import row read and checked on its own: every broken rule, not just the first, as `code: message`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import cache, lru_cache
from typing import TypeVar

from pydantic import ValidationError
from siks_events.catalog.registry import Education, Location, MaritalStatus, Person, Program, Relationship, Sex
from siks_events.identity import kk_problems, nik_problems, village_problems

from siks_registry.adapters.bulk.csv_format import PROGRAM_SEPARATOR, SourceRow

_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_SIXTEEN_DIGITS = re.compile(r"^[0-9]{16}$")  # \d would also take other scripts' digits
_BOOLEANS = {"true": True, "false": False}

ProgramStart = tuple[Program, date | None]
E = TypeVar("E", bound=StrEnum)


@dataclass(slots=True)
class CheckedRow:
    """A row's identifying cells as written, what it says, and every reason it cannot be imported.

    `name_key` and `birth_date` are what two rows for one NIK must agree on; `person` is None when
    the person's own cells are broken.
    """

    file: str
    line: int
    nik: str
    kk_number: str
    region_code: str
    address: str
    location: Location | None
    full_name: str
    name_key: str
    birth_date: str
    person: Person | None
    programs: tuple[ProgramStart, ...]
    reasons: list[str]

    @property
    def has_valid_nik_shape(self) -> bool:
        """Whether the NIK is 16 digits, so rows can be grouped by it."""
        return has_nik_shape(self.nik)

    @property
    def has_valid_kk_shape(self) -> bool:
        """Whether the KK number is 16 digits, so rows can be grouped into a household by it."""
        return _SIXTEEN_DIGITS.match(self.kk_number) is not None


def has_nik_shape(nik: str) -> bool:
    """Whether a NIK as written (stripped) is 16 digits, so rows can be grouped by it."""
    return _SIXTEEN_DIGITS.match(nik) is not None


def name_key(full_name: str) -> str:
    """A name as compared across files: case and runs of spaces do not make two names differ."""
    return " ".join(full_name.split()).casefold()


def check_row(row: SourceRow) -> CheckedRow:
    """Read one row's cells into a Person, location and programmes, collecting every problem on the way."""
    cells = row.fields
    reasons = [row.problem] if row.problem else []
    nik, kk_number, region_code = cells["nik"].strip(), cells["kk_number"].strip(), cells["region_code"].strip()
    full_name, birth_text = " ".join(cells["full_name"].split()), cells["birth_date"].strip()

    reasons += _kk_reasons(kk_number)
    reasons += _village_reasons(region_code)
    location = _location(cells["lat"].strip(), cells["lon"].strip(), reasons)
    birth_date = _date("birth_date", birth_text, reasons, required=True)
    sex = _choice("sex", Sex, cells["sex"], reasons)
    values = {
        "relationship": _choice("relationship", Relationship, cells["relationship"], reasons),
        "marital_status": _choice("marital_status", MaritalStatus, cells["marital_status"], reasons),
        "education": _choice("education", Education, cells["education"], reasons),
        "attending_school": _boolean("attending_school", cells["attending_school"], reasons),
        "pregnant": _boolean("pregnant", cells["pregnant"], reasons),
    }
    if not full_name:
        reasons.append("full_name-missing: the full name is empty")
    if values["pregnant"] and sex is Sex.MALE:
        reasons.append("pregnant-male: a man is recorded as pregnant")
    problems = nik_problems(nik, birth_date=birth_date, sex=sex.value if sex else None)
    reasons += [f"{p.code}: {p.message}" for p in problems]
    programs = _programs(cells["programs"], cells["program_start"].strip(), reasons)

    person = None
    if not reasons and None not in values.values():
        try:
            person = Person(
                nik=nik, full_name=full_name, sex=sex, birth_place=cells["birth_place"].strip(), birth_date=birth_date,
                occupation=cells["occupation"].strip(), disability=cells["disability"].strip() or None,
                chronic_illness=cells["chronic_illness"].strip() or None, **values,
            )
        except ValidationError as error:  # lengths the cells above do not check
            reasons += [f"{'.'.join(map(str, e['loc']))}-invalid: {e['msg']}" for e in error.errors()]
    return CheckedRow(
        file=row.file, line=row.line, nik=nik, kk_number=kk_number, region_code=region_code,
        address=cells["address"].strip(), location=location, full_name=full_name, name_key=name_key(full_name),
        birth_date=birth_text, person=person, programs=programs, reasons=reasons,
    )


@lru_cache(maxsize=65536)
def _kk_reasons(kk_number: str) -> tuple[str, ...]:
    # a household repeats its KK on every member's row
    return tuple(f"{p.code}: {p.message}" for p in kk_problems(kk_number))


@lru_cache(maxsize=65536)
def _village_reasons(region_code: str) -> tuple[str, ...]:
    return tuple(f"{p.code}: {p.message}" for p in village_problems(region_code))


def _date(column: str, text: str, reasons: list[str], *, required: bool) -> date | None:
    if not text:
        if required:
            reasons.append(f"{column}-missing: {column} is empty")
        return None
    if _ISO_DATE.match(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    reasons.append(f"{column}-invalid: {text!r} is not a date written YYYY-MM-DD")
    return None


def _choice(column: str, kind: type[E], text: str, reasons: list[str]) -> E | None:
    members = _members(kind)
    value = members.get(text)  # the usual case, written exactly as the layout says, costs one lookup
    if value is None:
        value = members.get(text.strip().casefold())
    if value is None:
        allowed = ", ".join(member.value for member in kind)
        reasons.append(f"{column}-invalid: {text.strip()!r} is not one of {allowed}")
    return value


@cache
def _members(kind: type[E]) -> dict[str, E]:
    return {member.value.casefold(): member for member in kind} | {member.value: member for member in kind}


def _boolean(column: str, text: str, reasons: list[str]) -> bool | None:
    value = _BOOLEANS.get(text.strip().casefold())
    if value is None:
        reasons.append(f"{column}-invalid: {text.strip()!r} is neither true nor false")
    return value


def _location(lat: str, lon: str, reasons: list[str]) -> Location | None:
    location, reason = _point(lat, lon)
    if reason:
        reasons.append(reason)
    return location


@lru_cache(maxsize=4096)
def _point(lat: str, lon: str) -> tuple[Location | None, str | None]:
    # every member's row repeats the household's point, so consecutive rows hit this cache
    if not lat and not lon:
        return None, None  # the house was never visited with a GPS phone
    if not lat or not lon:
        return None, "location-incomplete: lat and lon are given together or not at all"
    try:
        return Location(lat=float(lat), lon=float(lon)), None
    except ValueError:  # pydantic's ValidationError is a ValueError, and so is float()'s
        return None, f"location-invalid: ({lat}, {lon}) is not a point in Indonesia"


def _programs(text: str, start_text: str, reasons: list[str]) -> tuple[ProgramStart, ...]:
    names = [name.strip() for name in text.split(PROGRAM_SEPARATOR) if name.strip()]
    start = _date("program_start", start_text, reasons, required=False)
    if start is not None and not names:
        reasons.append("program_start-without-programs: a start date is given but no programme")
    programs = []
    for name in names:
        program = _choice("programs", Program, name, reasons)
        if program is not None and program not in (p for p, _ in programs):
            programs.append((program, start))
    return tuple(programs)
