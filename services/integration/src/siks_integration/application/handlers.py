"""Dukcapil's reports in, whichever way they come (HTTP or the inbound topic): one handler each."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from siks_events.catalog.dukcapil import DukcapilDeathRecorded, DukcapilDomicileMoveRecorded
from siks_events.catalog.integration import DeathReported, DomicileMoved
from siks_events.identity import is_known_region, nik_problems
from siks_events.model import RuleViolated, StreamVersionConflict

from siks_integration.application.uow import IntegrationUnitOfWork
from siks_integration.domain.civil_report import CivilReport, death_report_id, move_report_id


class InvalidNik(RuleViolated):
    """The NIK breaks the structure rules (region, birth date, serial)."""

    code = "invalid-nik"
    field = "nik"


@dataclass(frozen=True)
class Receipt:
    """What the sender learns at once: the report's id, its status, and whether it was a repeat."""

    report_id: str
    status: str
    reason: str | None
    duplicate: bool


def _check_nik(nik: str | None) -> None:
    problems = nik_problems(nik) if nik else []
    if problems:
        raise InvalidNik("; ".join(p.message for p in problems))


async def _receive(make_uow: Callable[[], IntegrationUnitOfWork], report_id: str, incoming,
                   decide: Callable[[IntegrationUnitOfWork], Awaitable[CivilReport]]) -> Receipt:
    # Two copies of one report may race; the loser finds the winner's report and answers as a repeat.
    for _ in range(3):
        uow = make_uow()
        try:
            async with uow:
                existing = await uow.load(CivilReport, report_id)
                if existing is not None:
                    existing.ensure_same(incoming)
                    return Receipt(existing.id, existing.status.value, existing.reason, duplicate=True)
                report = await decide(uow)
                uow.add(report)
                await uow.commit()
                return Receipt(report.id, report.status.value, report.reason, duplicate=False)
        except StreamVersionConflict:
            continue
    raise StreamVersionConflict(report_id, 0)


async def handle_death_recorded(cmd: DukcapilDeathRecorded, make_uow: Callable[[], IntegrationUnitOfWork]) -> Receipt:
    """A death Dukcapil recorded becomes deceased-reported, unless DTKS already has the person deceased."""
    _check_nik(cmd.nik)
    death = DeathReported(report_id=death_report_id(cmd.certificate_number), nik=cmd.nik, name=cmd.name,
                          died_on=cmd.died_on, place_of_death=cmd.place_of_death,
                          certificate_number=cmd.certificate_number, reporting_office=cmd.reporting_office)

    async def decide(uow: IntegrationUnitOfWork) -> CivilReport:
        return CivilReport.receive_death(death, await uow.known_person(cmd.nik))

    return await _receive(make_uow, death.report_id, death, decide)


async def handle_move_recorded(
    cmd: DukcapilDomicileMoveRecorded, make_uow: Callable[[], IntegrationUnitOfWork]
) -> Receipt:
    """A move Dukcapil recorded becomes moved-domicile, unless it goes nowhere known or moves the dead."""
    _check_nik(cmd.nik)
    move = DomicileMoved(move_id=move_report_id(cmd.move_id), nik=cmd.nik, kk_number=cmd.kk_number,
                         from_region=cmd.from_region, to_region=cmd.to_region, moved_on=cmd.moved_on)

    async def decide(uow: IntegrationUnitOfWork) -> CivilReport:
        if cmd.nik:
            person = await uow.known_person(cmd.nik)
            people = [person] if person else []
        else:
            people = await uow.people_with_kk(cmd.kk_number or "")
        return CivilReport.receive_move(move, people, region_known=is_known_region(cmd.to_region))

    return await _receive(make_uow, move.move_id, move, decide)
