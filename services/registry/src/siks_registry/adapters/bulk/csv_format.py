"""The CSV layout of a bulk import file (berkas impor): one row per household member (ART), header row first.

A household (rumah tangga) is the set of rows sharing a `kk_number`; its fields (region, address, GPS) are
repeated on every member's row. Programme memberships are `;`-separated `Program` values that all started
on `program_start`.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import Enum
from pathlib import Path

from siks_events.catalog.registry import Person

COLUMNS: tuple[str, ...] = (
    "kk_number",
    "region_code",
    "address",
    "lat",
    "lon",
    "nik",
    "full_name",
    "sex",
    "birth_place",
    "birth_date",
    "relationship",
    "marital_status",
    "education",
    "attending_school",
    "occupation",
    "disability",
    "chronic_illness",
    "pregnant",
    "programs",
    "program_start",
)

PROGRAM_SEPARATOR = ";"


class CsvLayoutError(ValueError):
    """The file as a whole cannot be read as an import file (no header, or columns missing)."""


@dataclass(frozen=True, slots=True)
class SourceRow:
    """One data row as text, with where it came from; `problem` says why its cells cannot be trusted."""

    file: str
    line: int
    fields: Mapping[str, str]
    problem: str | None = None

    def __getitem__(self, column: str) -> str:
        return self.fields[column]


def format_cell(value: object) -> str:
    """The text a value is written as: ISO dates, true/false, enum values, `;`-joined lists, empty for None."""
    if isinstance(value, str):
        return str(value)  # a StrEnum member's str() is its value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple | set | frozenset):
        return PROGRAM_SEPARATOR.join(format_cell(item) for item in value)
    return str(value)


def person_cells(person: Person) -> list[str]:
    """The person's cells, `nik` to `pregnant` in `COLUMNS` order."""
    # spelled out rather than looped through format_cell: generating 100,000 rows spends its time here
    return [
        person.nik, person.full_name, str(person.sex), person.birth_place, person.birth_date.isoformat(),
        str(person.relationship), str(person.marital_status), str(person.education),
        "true" if person.attending_school else "false", person.occupation,
        person.disability or "", person.chronic_illness or "", "true" if person.pregnant else "false",
    ]


def format_row(row: Mapping[str, object]) -> list[str]:
    """A row's cells in `COLUMNS` order; a column the mapping lacks stays empty."""
    return [format_cell(row.get(column)) for column in COLUMNS]


def write_rows(path: Path, rows: Iterable[Mapping[str, object]]) -> int:
    """Write the header and one line per row; return the number of rows."""
    return write_cells(path, map(format_row, rows))


def write_cells(path: Path, rows: Iterable[Sequence[str]]) -> int:
    """Write the header and rows already formatted in `COLUMNS` order; return the number of rows."""
    count = 0
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for cells in rows:
            if len(cells) != len(COLUMNS):
                raise ValueError(f"a row has {len(cells)} cells, the layout {len(COLUMNS)}")
            writer.writerow(cells)
            count += 1
    return count


def read_rows(path: Path) -> Iterator[SourceRow]:
    """Stream the data rows of one file, each with the file's name and the line it starts on.

    Raises CsvLayoutError when the header is missing or lacks a column; a row with the wrong number of
    cells is still yielded, with `problem` set, so the caller can report it instead of stopping.
    """
    # utf-8-sig: spreadsheets exported on Windows start the file with a byte-order mark
    with path.open(newline="", encoding="utf-8-sig") as source:
        reader = csv.reader(source)
        header = next(reader, None)
        if header is None:
            raise CsvLayoutError(f"{path.name}: the file is empty; a header row is required")
        names = [name.strip() for name in header]
        missing = [column for column in COLUMNS if column not in names]
        if missing:
            raise CsvLayoutError(f"{path.name}: the header lacks the columns {', '.join(missing)}")
        duplicated = sorted({name for name in names if name in COLUMNS and names.count(name) > 1})
        if duplicated:
            raise CsvLayoutError(f"{path.name}: the header repeats the columns {', '.join(duplicated)}")
        positions = [(column, names.index(column)) for column in COLUMNS]
        width = len(names)
        end_of_previous = reader.line_num
        for cells in reader:
            # a quoted cell may span lines, so a row starts right after the previous one ended
            line, end_of_previous = end_of_previous + 1, reader.line_num
            if not cells or (len(cells) == 1 and not cells[0].strip()):
                continue
            problem = None
            if len(cells) != width:
                problem = f"row-width: the row has {len(cells)} cells, the header {width}"
                cells = cells + [""] * (width - len(cells))
            yield SourceRow(path.name, line, {column: cells[i] for column, i in positions}, problem)
