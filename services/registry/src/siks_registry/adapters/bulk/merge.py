"""The merge of the former data islands' files into one registry keyed by NIK, refusing to guess.

A person whose files disagree on name, birth date or family card (KK) is reported as a conflict and imported
from no file; a household whose files disagree on its village likewise. A row breaking a rule is rejected with
every reason; a conflicting person's rows are reported once, as the conflict, and not also judged row by row.
Everything else is merged: one person per NIK, programme memberships united.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal, NamedTuple

from siks_events.catalog.registry import Location, Person, Program

from siks_registry.adapters.bulk.checked_row import CheckedRow, ProgramStart, check_row
from siks_registry.adapters.bulk.collector import cycle_collector_paused
from siks_registry.adapters.bulk.csv_format import read_rows

ConflictField = Literal["full_name", "birth_date", "kk_number", "region_code"]

_PROGRAM_ORDER = {program: index for index, program in enumerate(Program)}


class SourceValue(NamedTuple):
    """What one file said, and on which line."""

    file: str
    line: int
    value: str


@dataclass(frozen=True)
class MergeConflict:
    """Files disagree on `field` of a person (`nik`) or of a household (`kk_number`, nik None); nothing of it was imported."""

    nik: str | None
    kk_number: str | None
    field: ConflictField
    values: list[SourceValue]


@dataclass(frozen=True)
class RejectedRow:
    """A row that breaks rules, with every reason as `code: message`."""

    file: str
    line: int
    nik: str
    reasons: list[str]


@dataclass(slots=True)
class HouseholdImport:
    """A household (rumah tangga) ready to register: its KK, village, members and each member's programmes."""

    kk_number: str
    region_code: str
    address: str
    location: Location | None
    members: list[Person] = field(default_factory=list)
    programs: dict[str, list[tuple[Program, date | None]]] = field(default_factory=dict)


@dataclass(slots=True)
class MergeResult:
    """The merged registry, what could not be merged, and counts for the operator's summary."""

    households: list[HouseholdImport]
    conflicts: list[MergeConflict]
    rejected: list[RejectedRow]
    rows_read: int
    persons_merged: int
    persons_in_several_files: int


class _Sighting(NamedTuple):
    """What one row said about a person, kept small: 100,000 rows stay in memory until every file is read."""

    file: str
    line: int
    full_name: str
    name_key: str
    birth_date: str
    kk_number: str
    programs: tuple[ProgramStart, ...]
    reasons: list[str]


@dataclass(slots=True)
class _HouseholdDraft:
    """A KK as first listed, and each village code any file gave it (first line per file and code)."""

    first: CheckedRow
    regions: dict[tuple[str, str], int]


@dataclass(slots=True)
class _Reading:
    """What the pass over the files keeps: per NIK what each row said, per KK how it was first listed."""

    sightings: dict[str, list[_Sighting]] = field(default_factory=dict)
    persons: dict[str, Person] = field(default_factory=dict)  # the first valid row's record of each NIK
    drafts: dict[str, _HouseholdDraft] = field(default_factory=dict)
    rejected: list[RejectedRow] = field(default_factory=list)
    rows_read: int = 0

    def add(self, row: CheckedRow) -> None:
        """Take in one checked row, in file order."""
        self.rows_read += 1
        if row.has_valid_kk_shape:
            draft = self.drafts.get(row.kk_number)
            if draft is None:
                draft = self.drafts[row.kk_number] = _HouseholdDraft(row, {})
            draft.regions.setdefault((row.file, row.region_code), row.line)
        if not row.has_valid_nik_shape:
            # without a NIK the row cannot be matched to anyone, so it is judged alone
            self.rejected.append(RejectedRow(row.file, row.line, row.nik, row.reasons))
            return
        if row.person is not None and row.nik not in self.persons:
            self.persons[row.nik] = row.person
        self.sightings.setdefault(row.nik, []).append(_Sighting(
            row.file, row.line, row.full_name, row.name_key, row.birth_date, row.kk_number, row.programs, row.reasons,
        ))


def merge(files: Sequence[Path], *, progress: Callable[[int], None] | None = None) -> MergeResult:
    """Read the files in order and merge their rows by NIK; the first file listing a KK gives the household's fields."""
    paths = [Path(path) for path in files]
    names = [path.name for path in paths]
    if len(set(names)) != len(names):
        raise ValueError(f"files must have distinct names, since reports cite them by name: {names}")
    with cycle_collector_paused():
        reading = _Reading()
        for path in paths:
            for source in read_rows(path):
                reading.add(check_row(source))
                if progress is not None:
                    progress(1)
        return _decide(reading, names)


def _decide(reading: _Reading, names: list[str]) -> MergeResult:
    """Conflicts first, then rejections; what remains is imported, one person per NIK."""
    conflicts = [conflict for kk, draft in reading.drafts.items() if (conflict := _region_conflict(kk, draft))]
    disputed = {conflict.kk_number for conflict in conflicts}
    households = {
        kk: HouseholdImport(kk, draft.first.region_code, draft.first.address, draft.first.location)
        for kk, draft in reading.drafts.items() if kk not in disputed
    }
    rejected = list(reading.rejected)
    several = 0
    for nik, seen in reading.sightings.items():
        found = _person_conflicts(nik, seen)
        if found:
            conflicts += found
            continue
        rejected += [RejectedRow(s.file, s.line, nik, s.reasons) for s in seen if s.reasons]
        valid = [s for s in seen if not s.reasons]
        household = households.get(seen[0].kk_number)
        if not valid or household is None:
            continue
        household.members.append(reading.persons[nik])
        programs = _united_programs(valid)
        if programs:
            household.programs[nik] = programs
        if len({s.file for s in valid}) > 1:
            several += 1

    order = {name: index for index, name in enumerate(names)}
    rejected.sort(key=lambda r: (order[r.file], r.line))
    imported = [household for household in households.values() if household.members]
    return MergeResult(
        households=imported,
        conflicts=conflicts,
        rejected=rejected,
        rows_read=reading.rows_read,
        persons_merged=sum(len(household.members) for household in imported),
        persons_in_several_files=several,
    )


def _region_conflict(kk_number: str, draft: _HouseholdDraft) -> MergeConflict | None:
    if len({region for _, region in draft.regions}) < 2:
        return None
    values = [SourceValue(file, line, region) for (file, region), line in draft.regions.items()]
    return MergeConflict(nik=None, kk_number=kk_number, field="region_code", values=values)


def _person_conflicts(nik: str, seen: list[_Sighting]) -> list[MergeConflict]:
    """Every field on which one NIK's rows disagree; checked before the NIK, which a birth-date disagreement breaks."""
    if len(seen) < 2:
        return []
    kk_numbers = {s.kk_number for s in seen}
    kk_number = next(iter(kk_numbers)) if len(kk_numbers) == 1 else None
    conflicts = []
    if len({s.name_key for s in seen}) > 1:
        conflicts.append(MergeConflict(nik, kk_number, "full_name", [SourceValue(s.file, s.line, s.full_name) for s in seen]))
    if len({s.birth_date for s in seen}) > 1:
        conflicts.append(MergeConflict(nik, kk_number, "birth_date", [SourceValue(s.file, s.line, s.birth_date) for s in seen]))
    if kk_number is None:
        conflicts.append(MergeConflict(nik, None, "kk_number", [SourceValue(s.file, s.line, s.kk_number) for s in seen]))
    return conflicts


def _united_programs(valid: list[_Sighting]) -> list[tuple[Program, date | None]]:
    """Every programme any file lists for the person, with the earliest start any file gives."""
    starts: dict[Program, date | None] = {}
    for sighting in valid:
        for program, start in sighting.programs:
            known = starts.get(program)
            if program not in starts or (start is not None and (known is None or start < known)):
                starts[program] = start
    return sorted(starts.items(), key=lambda item: _PROGRAM_ORDER[item[0]])
