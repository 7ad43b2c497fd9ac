"""The merge of the former data islands' files into one registry keyed by NIK, refusing to guess.

A person whose files disagree on name, birth date or family card (KK) is reported as a conflict and imported
from no file; a household whose files disagree on its village likewise. A row breaking a rule is rejected with
every reason; a conflicting person's rows are reported once, as the conflict, and not also judged row by row.
Everything else is merged: one person per NIK, programme memberships united.
"""

from __future__ import annotations

import pickle
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal, NamedTuple

from siks_events.catalog.registry import Location, Person, Program

from siks_registry.adapters.bulk.checked_row import CheckedRow, ProgramStart, check_row, has_nik_shape
from siks_registry.adapters.bulk.collector import cycle_collector_paused
from siks_registry.adapters.bulk.csv_format import SourceRow, read_rows

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
    """What one row said about a person, kept small: a part's rows stay in memory until its decisions are made."""

    file: str
    line: int
    full_name: str
    name_key: str
    birth_date: str
    kk_number: str
    programs: tuple[ProgramStart, ...]
    reasons: list[str]


PART_BYTES = 16 * 1024 * 1024
"""Input per part of a streamed merge: about 80,000 rows, whose persons take some 150 MiB while decided."""
MAX_PARTS = 256  # two spill files per part stay open while the input is read


def parts_for(files: Sequence[Path]) -> int:
    """How many parts a streamed merge of these files needs to hold about `PART_BYTES` of input at a time."""
    size = sum(Path(path).stat().st_size for path in files)
    return max(1, min(MAX_PARTS, -(-size // PART_BYTES)))


_Seen = tuple[int, int]
"""Where a row stands in the input: (file index, line); the merge keeps the input's order by it."""


class _PersonRow(NamedTuple):
    """A row as read, waiting for its NIK's part: it is checked there, once, with the NIK's other rows."""

    seen: _Seen
    nik: str
    source: tuple  # a SourceRow's fields: a slotted dataclass pickles field by field, several times slower


class _HouseholdRow(NamedTuple):
    seen: _Seen
    kk_number: str
    file: str
    line: int
    region_code: str
    address: str
    location: Location | None


class _Member(NamedTuple):
    """A person the merge accepted, waiting for their household's part."""

    seen: _Seen
    kk_number: str
    person: Person
    programs: list[tuple[Program, date | None]]
    in_several_files: bool


class _Parts:
    """Records sorted into parts by a key's hash, in memory or spilled to files, each read back whole.

    Rows of one NIK must meet in one part, and so must one KK's households and members; only one part is
    ever held in memory, which bounds the merge's memory by the part's size instead of the input's.
    """

    CHUNK = 2000  # records pickled at once: one pickle call per record cost more than the merge itself

    def __init__(self, count: int, folder: Path | None, name: str) -> None:
        self.count = count
        self._pending: list[list] = [[] for _ in range(count)]
        # open for the merge's whole read of the input, closed by `take` and `close`
        self._files = [] if folder is None else [
            open(folder / f"{name}-{i}.pickle", "w+b") for i in range(count)]  # noqa: SIM115

    def add(self, key: str, record: tuple) -> None:
        index = zlib.crc32(key.encode()) % self.count
        pending = self._pending[index]
        pending.append(record)
        if self._files and len(pending) >= self.CHUNK:
            pickle.dump(pending, self._files[index], protocol=pickle.HIGHEST_PROTOCOL)
            pending.clear()

    def take(self, index: int) -> list:
        """The part's records in the order added, given up by the parts (a part is read once)."""
        pending, self._pending[index] = self._pending[index], []
        if not self._files:
            return pending
        spill = self._files[index]
        records: list = []
        with spill:
            spill.seek(0)
            while True:
                try:
                    records += pickle.load(spill)
                except EOFError:
                    return records + pending

    def close(self) -> None:
        for spill in self._files:
            spill.close()


@dataclass
class StreamedMerge:
    """A merge whose households come a part at a time (`households()`); the other fields are final once it is read."""

    conflicts: list[MergeConflict] = field(default_factory=list)
    rejected: list[RejectedRow] = field(default_factory=list)
    rows_read: int = 0
    persons_merged: int = 0
    persons_in_several_files: int = 0
    _person_conflicts: list[MergeConflict] = field(default_factory=list)
    _region_conflicts: list[MergeConflict] = field(default_factory=list)
    _households: Iterator[tuple[_Seen, HouseholdImport]] | None = None

    def households(self) -> Iterator[HouseholdImport]:
        """Each household to import, once; its part's households in input order."""
        assert self._households is not None, "a streamed merge's households are read once"
        pairs, self._households = self._households, None
        for _, household in pairs:
            yield household

    def _finish(self, names: list[str]) -> None:
        order = {name: index for index, name in enumerate(names)}
        self.rejected.sort(key=lambda r: (order[r.file], r.line))
        self.conflicts = self._region_conflicts + self._person_conflicts


def merge(files: Sequence[Path], *, progress: Callable[[int], None] | None = None) -> MergeResult:
    """Read the files in order and merge their rows by NIK; the first file listing a KK gives the household's fields.

    Everything is held in memory: for inputs larger than a few hundred thousand rows use `merge_streamed`.
    """
    streamed = merge_streamed(files, progress=progress)
    households = [household for _, household in sorted(streamed._households, key=lambda pair: pair[0])]
    streamed._households = iter(())
    return MergeResult(
        households=households,
        conflicts=streamed.conflicts,
        rejected=streamed.rejected,
        rows_read=streamed.rows_read,
        persons_merged=streamed.persons_merged,
        persons_in_several_files=streamed.persons_in_several_files,
    )


def merge_streamed(files: Sequence[Path], *, spill_folder: Path | None = None, parts: int = 1,
                   progress: Callable[[int], None] | None = None) -> StreamedMerge:
    """Merge as `merge` does, holding one part of the input in memory at a time (the rest spilled to `spill_folder`).

    The files are read once (with `progress` per row) before this returns; each part is decided as
    `households()` reaches it. A person's rows are decided together in the part of their NIK, and a household
    with its members in the part of its KK.
    """
    paths = [Path(path) for path in files]
    names = [path.name for path in paths]
    if len(set(names)) != len(names):
        raise ValueError(f"files must have distinct names, since reports cite them by name: {names}")
    if parts < 1:
        raise ValueError(f"a merge needs at least one part, not {parts}")
    if parts > 1 and spill_folder is None:
        raise ValueError("a merge in several parts needs a folder to spill them to")
    folder = spill_folder if parts > 1 else None
    result = StreamedMerge()
    by_nik, by_kk = _Parts(parts, folder, "persons"), _Parts(parts, folder, "households")
    try:
        with cycle_collector_paused():
            for file_index, path in enumerate(paths):
                for source in read_rows(path):
                    _sort_row(source, file_index, by_nik, by_kk, result)
                    if progress is not None:
                        progress(1)
            for index in range(parts):
                _decide_persons(by_nik.take(index), by_kk, result)
    except BaseException:
        by_nik.close()
        by_kk.close()
        raise
    by_nik.close()
    result._households = _households(by_kk, result, names)
    if parts == 1:
        # one part is all in memory already: deciding it now gives every count and conflict before the first household
        result._households = iter(list(result._households))
    return result


def _sort_row(source: SourceRow, file_index: int, by_nik: _Parts, by_kk: _Parts, result: StreamedMerge) -> None:
    """Send one row to its person's part, in file order; a row without a NIK is judged alone, here."""
    result.rows_read += 1
    seen = (file_index, source.line)
    nik = source.fields["nik"].strip()
    if has_nik_shape(nik):
        by_nik.add(nik, _PersonRow(seen, nik, (source.file, source.line, source.fields, source.problem)))
        return
    row = check_row(source)
    _list_household(row, seen, by_kk)
    result.rejected.append(RejectedRow(row.file, row.line, row.nik, row.reasons))


def _list_household(row: CheckedRow, seen: _Seen, by_kk: _Parts) -> None:
    """What the row says of its household (KK), for the household's part."""
    if row.has_valid_kk_shape:
        by_kk.add(row.kk_number, _HouseholdRow(seen, row.kk_number, row.file, row.line, row.region_code, row.address,
                                               row.location))


def _decide_persons(rows: list[_PersonRow], by_kk: _Parts, result: StreamedMerge) -> None:
    """Conflicts first, then rejections; each person left joins their household's part as a member."""
    sightings: dict[str, list[_Sighting]] = {}
    first: dict[str, _Seen] = {}
    persons: dict[str, Person] = {}  # the first row's record of each NIK that has one
    for seen, nik, source in rows:
        row = check_row(SourceRow(*source))
        _list_household(row, seen, by_kk)
        sightings.setdefault(nik, []).append(_Sighting(
            row.file, row.line, row.full_name, row.name_key, row.birth_date, row.kk_number, row.programs, row.reasons,
        ))
        first.setdefault(nik, seen)
        if row.person is not None:
            persons.setdefault(nik, row.person)
    for nik, seen in sightings.items():
        found = _person_conflicts(nik, seen)
        if found:
            result._person_conflicts += found
            continue
        result.rejected += [RejectedRow(s.file, s.line, nik, s.reasons) for s in seen if s.reasons]
        valid = [s for s in seen if not s.reasons]
        if not valid:
            continue
        kk_number = seen[0].kk_number
        by_kk.add(kk_number, _Member(first[nik], kk_number, persons[nik], _united_programs(valid),
                                     len({s.file for s in valid}) > 1))


def _households(by_kk: _Parts, result: StreamedMerge, names: list[str]) -> Iterator[tuple[_Seen, HouseholdImport]]:
    """Each part's households with their members, in input order within the part; region conflicts keep none."""
    try:
        for index in range(by_kk.count):
            drafts: dict[str, _HouseholdDraft] = {}
            members: list[_Member] = []
            listings: list[_HouseholdRow] = []
            for record in by_kk.take(index):
                (members if isinstance(record, _Member) else listings).append(record)
            # the persons' parts listed households in their own order: the first listing in the files decides
            for record in sorted(listings, key=lambda listing: listing.seen):
                draft = drafts.get(record.kk_number)
                if draft is None:
                    draft = drafts[record.kk_number] = _HouseholdDraft(record, {})
                draft.regions.setdefault((record.file, record.region_code), record.line)
            households: dict[str, HouseholdImport] = {}
            for kk, draft in drafts.items():
                conflict = _region_conflict(kk, draft)
                if conflict is not None:
                    result._region_conflicts.append(conflict)
                    continue
                households[kk] = HouseholdImport(kk, draft.first.region_code, draft.first.address, draft.first.location)
            for member in sorted(members, key=lambda m: m.seen):
                household = households.get(member.kk_number)
                if household is None:
                    continue
                household.members.append(member.person)
                if member.programs:
                    household.programs[member.person.nik] = member.programs
                result.persons_merged += 1
                result.persons_in_several_files += member.in_several_files
            if index == by_kk.count - 1:
                result._finish(names)
            for kk, household in households.items():
                if household.members:
                    yield drafts[kk].first.seen, household
    finally:
        by_kk.close()


@dataclass(slots=True)
class _HouseholdDraft:
    """A KK as first listed, and each village code any file gave it (first line per file and code)."""

    first: _HouseholdRow
    regions: dict[tuple[str, str], int]


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
