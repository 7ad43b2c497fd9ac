"""Bulk load of merged data-island households into the registry, a batch at a time.

The domain decides each household exactly as the API's handler does (identity, region, one active person
per NIK, one head, programmes); only the writing is batched: one transaction per batch appends every new
household's events and read-model rows. A batch that collides with a concurrent writer is loaded again
household by household through the handler, which judges each collision as the API would.
"""

from __future__ import annotations

import abc
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import islice

from siks_events.model import Cause, DomainError, StreamVersionConflict

from siks_registry.application.handlers import (
    check_identity,
    ensure_in_scope,
    handle_register_household,
    new_household,
)
from siks_registry.application.uow import RegistryUnitOfWork
from siks_registry.domain.commands import RegisterHousehold
from siks_registry.domain.errors import NikAlreadyActive
from siks_registry.domain.household import Household

# Stable ids: importing the same KK twice finds the household already there instead of copying it.
_KK_NAMESPACE = uuid.UUID("0f6b8c1e-6f4a-4d52-9a57-5c4f2e1b7d30")

BATCH_SIZE = 1000


def household_id_for(kk_number: str) -> str:
    return str(uuid.uuid5(_KK_NAMESPACE, kk_number))


@dataclass
class ImportReport:
    """What a bulk load did: households written, already present, and refused with the reason."""

    imported: int = 0
    already_present: int = 0
    refused: list[dict] = field(default_factory=list)
    batches_split: int = 0  # batches loaded one by one after colliding with a concurrent writer

    def refuse(self, kk_number: str, refused: DomainError) -> None:
        self.refused.append({"kk_number": kk_number, "code": refused.code,
                             "errors": refused.field_errors() or [("", refused.detail)]})


class BatchCollided(Exception):
    """A concurrent writer took one of the batch's streams or NIKs first; nothing of the batch was written."""


class BulkRegistry(abc.ABC):
    """Where a bulk load looks up what is already registered and writes whole batches of new households."""

    @abc.abstractmethod
    async def present(self, household_ids: Sequence[str]) -> set[str]:
        """Those of these households that already have a stream."""

    @abc.abstractmethod
    async def active_holders(self, niks: Sequence[str]) -> dict[str, str]:
        """For each of these NIKs active somewhere, the household holding it."""

    @abc.abstractmethod
    async def append_new(self, households: Sequence[Household], cause: Cause) -> None:
        """Write the new households' events, then their read models, in one transaction; or raise BatchCollided."""

    @abc.abstractmethod
    def unit_of_work(self, cause: Cause) -> RegistryUnitOfWork:
        """A unit of work for registering one household alone (after a collision)."""


@dataclass(frozen=True)
class _Candidate:
    kk_number: str
    command: RegisterHousehold


async def import_households(
    households: Iterable,
    registry: BulkRegistry,
    *,
    cause: Cause,
    enrolled_on: date,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Register each merged household, `batch_size` at a time; a household that breaks a rule is reported, not guessed at."""
    report = ImportReport()
    items = iter(households)  # consumed a batch at a time: only one batch's events are ever in memory
    while batch := list(islice(items, batch_size)):
        candidates = [_Candidate(item.kk_number, _command_for(item, enrolled_on)) for item in batch]
        await _load_batch(candidates, registry, cause, report)
        if progress:
            progress(len(batch))
    return report


def _command_for(item, enrolled_on: date) -> RegisterHousehold:
    """The registration a merged household asks for; a programme without a known start begins on `enrolled_on`."""
    programs = {nik: [(program, start or enrolled_on) for program, start in memberships]
                for nik, memberships in item.programs.items()}
    return RegisterHousehold(
        kk_number=item.kk_number, region_code=item.region_code, address=item.address, members=list(item.members),
        location=item.location, programs=programs, household_id=household_id_for(item.kk_number),
    )


async def _load_batch(candidates: list[_Candidate], registry: BulkRegistry, cause: Cause, report: ImportReport) -> None:
    ids = [c.command.household_id for c in candidates]
    present = await registry.present(ids)
    holders = await registry.active_holders([p.nik for c in candidates for p in c.command.members])
    decided = _BatchDecision(report, holders, present)
    for candidate in candidates:
        decided.judge(candidate, cause)
    try:
        await registry.append_new(decided.new, cause)
    except BatchCollided:
        await _load_one_by_one(candidates, registry, cause, decided.undo())
        return
    report.imported += len(decided.new)


class _BatchDecision:
    """The batch's households judged in order against the registry and against the batch's earlier households."""

    def __init__(self, report: ImportReport, holders: dict[str, str], present: set[str]) -> None:
        self.report, self.holders, self.present = report, holders, present
        self.new: list[Household] = []
        self._refused_before = len(report.refused)
        self._present_before = report.already_present

    def judge(self, candidate: _Candidate, cause: Cause) -> None:
        """Refuse, count as present, or accept the household, in the handler's order of checks."""
        command, household_id = candidate.command, candidate.command.household_id
        try:
            check_identity(command)
            ensure_in_scope(cause, command.region_code)
            for index, person in enumerate(command.members):
                holder = self.holders.get(person.nik)
                if holder is not None and holder != household_id:
                    raise NikAlreadyActive(f"members/{index}/nik", holder)
            household = new_household(command, household_id)
        except DomainError as refused:
            self.report.refuse(candidate.kk_number, refused)
            return
        if household_id in self.present:
            self.report.already_present += 1
            return
        for person in command.members:  # a later household of the batch with one of these NIKs is refused
            self.holders[person.nik] = household_id
        self.new.append(household)

    def undo(self) -> ImportReport:
        """Forget this batch's verdicts: it is judged again household by household."""
        del self.report.refused[self._refused_before:]
        self.report.already_present = self._present_before
        self.report.batches_split += 1
        return self.report


async def _load_one_by_one(candidates: list[_Candidate], registry: BulkRegistry, cause: Cause,
                           report: ImportReport) -> None:
    for candidate in candidates:
        try:
            await handle_register_household(candidate.command, registry.unit_of_work(cause))
            report.imported += 1
        except StreamVersionConflict:
            report.already_present += 1
        except DomainError as refused:
            report.refuse(candidate.kk_number, refused)
