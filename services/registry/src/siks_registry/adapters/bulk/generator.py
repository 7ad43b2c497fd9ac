"""Synthetic data islands (DTKS, PKH, BPNT, BST lists) for rehearsing their merge into one registry.

Every household lands in at least one island's CSV file; a share of them in several, as happened before
the islands were merged. Planted conflicts let a test check that the merge reports exactly them.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Literal

from faker import Faker
from pydantic import BaseModel, ConfigDict

from siks_registry.adapters.bulk.collector import cycle_collector_paused
from siks_registry.adapters.bulk.csv_format import COLUMNS, format_cell, person_cells, write_cells
from siks_registry.adapters.bulk.island_programs import ISLANDS, listing, pkh_components
from siks_registry.adapters.bulk.nik_issuer import NikIssuer
from siks_registry.adapters.bulk.synthetic_households import AS_OF, HouseholdFactory, SyntheticHousehold

MANIFEST_FILE = "manifest.json"

ConflictField = Literal["full_name", "birth_date"]

# how often a household that is on only one list is on each (DTKS was the largest)
_ISLAND_WEIGHTS = {"DTKS": 40, "PKH": 20, "BPNT": 25, "BST": 15}
_EXTRA_ISLANDS_WEIGHTS = {2: 75, 3: 20, 4: 5}


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class IslandFile(_Model):
    """One island's CSV file, named relative to the output directory."""

    island: str
    file: str
    households: int
    rows: int


class PlantedConflict(_Model):
    """A person whose record in `file` differs from the island listed first on `field`."""

    nik: str
    kk_number: str
    field: ConflictField
    file: str
    listed: str
    planted: str


class Manifest(_Model):
    """What `generate` wrote: the files, how many households and persons, and every planted conflict."""

    seed: int
    regency: str
    as_of: date
    files: list[IslandFile]
    households: int
    persons: int
    households_in_several_files: int
    conflicts: list[PlantedConflict]

    def paths(self, out_dir: Path) -> list[Path]:
        """The island files' paths, in island order."""
        return [out_dir / island_file.file for island_file in self.files]


def generate(
    out_dir: Path,
    *,
    households: int,
    regency: str = "3571",
    islands: Sequence[str] = ISLANDS,
    overlap: float = 0.3,
    conflicts: int = 0,
    seed: int = 0,
    progress: Callable[[int], None] | None = None,
) -> Manifest:
    """Write one `<island>.csv` per island plus `manifest.json` into `out_dir`; the same seed gives the same bytes."""
    islands = tuple(islands)
    _check_arguments(households, islands, overlap, conflicts)
    rng = random.Random(seed)
    fake = Faker("id_ID")
    fake.seed_instance(seed)
    factory = HouseholdFactory(regency=regency, rng=rng, fake=fake, issuer=NikIssuer())
    with cycle_collector_paused():
        made: list[SyntheticHousehold] = []
        for _ in range(households):
            made.append(factory.make())
            if progress is not None:
                progress(1)
        placements = _place(made, islands, overlap, rng)
        planted = _plant(made, placements, conflicts, rng, factory)
        out_dir.mkdir(parents=True, exist_ok=True)
        files = [_write_island(out_dir, island, made, placements, planted, rng) for island in islands]
    manifest = Manifest(
        seed=seed,
        regency=regency,
        as_of=AS_OF,
        files=files,
        households=households,
        persons=sum(len(household.members) for household in made),
        households_in_several_files=sum(len(places) > 1 for places in placements),
        conflicts=planted,
    )
    (out_dir / MANIFEST_FILE).write_text(manifest.model_dump_json(indent=2) + "\n", encoding="utf-8")
    return manifest


def _check_arguments(households: int, islands: tuple[str, ...], overlap: float, conflicts: int) -> None:
    if households < 0:
        raise ValueError("households cannot be negative")
    unknown = [island for island in islands if island not in ISLANDS]
    if unknown or not islands or len(set(islands)) != len(islands):
        raise ValueError(f"islands must be distinct names out of {', '.join(ISLANDS)}, not {islands}")
    if not 0.0 <= overlap <= 1.0:
        raise ValueError("overlap is a share between 0 and 1")
    if overlap > 0 and len(islands) < 2:
        raise ValueError("households can overlap only between two or more islands")
    if conflicts < 0:
        raise ValueError("conflicts cannot be negative")


def _place(made: list[SyntheticHousehold], islands: tuple[str, ...], overlap: float, rng: random.Random) -> list[tuple[str, ...]]:
    """The islands listing each household, in island order; exactly round(overlap * n) households get two or more."""
    possible = []
    for household in made:
        # a family without a PKH component could not have been on the PKH list
        fits = tuple(i for i in islands if i != "PKH" or pkh_components(household, AS_OF))
        possible.append(fits or islands)
    can_overlap = [index for index, fits in enumerate(possible) if len(fits) > 1]
    wanted = round(overlap * len(made))
    if wanted > len(can_overlap):
        raise ValueError(f"only {len(can_overlap)} households fit two or more of {islands}; {wanted} were asked to overlap")
    overlapping = set(rng.sample(can_overlap, wanted))
    placements = []
    for index, fits in enumerate(possible):
        if index in overlapping:
            count = rng.choices(list(_EXTRA_ISLANDS_WEIGHTS), list(_EXTRA_ISLANDS_WEIGHTS.values()))[0]
            chosen = set(rng.sample(fits, min(count, len(fits))))
        else:
            chosen = {rng.choices(fits, [_ISLAND_WEIGHTS[island] for island in fits])[0]}
        placements.append(tuple(island for island in islands if island in chosen))
    return placements


def _plant(
    made: list[SyntheticHousehold],
    placements: list[tuple[str, ...]],
    conflicts: int,
    rng: random.Random,
    factory: HouseholdFactory,
) -> list[PlantedConflict]:
    """Pick `conflicts` distinct people listed twice or more; the second island gets another name or birth date."""
    candidates = [
        (household, person, places[1])
        for household, places in zip(made, placements, strict=True)
        if len(places) > 1
        for person in household.members
    ]
    if conflicts > len(candidates):
        raise ValueError(f"only {len(candidates)} persons are in two or more files; {conflicts} conflicts were asked for")
    planted = []
    for number, (household, person, second) in enumerate(rng.sample(candidates, conflicts)):
        if number % 2 == 0:
            field: ConflictField = "full_name"
            listed, value = person.full_name, factory.other_name(person)
        else:
            field = "birth_date"
            shifted = person.birth_date + timedelta(days=rng.choice((-1, 1)) * rng.randint(1, 400))
            if shifted > AS_OF:
                shifted = person.birth_date - (shifted - person.birth_date)
            listed, value = person.birth_date.isoformat(), shifted.isoformat()
        planted.append(PlantedConflict(nik=person.nik, kk_number=household.kk_number, field=field,
                                       file=f"{second}.csv", listed=listed, planted=value))
    return planted


def _write_island(
    out_dir: Path,
    island: str,
    made: list[SyntheticHousehold],
    placements: list[tuple[str, ...]],
    planted: list[PlantedConflict],
    rng: random.Random,
) -> IslandFile:
    """Write the island's CSV: a row per member of each household the island lists, planted values put in."""
    file = f"{island}.csv"
    listed = [household for household, places in zip(made, placements, strict=True) if island in places]
    overrides = {conflict.nik: conflict for conflict in planted if conflict.file == file}
    rows = write_cells(out_dir / file, _rows(island, listed, overrides, rng))
    return IslandFile(island=island, file=file, households=len(listed), rows=rows)


def _rows(
    island: str,
    listed: list[SyntheticHousehold],
    overrides: dict[str, PlantedConflict],
    rng: random.Random,
) -> Iterator[list[str]]:
    for household in listed:
        record = listing(island, household, rng, AS_OF)
        location = household.location
        shared = [household.kk_number, household.region_code, household.address,
                  format_cell(location.lat if location else None), format_cell(location.lon if location else None)]
        for person in household.members:
            programs = record.programs.get(person.nik, ())
            row = [*shared, *person_cells(person), format_cell(programs), format_cell(record.start if programs else None)]
            conflict = overrides.get(person.nik)
            if conflict is not None:
                row[COLUMNS.index(conflict.field)] = conflict.planted
            yield row
