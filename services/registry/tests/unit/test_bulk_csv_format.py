"""The import file's CSV layout: what is written is read back, each row with its file and line."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from siks_events.catalog.registry import Person, Program, Relationship, Sex
from siks_registry.adapters.bulk.csv_format import (
    COLUMNS,
    CsvLayoutError,
    format_cell,
    person_cells,
    read_rows,
    write_rows,
)


def test_rows_written_are_read_back_with_their_file_and_line(tmp_path: Path):
    path = tmp_path / "PKH.csv"
    count = write_rows(path, [
        {"nik": "3571011205800001", "programs": [Program.PKH, Program.PIP], "program_start": date(2020, 1, 2)},
        {"nik": "3571014703850001", "pregnant": True, "lat": -7.81},
    ])

    rows = list(read_rows(path))

    assert count == 2
    assert [(r.file, r.line) for r in rows] == [("PKH.csv", 2), ("PKH.csv", 3)]
    assert rows[0]["programs"] == "PKH;PIP" and rows[0]["program_start"] == "2020-01-02"
    assert rows[1]["pregnant"] == "true" and rows[1]["lat"] == "-7.81" and rows[1]["disability"] == ""
    assert list(rows[0].fields) == list(COLUMNS)
    assert all(row.problem is None for row in rows)


def test_a_quoted_cell_spanning_lines_keeps_the_next_rows_line_number(tmp_path: Path):
    path = tmp_path / "DTKS.csv"
    write_rows(path, [{"nik": "1", "address": "Jl. Kawi\nRT 001/RW 002"}, {"nik": "2"}])

    assert [(row["nik"], row.line) for row in read_rows(path)] == [("1", 2), ("2", 4)]


def test_a_byte_order_mark_blank_lines_and_reordered_columns_are_accepted(tmp_path: Path):
    path = tmp_path / "BST.csv"
    header = ",".join(reversed(COLUMNS))
    cells = ",".join("3571011205800001" if column == "nik" else "" for column in reversed(COLUMNS))
    path.write_text(f"\ufeff{header}\n\n{cells}\n", encoding="utf-8")

    [row] = read_rows(path)

    assert (row["nik"], row.line) == ("3571011205800001", 3)


def test_an_empty_file_is_refused(tmp_path: Path):
    path = tmp_path / "BPNT.csv"
    path.write_text("", encoding="utf-8")

    with pytest.raises(CsvLayoutError, match="header row is required"):
        list(read_rows(path))


def test_a_persons_cells_follow_the_layout():
    person = Person(nik="3571014703850001", full_name="Siti Aminah", sex=Sex.FEMALE, birth_date=date(1985, 3, 7),
                    relationship=Relationship.SPOUSE, pregnant=True, chronic_illness="asma")

    cells = dict(zip(COLUMNS[COLUMNS.index("nik"):], person_cells(person), strict=False))

    assert cells == {
        "nik": "3571014703850001", "full_name": "Siti Aminah", "sex": "female", "birth_place": "",
        "birth_date": "1985-03-07", "relationship": "spouse", "marital_status": "single", "education": "none",
        "attending_school": "false", "occupation": "", "disability": "", "chronic_illness": "asma", "pregnant": "true",
    }
    assert [format_cell(Sex.MALE), format_cell(None), format_cell(False), format_cell(())] == ["male", "", "false", ""]
