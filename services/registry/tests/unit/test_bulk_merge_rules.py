"""Hand-written import files: what the merge rejects, what it reports as a conflict, and what it merges."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from siks_events.catalog.registry import Location, Program
from siks_registry.adapters.bulk.csv_format import COLUMNS, CsvLayoutError, write_rows
from siks_registry.adapters.bulk.merge import MergeResult, RejectedRow, SourceValue, merge

VILLAGE = "3571011001"  # Bandar Lor, Mojoroto, Kota Kediri
KK = "3571010101150001"
OTHER_KK = "3571010101150002"
BUDI = "3571011205800001"  # male, born 12 May 1980
SITI = "3571014703850001"  # female, born 7 March 1985: day 07 + 40


def member(**changes: str) -> dict[str, str]:
    """A valid head of household's row, with the given cells changed."""
    return {
        "kk_number": KK, "region_code": VILLAGE, "address": "Jl. Mayjen Sungkono No. 5, RT 002/RW 001",
        "lat": "-7.81", "lon": "112.01", "nik": BUDI, "full_name": "Budi Santoso", "sex": "male",
        "birth_place": "Kediri", "birth_date": "1980-05-12", "relationship": "head", "marital_status": "married",
        "education": "primary", "attending_school": "false", "occupation": "petani", "disability": "",
        "chronic_illness": "", "pregnant": "false", "programs": "", "program_start": "",
    } | changes


def siti(**changes: str) -> dict[str, str]:
    return member(nik=SITI, full_name="Siti Aminah", sex="female", birth_date="1985-03-07", relationship="spouse") | changes


def write(path: Path, *rows: dict[str, str]) -> Path:
    write_rows(path, rows)
    return path


def codes(row: RejectedRow) -> set[str]:
    return {reason.split(":", 1)[0] for reason in row.reasons}


def by_line(result: MergeResult) -> dict[int, set[str]]:
    return {row.line: codes(row) for row in result.rejected}


def test_broken_niks_and_an_unknown_village_are_rejected_with_each_reason(tmp_path: Path):
    result = merge([write(
        tmp_path / "DTKS.csv",
        member(),                                                             # line 2: valid
        siti(nik="35710147038"),                                              # line 3: malformed
        siti(nik="3571014703850002", birth_date="1985-03-08"),                # line 4: date mismatch
        siti(nik="3571014703850000"),                                         # line 5: serial 0000
        member(kk_number=OTHER_KK, region_code="3571019999", nik="3571011205800002"),  # line 6: no such village
    )])

    assert by_line(result) == {
        3: {"nik-format"},
        4: {"nik-birth-date"},
        5: {"nik-serial"},
        6: {"region-unknown"},
    }
    assert [r.nik for r in result.rejected] == ["35710147038", "3571014703850002", "3571014703850000", "3571011205800002"]
    assert all(r.file == "DTKS.csv" for r in result.rejected)
    [household] = result.households
    assert [p.nik for p in household.members] == [BUDI]
    assert result.conflicts == []


def test_a_row_lists_every_reason_not_only_the_first(tmp_path: Path):
    result = merge([write(tmp_path / "PKH.csv", member(
        sex="pria", birth_date="12/05/1980", education="college", attending_school="ya",
        programs="PKH;BLT", program_start="2020-13-01", lat="-7.81", lon="",
    ))])

    [rejected] = result.rejected
    assert codes(rejected) == {
        "sex-invalid", "birth_date-invalid", "education-invalid", "attending_school-invalid",
        "programs-invalid", "program_start-invalid", "location-incomplete",
    }
    assert result.households == []


def test_a_woman_whose_nik_day_lacks_the_forty_is_rejected(tmp_path: Path):
    result = merge([write(tmp_path / "PKH.csv", siti(nik="3571010703850001"))])

    assert by_line(result) == {2: {"nik-sex"}}


def test_a_pregnant_man_is_rejected(tmp_path: Path):
    result = merge([write(tmp_path / "PKH.csv", member(pregnant="true"))])

    assert by_line(result) == {2: {"pregnant-male"}}


@pytest.mark.parametrize(("kk_number", "code"), [("3571010101150000", "kk-serial"), ("35710101", "kk-format"),
                                                 ("9999990101150001", "kk-region")])
def test_a_household_with_a_bad_kk_number_is_rejected_with_all_its_rows(tmp_path: Path, kk_number: str, code: str):
    result = merge([write(tmp_path / "DTKS.csv", member(kk_number=kk_number), siti(kk_number=kk_number))])

    assert by_line(result) == {2: {code}, 3: {code}}
    assert result.households == []


def test_names_differing_only_in_case_and_spacing_are_one_person(tmp_path: Path):
    result = merge([
        write(tmp_path / "DTKS.csv", member()),
        write(tmp_path / "BPNT.csv", member(full_name="  BUDI   santoso ")),
    ])

    assert result.conflicts == [] and result.rejected == []
    [household] = result.households
    assert [p.full_name for p in household.members] == ["Budi Santoso"]
    assert result.persons_merged == 1
    assert result.persons_in_several_files == 1


def test_a_different_name_in_a_second_file_is_a_conflict_and_imports_the_person_from_no_file(tmp_path: Path):
    result = merge([
        write(tmp_path / "DTKS.csv", member(), siti()),
        write(tmp_path / "PKH.csv", siti(full_name="Sri Wahyuni")),
    ])

    [conflict] = result.conflicts
    assert (conflict.nik, conflict.kk_number, conflict.field) == (SITI, KK, "full_name")
    assert conflict.values == [SourceValue("DTKS.csv", 3, "Siti Aminah"), SourceValue("PKH.csv", 2, "Sri Wahyuni")]
    [household] = result.households
    assert [p.nik for p in household.members] == [BUDI]


def test_a_different_birth_date_is_reported_as_a_conflict_not_as_a_nik_mismatch(tmp_path: Path):
    result = merge([
        write(tmp_path / "DTKS.csv", siti()),
        write(tmp_path / "BST.csv", siti(birth_date="1985-03-08")),
    ])

    assert [(c.nik, c.field) for c in result.conflicts] == [(SITI, "birth_date")]
    assert result.conflicts[0].values == [SourceValue("DTKS.csv", 2, "1985-03-07"), SourceValue("BST.csv", 2, "1985-03-08")]
    assert result.rejected == []
    assert result.households == []  # Siti was the household's only member


def test_the_same_nik_under_two_family_cards_is_a_kk_number_conflict(tmp_path: Path):
    result = merge([
        write(tmp_path / "DTKS.csv", member(), siti()),
        write(tmp_path / "PKH.csv", siti(kk_number=OTHER_KK)),
    ])

    [conflict] = result.conflicts
    assert (conflict.nik, conflict.kk_number, conflict.field) == (SITI, None, "kk_number")
    assert [v.value for v in conflict.values] == [KK, OTHER_KK]
    assert [h.kk_number for h in result.households] == [KK]
    assert [p.nik for p in result.households[0].members] == [BUDI]


def test_files_disagreeing_on_the_village_make_a_household_conflict(tmp_path: Path):
    result = merge([
        write(tmp_path / "DTKS.csv", member(), siti()),
        write(tmp_path / "BPNT.csv", member(region_code="3571011002")),
    ])

    [conflict] = result.conflicts
    assert (conflict.nik, conflict.kk_number, conflict.field) == (None, KK, "region_code")
    assert conflict.values == [SourceValue("DTKS.csv", 2, VILLAGE), SourceValue("BPNT.csv", 2, "3571011002")]
    assert result.households == [] and result.rejected == []


def test_programmes_are_united_with_the_earliest_start(tmp_path: Path):
    result = merge([
        write(tmp_path / "PKH.csv", member(programs="PKH", program_start="2019-01-01")),
        write(tmp_path / "BPNT.csv", member(programs="SEMBAKO;PKH", program_start="2018-06-01")),
        write(tmp_path / "DTKS.csv", member(programs="PBI_JK")),
    ])

    [household] = result.households
    assert household.programs == {BUDI: [
        (Program.PKH, date(2018, 6, 1)), (Program.SEMBAKO, date(2018, 6, 1)), (Program.PBI_JK, None),
    ]}


def test_household_fields_come_from_the_first_file_that_lists_the_kk(tmp_path: Path):
    result = merge([
        write(tmp_path / "PKH.csv", siti(address="Jl. Kawi No. 1", lat="-7.8", lon="112.0")),
        write(tmp_path / "DTKS.csv", member(address="Jl. Semeru No. 9", lat="", lon="")),
    ])

    [household] = result.households
    assert (household.region_code, household.address, household.location) == (
        VILLAGE, "Jl. Kawi No. 1", Location(lat=-7.8, lon=112.0))
    assert [p.nik for p in household.members] == [SITI, BUDI]


def test_a_rejected_row_in_one_file_leaves_the_valid_row_of_another(tmp_path: Path):
    result = merge([
        write(tmp_path / "DTKS.csv", member(education="college")),
        write(tmp_path / "PKH.csv", member(programs="PKH", program_start="2021-02-01")),
    ])

    assert [(r.file, codes(r)) for r in result.rejected] == [("DTKS.csv", {"education-invalid"})]
    [household] = result.households
    assert household.members[0].education.value == "primary"
    assert household.programs == {BUDI: [(Program.PKH, date(2021, 2, 1))]}
    assert result.persons_in_several_files == 0


def test_a_file_without_the_layouts_columns_is_refused(tmp_path: Path):
    path = tmp_path / "BST.csv"
    path.write_text("nik,full_name\n3571011205800001,Budi\n", encoding="utf-8")

    with pytest.raises(CsvLayoutError, match="lacks the columns kk_number"):
        merge([path])


def test_a_row_with_the_wrong_number_of_cells_is_rejected(tmp_path: Path):
    path = write(tmp_path / "BST.csv", member())
    with path.open("a", encoding="utf-8") as out:
        out.write(f"{KK},{VILLAGE},Jl. Kawi\n")

    result = merge([path])

    assert "row-width" in by_line(result)[3]
    assert len(result.households) == 1


def test_files_sharing_a_name_are_refused(tmp_path: Path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first, second = write(tmp_path / "a" / "DTKS.csv", member()), write(tmp_path / "b" / "DTKS.csv", member())

    with pytest.raises(ValueError, match="distinct names"):
        merge([first, second])


def test_the_layout_has_every_person_field_once():
    assert len(COLUMNS) == len(set(COLUMNS)) == 20
