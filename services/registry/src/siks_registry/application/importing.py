"""Bulk load of merged data-island files into the registry, through the same handler as the API."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from siks_events.model import Cause, DomainError, StreamVersionConflict

from siks_registry.application.handlers import handle_register_household
from siks_registry.application.uow import RegistryUnitOfWork
from siks_registry.domain.commands import RegisterHousehold

# Stable ids: importing the same KK twice finds the household already there instead of copying it.
_KK_NAMESPACE = uuid.UUID("0f6b8c1e-6f4a-4d52-9a57-5c4f2e1b7d30")


def household_id_for(kk_number: str) -> str:
    return str(uuid.uuid5(_KK_NAMESPACE, kk_number))


@dataclass
class ImportReport:
    """What a bulk load did: households written, already present, and refused with the reason."""

    imported: int = 0
    already_present: int = 0
    refused: list[dict] = field(default_factory=list)


async def import_households(
    households: Iterable,
    unit_of_work: Callable[[Cause], RegistryUnitOfWork],
    *,
    cause: Cause,
    enrolled_on: date,
    concurrency: int = 8,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Register each merged household; a household that breaks a rule is reported, not guessed at."""
    report = ImportReport()
    queue: asyncio.Queue = asyncio.Queue()
    for item in households:
        queue.put_nowait(item)

    async def worker() -> None:
        while not queue.empty():
            item = queue.get_nowait()
            programs = {nik: [(program, start or enrolled_on) for program, start in memberships]
                        for nik, memberships in item.programs.items()}
            command = RegisterHousehold(
                kk_number=item.kk_number, region_code=item.region_code, address=item.address,
                members=list(item.members), location=item.location, programs=programs,
                household_id=household_id_for(item.kk_number),
            )
            try:
                await handle_register_household(command, unit_of_work(cause))
                report.imported += 1
            except StreamVersionConflict:
                report.already_present += 1
            except DomainError as refused:
                report.refused.append({"kk_number": item.kk_number, "code": refused.code,
                                       "errors": refused.field_errors() or [("", refused.detail)]})
            if progress:
                progress(1)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return report
