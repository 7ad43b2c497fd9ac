"""Test data: people, households and changes in Kota Kediri (35.71), built by hand so each test reads clearly."""

from __future__ import annotations

from datetime import date

from siks_events.catalog.proposals import AddHousehold, EndMembership, Enrol, RemoveHousehold, UpdateHousehold
from siks_events.catalog.registry import Housing, Person, Program
from siks_proposals.domain.dtks import DtksHousehold, DtksMember

VILLAGE = "3571011001"  # Bandar Lor, Mojoroto, Kota Kediri
OTHER_VILLAGE = "3571021001"  # in Kecamatan Kota, Kota Kediri
REGENCY = "3571"
OTHER_REGENCY_VILLAGE = "3506012001"  # Kabupaten Kediri
KK = "3571010101090001"
HOUSEHOLD = "hh-bandar-lor-1"


def nik(birth: date, sex: str, serial: int, district: str = "357101") -> str:
    day = birth.day + (40 if sex == "female" else 0)
    return f"{district}{day:02d}{birth.month:02d}{birth.year % 100:02d}{serial:04d}"


def person(name: str, birth: date, sex: str, relationship: str, serial: int = 1, **extra) -> Person:
    return Person(nik=nik(birth, sex, serial), full_name=name, sex=sex, birth_place="Kediri", birth_date=birth,
                  relationship=relationship, **extra)


BUDI = person("Budi Santoso", date(1980, 5, 17), "male", "head")
SITI = person("Siti Aminah", date(1984, 2, 3), "female", "spouse", marital_status="married")
ANI = person("Ani Lestari", date(2012, 9, 21), "female", "child", attending_school=True)
NEW_BABY = person("Bayu Santoso", date(2026, 8, 1), "male", "child")


def add_household(*members: Person, kk: str = KK) -> AddHousehold:
    return AddHousehold(kk_number=kk, address="Jl. Mayor Bismo 12, RT 02 RW 03", members=members or (BUDI, SITI, ANI),
                        housing=Housing(roof_material="tile", floor_material="earth", floor_area_m2=30))


def update_household(household_id: str = HOUSEHOLD, **changes) -> UpdateHousehold:
    return UpdateHousehold(household_id=household_id, **changes)


def remove_household(household_id: str = HOUSEHOLD) -> RemoveHousehold:
    return RemoveHousehold(household_id=household_id, reason="no longer poor: two members work in a factory")


def enrol(member: Person = ANI, program: Program = Program.PIP, household_id: str = HOUSEHOLD) -> Enrol:
    return Enrol(household_id=household_id, nik=member.nik, program=program, start_date=date(2026, 12, 1))


def end_membership(member: Person = SITI, program: Program = Program.PKH, household_id: str = HOUSEHOLD
                   ) -> EndMembership:
    return EndMembership(household_id=household_id, nik=member.nik, program=program, end_date=date(2026, 12, 31),
                         reason="the child finished school")


def dtks_household(household_id: str = HOUSEHOLD, region: str = VILLAGE,
                   programs: dict[str, set[str]] | None = None) -> DtksHousehold:
    """The copy of a DTKS household of Budi, Siti and Ani; `programs` gives open memberships by NIK."""
    programs = programs or {}
    members = tuple(DtksMember(p.nik, p.full_name, programs=frozenset(programs.get(p.nik, ())))
                    for p in (BUDI, SITI, ANI))
    return DtksHousehold(household_id, region, KK, "Jl. Mayor Bismo 12", members, version=1)
