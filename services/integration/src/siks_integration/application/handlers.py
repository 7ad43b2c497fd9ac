"""Dukcapil's reports in, whichever way they come (HTTP or the inbound topic): one handler each.

A report naming nobody in our copy of DTKS is `pending` at intake: nobody can tell at that moment
that the copy holds everything the registry has published (an observation of the registry's topic
is always a little old, and an import may have published since). `handle_dtks_caught_up` decides
it once the copy has read past what the registry had published after the report arrived.

A handler uses the one unit of work it is given, once. Two copies of one report may race: the
loser's append fails with StreamVersionConflict, and whoever called the handler tries again
(the consumer for its events, `retrying_races` for HTTP), finding the winner's report.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from siks_events.catalog.dukcapil import DukcapilDeathRecorded, DukcapilDomicileMoveRecorded
from siks_events.catalog.integration import DeathReported, DomicileMoved
from siks_events.identity import is_known_region, nik_problems
from siks_events.model import RuleViolated, StreamVersionConflict

from siks_integration.application.uow import IntegrationUnitOfWork
from siks_integration.domain.civil_report import CivilReport, KnownPerson, death_report_id, move_report_id

T = TypeVar("T")


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


async def _people_named(uow: IntegrationUnitOfWork, nik: str | None, kk_number: str | None) -> list[KnownPerson]:
    if nik:
        person = await uow.known_person(nik)
        return [person] if person else []
    return await uow.people_with_kk(kk_number or "")


async def _receive(uow: IntegrationUnitOfWork, report_id: str, incoming, nik: str | None, kk_number: str | None,
                   decide: Callable[[list[KnownPerson]], CivilReport]) -> Receipt:
    async with uow:
        people = await _people_named(uow, nik, kk_number)
        existing = await uow.load(CivilReport, report_id)
        if existing is not None:
            existing.ensure_same(incoming)
            existing.reconsider(people_known=bool(people), dtks_current=False)
            report, duplicate = existing, True
        else:
            report, duplicate = decide(people), False
            uow.add(report)
        await uow.commit()
    return Receipt(report.id, report.status.value, report.reason, duplicate=duplicate)


async def handle_death_recorded(cmd: DukcapilDeathRecorded, uow: IntegrationUnitOfWork) -> Receipt:
    """A death Dukcapil recorded becomes deceased-reported, unless DTKS already has the person deceased."""
    _check_nik(cmd.nik)
    death = DeathReported(report_id=death_report_id(cmd.certificate_number), nik=cmd.nik, name=cmd.name,
                          died_on=cmd.died_on, place_of_death=cmd.place_of_death,
                          certificate_number=cmd.certificate_number, reporting_office=cmd.reporting_office)

    def decide(people: list[KnownPerson]) -> CivilReport:
        return CivilReport.receive_death(death, people[0] if people else None, dtks_current=False)

    return await _receive(uow, death.report_id, death, cmd.nik, None, decide)


async def handle_move_recorded(cmd: DukcapilDomicileMoveRecorded, uow: IntegrationUnitOfWork) -> Receipt:
    """A move Dukcapil recorded becomes moved-domicile, unless it goes nowhere known or moves the dead."""
    _check_nik(cmd.nik)
    move = DomicileMoved(move_id=move_report_id(cmd.move_id), nik=cmd.nik, kk_number=cmd.kk_number,
                         from_region=cmd.from_region, to_region=cmd.to_region, moved_on=cmd.moved_on)

    def decide(people: list[KnownPerson]) -> CivilReport:
        return CivilReport.receive_move(move, people, region_known=is_known_region(cmd.to_region),
                                        dtks_current=False)

    return await _receive(uow, move.move_id, move, cmd.nik, cmd.kk_number, decide)


async def handle_dtks_caught_up(report_id: str, uow: IntegrationUnitOfWork) -> str | None:
    """Our DTKS copy has taken in everything the registry had published when the report came: decide
    whether a pending report names anybody. Returns the report's status, None if there is no report."""
    async with uow:
        report = await uow.load(CivilReport, report_id)
        if report is not None:
            people = await _people_named(uow, report.nik, report.kk_number)
            report.reconsider(people_known=bool(people), dtks_current=True)
        await uow.commit()
    return report.status.value if report is not None else None


async def retrying_races(attempt: Callable[[], Awaitable[T]], tries: int = 3) -> T:
    """Run `attempt` again when it lost a race for a stream: for callers that take a fresh unit of work
    (and connection) per try, such as an HTTP request; consumers retry races themselves."""
    for remaining in range(tries - 1, -1, -1):
        try:
            return await attempt()
        except StreamVersionConflict:
            if not remaining:
                raise
    raise AssertionError("unreachable")
