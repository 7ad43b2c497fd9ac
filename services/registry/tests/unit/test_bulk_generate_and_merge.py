"""Generated data islands merged back into one registry: one person per NIK, exactly the planted conflicts."""

from __future__ import annotations

import csv
import json
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from siks_events.catalog.registry import Program, Relationship, Sex
from siks_events.identity import kk_problems, nik_problems, village_problems
from siks_registry.adapters.bulk.checked_row import name_key
from siks_registry.adapters.bulk.csv_format import read_rows
from siks_registry.adapters.bulk.generator import MANIFEST_FILE, Manifest, generate
from siks_registry.adapters.bulk.merge import MergeResult, merge

ISLANDS = ("DTKS", "PKH", "BPNT")
HOUSEHOLDS = 300
CONFLICTS = 7


@pytest.fixture(scope="module")
def islands_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("islands")


@pytest.fixture(scope="module")
def manifest(islands_dir: Path) -> Manifest:
    return generate(islands_dir, households=HOUSEHOLDS, islands=ISLANDS, overlap=0.3, conflicts=CONFLICTS, seed=11)


@pytest.fixture(scope="module")
def merged(manifest: Manifest, islands_dir: Path) -> MergeResult:
    return merge(manifest.paths(islands_dir))


@pytest.fixture(scope="module")
def rows_by_nik(manifest: Manifest, islands_dir: Path) -> dict[str, list[dict[str, str]]]:
    found: dict[str, list[dict[str, str]]] = {}
    for path in manifest.paths(islands_dir):
        for row in read_rows(path):
            found.setdefault(row["nik"], []).append({"file": row.file, **row.fields})
    return found


def test_generation_writes_one_file_per_island_and_a_manifest(manifest: Manifest, islands_dir: Path):
    assert [f.file for f in manifest.files] == ["DTKS.csv", "PKH.csv", "BPNT.csv"]
    assert all((islands_dir / f.file).exists() for f in manifest.files)
    assert Manifest.model_validate_json((islands_dir / MANIFEST_FILE).read_text()) == manifest
    assert manifest.households == HOUSEHOLDS


def test_every_household_is_in_a_file_and_the_requested_share_in_several(
    manifest: Manifest, rows_by_nik: dict[str, list[dict[str, str]]]
):
    files_per_kk: dict[str, set[str]] = {}
    for rows in rows_by_nik.values():
        for row in rows:
            files_per_kk.setdefault(row["kk_number"], set()).add(row["file"])
    assert len(files_per_kk) == HOUSEHOLDS
    assert sum(len(files) > 1 for files in files_per_kk.values()) == round(0.3 * HOUSEHOLDS)
    assert manifest.households_in_several_files == round(0.3 * HOUSEHOLDS)
    assert len(rows_by_nik) == manifest.persons


def test_three_overlapping_files_give_one_person_per_nik(merged: MergeResult, manifest: Manifest):
    niks = [person.nik for household in merged.households for person in household.members]
    assert len(niks) == len(set(niks))
    assert merged.persons_merged == manifest.persons - CONFLICTS
    assert len({household.kk_number for household in merged.households}) == len(merged.households)
    assert merged.rows_read == sum(f.rows for f in manifest.files)
    assert merged.rejected == []


def test_a_person_listed_in_several_files_is_merged_with_every_files_programmes(
    merged: MergeResult, rows_by_nik: dict[str, list[dict[str, str]]]
):
    merged_programs = {nik: dict(programs) for h in merged.households for nik, programs in h.programs.items()}
    persons = {person.nik for h in merged.households for person in h.members}
    several = [nik for nik, rows in rows_by_nik.items() if len(rows) > 1 and nik in persons]
    assert merged.persons_in_several_files == len(several) > 0
    united = 0
    for nik in several:
        listed = {Program(p) for row in rows_by_nik[nik] for p in row["programs"].split(";") if p}
        assert set(merged_programs.get(nik, {})) == listed
        for program, start in merged_programs.get(nik, {}).items():
            starts = [row["program_start"] for row in rows_by_nik[nik] if program.value in row["programs"].split(";")]
            assert start.isoformat() == min(starts)
        united += len({row["programs"] for row in rows_by_nik[nik] if row["programs"]}) > 1
    assert united > 0, "some merged person should carry programmes from two files"


def test_the_conflict_report_lists_exactly_the_planted_conflicts(merged: MergeResult, manifest: Manifest):
    planted = {(c.nik, c.field) for c in manifest.conflicts}
    assert len(planted) == CONFLICTS
    assert Counter(field for _, field in planted) == {"full_name": 4, "birth_date": 3}
    assert Counter((c.nik, c.field) for c in merged.conflicts) == Counter(planted)


def test_a_conflict_cites_each_files_value_and_line(merged: MergeResult, manifest: Manifest):
    planted = {(c.nik, c.field): c for c in manifest.conflicts}
    for conflict in merged.conflicts:
        expected = planted[(conflict.nik, conflict.field)]
        assert conflict.kk_number == expected.kk_number
        values = {(value.file, value.value) for value in conflict.values}
        assert (expected.file, expected.planted) in values
        assert any(file != expected.file and value == expected.listed for file, value in values)
        assert all(value.line >= 2 for value in conflict.values)


def test_a_conflicting_person_is_imported_from_no_file(merged: MergeResult, manifest: Manifest):
    imported = {person.nik for household in merged.households for person in household.members}
    assert imported.isdisjoint(c.nik for c in manifest.conflicts)


def test_a_planted_name_is_clearly_different(manifest: Manifest):
    names = [c for c in manifest.conflicts if c.field == "full_name"]
    assert all(name_key(c.listed) != name_key(c.planted) for c in names)


def test_every_generated_nik_kk_and_village_passes_the_rules(rows_by_nik: dict[str, list[dict[str, str]]], manifest: Manifest):
    planted_dates = {(c.file, c.nik) for c in manifest.conflicts if c.field == "birth_date"}
    for nik, rows in rows_by_nik.items():
        for row in rows:
            if (row["file"], nik) in planted_dates:
                continue  # the planted date is wrong on purpose
            birth_date = date.fromisoformat(row["birth_date"])
            assert nik_problems(nik, birth_date=birth_date, sex=row["sex"]) == []
            assert nik[:4] == "3571"
            assert kk_problems(row["kk_number"]) == []
            assert village_problems(row["region_code"]) == []
            assert row["region_code"][:6] == nik[:6]


def test_generated_households_are_plausible(merged: MergeResult):
    for household in merged.households:
        heads = [p for p in household.members if p.relationship is Relationship.HEAD]
        assert len(heads) <= 1  # a planted conflict may have taken the head out
        spouses = [p for p in household.members if p.relationship is Relationship.SPOUSE]
        if heads:
            head = heads[0]
            assert all(spouse.sex is not head.sex for spouse in spouses)
            assert all(child.birth_date > head.birth_date for child in household.members
                       if child.relationship is Relationship.CHILD)
        for person in household.members:
            assert not person.pregnant or person.sex is Sex.FEMALE
        for nik, programs in household.programs.items():
            person = next(p for p in household.members if p.nik == nik)
            if Program.PIP in dict(programs):
                assert person.attending_school


def test_programmes_follow_the_island(rows_by_nik: dict[str, list[dict[str, str]]]):
    allowed = {"DTKS.csv": {"PBI_JK", "KIP_KULIAH"}, "PKH.csv": {"PKH", "PIP"}, "BPNT.csv": {"SEMBAKO"}}
    for rows in rows_by_nik.values():
        for row in rows:
            programs = {p for p in row["programs"].split(";") if p}
            assert programs <= allowed[row["file"]]
            assert bool(programs) == bool(row["program_start"])


def test_the_same_seed_gives_the_same_files(tmp_path: Path):
    first = generate(tmp_path / "a", households=40, conflicts=3, seed=5)
    second = generate(tmp_path / "b", households=40, conflicts=3, seed=5)
    other = generate(tmp_path / "c", households=40, conflicts=3, seed=6)
    assert first == second != other
    for island_file in first.files:
        assert (tmp_path / "a" / island_file.file).read_bytes() == (tmp_path / "b" / island_file.file).read_bytes()
    assert (tmp_path / "a" / "DTKS.csv").read_bytes() != (tmp_path / "c" / "DTKS.csv").read_bytes()


def test_progress_is_reported_per_household_and_per_row(tmp_path: Path):
    generated, read = [], []
    manifest = generate(tmp_path, households=25, progress=generated.append)
    result = merge(manifest.paths(tmp_path), progress=read.append)
    assert generated == [1] * 25
    assert read == [1] * result.rows_read
    assert result.rows_read == sum(f.rows for f in manifest.files)


def test_the_manifest_is_plain_json(manifest: Manifest, islands_dir: Path):
    document = json.loads((islands_dir / MANIFEST_FILE).read_text())
    assert {"files", "households", "persons", "conflicts"} <= set(document)
    assert {"nik", "field"} <= set(document["conflicts"][0])


def test_generated_files_have_the_import_layout(manifest: Manifest, islands_dir: Path):
    with (islands_dir / "DTKS.csv").open(newline="") as source:
        header = next(csv.reader(source))
    assert header[:6] == ["kk_number", "region_code", "address", "lat", "lon", "nik"]


@pytest.mark.parametrize(
    ("arguments", "complaint"),
    [
        ({"regency": "9999"}, "not a known regency"),
        ({"islands": ("DTKS", "KIS")}, "islands must be"),
        ({"islands": ("DTKS",), "overlap": 0.3}, "two or more islands"),
        ({"conflicts": 10_000}, "conflicts were asked for"),
    ],
)
def test_impossible_requests_are_refused(tmp_path: Path, arguments: dict, complaint: str):
    with pytest.raises(ValueError, match=complaint):
        generate(tmp_path, households=20, **arguments)
