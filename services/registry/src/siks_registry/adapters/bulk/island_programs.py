"""What each former data island (DTKS, PKH, BPNT, BST list) recorded about a household's programmes."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from siks_events.catalog.registry import Education, Person, Program, Relationship, Sex

from siks_registry.adapters.bulk.synthetic_households import SyntheticHousehold, age_on

ISLANDS: tuple[str, ...] = ("DTKS", "PKH", "BPNT", "BST")

_SCHOOL = (Education.PRIMARY, Education.JUNIOR_SECONDARY, Education.SENIOR_SECONDARY)
# when each island's programme could have started for a household (BST was paid only in the pandemic)
_FIRST_START = {"DTKS": date(2014, 1, 1), "PKH": date(2012, 1, 1), "BPNT": date(2017, 2, 1), "BST": date(2020, 4, 1)}
_LAST_START = {"BST": date(2020, 12, 31)}


@dataclass(frozen=True, slots=True)
class IslandListing:
    """One island's record of a household: each member's programmes, all started on `start`."""

    programs: dict[str, tuple[Program, ...]]
    start: date | None


def recipient(household: SyntheticHousehold) -> Person:
    """Who receives a family's benefit (pengurus KPM): the wife when there is one, otherwise the head."""
    for member in household.members:
        if member.relationship is Relationship.SPOUSE and member.sex is Sex.FEMALE:
            return member
    return household.members[0]


def pkh_components(household: SyntheticHousehold, as_of: date) -> list[Person]:
    """Members who make a family eligible for PKH: pregnant, under six, at school, 70 or older, or disabled."""
    return [
        member for member in household.members
        if member.pregnant
        or age_on(member.birth_date, as_of) < 6
        or (member.attending_school and member.education in _SCHOOL)
        or age_on(member.birth_date, as_of) >= 70
        or member.disability is not None
    ]


def listing(island: str, household: SyntheticHousehold, rng: random.Random, as_of: date) -> IslandListing:
    """The programmes `island` lists for the household: PKH, BPNT Sembako, BST sometimes Sembako, DTKS sometimes PBI JK."""
    programs: dict[str, list[Program]] = {}

    def give(person: Person, program: Program) -> None:
        programs.setdefault(person.nik, []).append(program)

    match island:
        case "PKH":
            for member in [recipient(household), *pkh_components(household, as_of)]:
                if Program.PKH not in programs.get(member.nik, ()):
                    give(member, Program.PKH)
            for member in household.members:
                # PKH children come first for school assistance
                if member.attending_school and member.education in _SCHOOL and rng.random() < 0.7:
                    give(member, Program.PIP)
        case "BPNT":
            give(recipient(household), Program.SEMBAKO)
        case "BST":
            if rng.random() < 0.5:
                give(recipient(household), Program.SEMBAKO)
        case "DTKS":
            if rng.random() < 0.6:
                for member in household.members:
                    give(member, Program.PBI_JK)
            for member in household.members:
                if member.attending_school and member.education is Education.BACHELOR and rng.random() < 0.5:
                    give(member, Program.KIP_KULIAH)
        case _:
            raise ValueError(f"unknown data island {island!r}; known: {', '.join(ISLANDS)}")
    if not programs:
        return IslandListing({}, None)
    first, last = _FIRST_START[island], _LAST_START.get(island, as_of)
    start = first + timedelta(days=rng.randint(0, (last - first).days))
    return IslandListing({nik: tuple(given) for nik, given in programs.items()}, start)
