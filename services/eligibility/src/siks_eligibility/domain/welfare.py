"""The proxy-means welfare score (skor kesejahteraan) and the welfare deciles (desil) per regency.

A higher score means a better-off household. The score is a sum of integer points read from a
versioned `WelfareWeights`: housing (roof, walls, floor, toilet, water, lighting, electricity,
floor area per person), assets (land, house ownership, each vehicle, animal and appliance),
size (points per active member and per dependant: under 15 or 65 and over), the best education
among active adults and the best occupation among active members of working age. A table
value is looked up by its text stripped and case-folded; a value the table lacks, or no value,
scores the table's `_other` entry. Integer points keep the score exact, so two computations of
it never differ by rounding.

Ranking, per regency and date: households in DTKS that day are ordered by score ascending, ties
by household id (string order); rank 1 is the poorest. Decile = (rank - 1) * 10 // n + 1 for n
ranked households, so decile 1 is the poorest tenth (desil 1).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from pydantic import BaseModel, ConfigDict, Field, field_validator
from siks_events.catalog.registry import Education

from siks_eligibility.domain.household import HouseholdState
from siks_eligibility.domain.policy import in_force

OTHER = "_other"

Table = dict[str, int]


class _Data(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Band(_Data):
    """Points for a measured value from `at_least` up to the next band."""

    at_least: int = Field(ge=0)
    points: int


class WelfareWeights(_Data):
    """One version of the proxy-means weights (bobot PMT), in force from `effective_from`."""

    version: str = Field(min_length=1)
    effective_from: date
    roof_material: Table
    wall_material: Table
    floor_material: Table
    toilet: Table
    drinking_water: Table
    lighting: Table
    electricity_va: tuple[Band, ...]  # the highest band reached; no connection recorded scores 0
    floor_m2_per_person_points: int
    floor_m2_per_person_cap: int = Field(ge=0)  # square metres per person above this add nothing
    land_owned: int
    house_ownership: Table
    vehicle: Table  # per vehicle owned
    livestock: Table  # per kind of animal kept
    appliance: Table  # per appliance
    per_member: int
    per_dependant: int
    dependant_under: int = Field(ge=0)
    dependant_from: int = Field(ge=0)
    adult_from: int = Field(ge=0)
    education: dict[Education, int]  # the highest among active members aged `adult_from` or more
    working_from: int = Field(ge=0)
    occupation: Table  # the best among active members aged `working_from` or more

    @field_validator("roof_material", "wall_material", "floor_material", "toilet", "drinking_water", "lighting",
                     "house_ownership", "vehicle", "livestock", "appliance", "occupation")
    @classmethod
    def _table_has_other_and_folded_keys(cls, table: Table) -> Table:
        if OTHER not in table:
            raise ValueError(f"a points table needs an {OTHER!r} entry for values it does not list")
        if any(key != key.strip().casefold() for key in table):
            raise ValueError("table keys are written stripped and in lower case")
        return table

    @field_validator("education")
    @classmethod
    def _every_level_scored(cls, table: dict[Education, int]) -> dict[Education, int]:
        if set(table) != set(Education):
            raise ValueError("the education table scores every level")
        return table


class WeightBook(_Data):
    """Every version of the welfare weights; a date picks the one in force."""

    versions: tuple[WelfareWeights, ...] = Field(min_length=1)

    def in_force(self, on: date) -> WelfareWeights:
        return in_force(self.versions, on, what="the welfare weights")


@dataclass(frozen=True, slots=True)
class WelfareScore:
    """A household's score and the points each component gave, under one weights version."""

    total: int
    points: tuple[tuple[str, int], ...]
    weights_version: str


def _look_up(table: Mapping[str, int], value: str | None) -> int:
    if value is None:
        return table[OTHER]
    return table.get(value.strip().casefold(), table[OTHER])


def score(household: HouseholdState, on: date, weights: WelfareWeights) -> WelfareScore:
    """The proxy-means score of the household as it was on `on` (its active members, their ages that day)."""
    housing, assets, w = household.housing, household.assets, weights
    members = household.active_members(on)
    size = len(members)
    ages = [m.age_on(on) for m in members]
    electricity = 0
    if housing.electricity_va is not None:
        electricity = max((b.points for b in w.electricity_va if b.at_least <= housing.electricity_va), default=0)
    area = 0
    if housing.floor_area_m2 is not None and size:
        area = min(w.floor_m2_per_person_cap, int(housing.floor_area_m2 // size)) * w.floor_m2_per_person_points
    adults = [m.education for m, age in zip(members, ages, strict=True) if age >= w.adult_from]
    workers = [m.occupation for m, age in zip(members, ages, strict=True) if age >= w.working_from]
    dependants = sum(1 for age in ages if age < w.dependant_under or age >= w.dependant_from)
    points = (
        ("roof", _look_up(w.roof_material, housing.roof_material)),
        ("walls", _look_up(w.wall_material, housing.wall_material)),
        ("floor", _look_up(w.floor_material, housing.floor_material)),
        ("toilet", _look_up(w.toilet, housing.toilet)),
        ("drinking_water", _look_up(w.drinking_water, housing.drinking_water)),
        ("lighting", _look_up(w.lighting, housing.lighting)),
        ("electricity", electricity),
        ("floor_area", area),
        ("land", w.land_owned if assets.land_owned else 0),
        ("house_ownership", _look_up(w.house_ownership, assets.house_ownership)),
        ("vehicles", sum(_look_up(w.vehicle, v) for v in assets.vehicles)),
        ("livestock", sum(_look_up(w.livestock, v) for v in assets.livestock)),
        ("appliances", sum(_look_up(w.appliance, v) for v in assets.appliances)),
        ("size", size * w.per_member),
        ("dependants", dependants * w.per_dependant),
        ("education", max((w.education[e] for e in adults), default=w.education[Education.NONE])),
        ("occupation", max((_look_up(w.occupation, o) for o in workers), default=w.occupation[OTHER])),
    )
    return WelfareScore(sum(p for _, p in points), points, w.version)


@dataclass(frozen=True, slots=True)
class WelfareRank:
    """A household's place in its regency on one date: rank 1 is the poorest, decile 1 the poorest tenth."""

    household_id: str
    regency: str
    score: WelfareScore
    rank: int
    of: int
    decile: int


def places_by_regency(scored: Iterable[tuple[str, str, int]]) -> dict[str, tuple[int, int, int]]:
    """(rank, of, decile) of (household id, regency, score total) triples per regency: score ascending, ties by
    household id; the ranking alone, for a projection that re-ranks a regency without the scores' details."""
    by_regency: dict[str, list[tuple[int, str]]] = {}
    for household_id, regency, total in scored:
        by_regency.setdefault(regency, []).append((total, household_id))
    places: dict[str, tuple[int, int, int]] = {}
    for entries in by_regency.values():
        entries.sort()
        n = len(entries)
        for index, (_, household_id) in enumerate(entries):
            places[household_id] = (index + 1, n, index * 10 // n + 1)
    return places


def rank_by_regency(scored: Iterable[tuple[str, str, WelfareScore]]) -> dict[str, WelfareRank]:
    """Rank (household id, regency, score) triples per regency: score ascending, ties by household id."""
    scored = list(scored)
    places = places_by_regency((household_id, regency, welfare.total) for household_id, regency, welfare in scored)
    return {household_id: WelfareRank(household_id, regency, welfare, *places[household_id])
            for household_id, regency, welfare in scored}
