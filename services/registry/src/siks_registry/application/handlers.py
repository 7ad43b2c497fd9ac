"""Command and event handlers: load, decide, commit. Operators' commands, approved proposals and
Dukcapil's reports all change households through these.

Each command has a decision (`add_member`) that runs inside an open unit of work, and a handler
(`handle_add_member`) that runs it in a unit of work of its own; an approved proposal runs several
decisions in one unit of work, so it obeys exactly the rules of the API."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from siks_events.catalog.integration import DeathReported, DomicileMoved
from siks_events.identity import kk_problems, nik_problems, village_problems
from siks_events.model import Cause

from siks_registry.application.uow import RegistryUnitOfWork
from siks_registry.domain import commands
from siks_registry.domain.errors import InvalidIdentity, NikAlreadyActive, OutsideRegion, PersonNotFound
from siks_registry.domain.household import Household


def ensure_in_scope(cause: Cause, region_code: str) -> None:
    """An operator changes only data inside their own region ('' is national scope)."""
    if not region_code.startswith(cause.region):
        raise OutsideRegion(f"{cause.actor} works in region {cause.region}, not {region_code}")


def check_identity(cmd: commands.RegisterHousehold) -> None:
    """Every broken NIK, KK and region rule, each with its field."""
    problems = [("kk_number", p.message) for p in kk_problems(cmd.kk_number)]
    problems += [("region_code", p.message) for p in village_problems(cmd.region_code)]
    for index, person in enumerate(cmd.members):
        problems += [(f"members/{index}/nik", p.message)
                     for p in nik_problems(person.nik, birth_date=person.birth_date, sex=person.sex.value)]
    if problems:
        raise InvalidIdentity(problems)


def check_person(person, field: str = "person/nik") -> None:
    problems = [(field, p.message) for p in nik_problems(person.nik, birth_date=person.birth_date, sex=person.sex.value)]
    if problems:
        raise InvalidIdentity(problems)


async def ensure_not_active_elsewhere(uow: RegistryUnitOfWork, nik: str, household_id: str | None, field: str) -> None:
    elsewhere = await uow.active_household_of(nik)
    if elsewhere is not None and elsewhere != household_id:
        raise NikAlreadyActive(field, elsewhere)


async def household_in_scope(uow: RegistryUnitOfWork, household_id: str) -> Household:
    """The household, if it lies inside the actor's region."""
    household = await uow.get_household(household_id)
    ensure_in_scope(uow.cause, household.region_code)
    return household


def new_household(cmd: commands.RegisterHousehold, household_id: str) -> Household:
    """The household the command registers, with its members' programmes; the bulk import decides through it too."""
    household = Household.register(
        household_id, kk_number=cmd.kk_number, region_code=cmd.region_code, address=cmd.address,
        members=cmd.members, location=cmd.location, housing=cmd.housing, assets=cmd.assets,
    )
    for nik, memberships in cmd.programs.items():
        for program, start_date in memberships:
            household.enrol(nik, program, start_date)
    return household


async def register_household(cmd: commands.RegisterHousehold, uow: RegistryUnitOfWork) -> str:
    """Decide, inside an open unit of work, to register a household; returns its id."""
    check_identity(cmd)
    ensure_in_scope(uow.cause, cmd.region_code)
    household_id = cmd.household_id or str(uuid.uuid4())
    for index, person in enumerate(cmd.members):
        await ensure_not_active_elsewhere(uow, person.nik, household_id, f"members/{index}/nik")
    uow.add(new_household(cmd, household_id))
    return household_id


async def add_member(cmd: commands.AddMember, uow: RegistryUnitOfWork) -> None:
    check_person(cmd.person)
    household = await household_in_scope(uow, cmd.household_id)
    await ensure_not_active_elsewhere(uow, cmd.person.nik, household.id, "person/nik")
    household.add_member(cmd.person)


async def update_member(cmd: commands.UpdateMember, uow: RegistryUnitOfWork) -> None:
    check_person(cmd.person)
    household = await household_in_scope(uow, cmd.household_id)
    household.update_member(cmd.person)


async def remove_member(cmd: commands.RemoveMember, uow: RegistryUnitOfWork) -> None:
    household = await household_in_scope(uow, cmd.household_id)
    household.remove_member(cmd.nik, cmd.reason)


async def change_head(cmd: commands.ChangeHead, uow: RegistryUnitOfWork) -> None:
    household = await household_in_scope(uow, cmd.household_id)
    household.change_head(cmd.nik)


async def update_socio_economic_data(cmd: commands.UpdateSocioEconomicData, uow: RegistryUnitOfWork) -> None:
    household = await household_in_scope(uow, cmd.household_id)
    household.update_socio_economic_data(housing=cmd.housing, assets=cmd.assets, location=cmd.location,
                                         welfare_decile=cmd.welfare_decile)


async def graduate_household(cmd: commands.GraduateHousehold, uow: RegistryUnitOfWork) -> None:
    household = await household_in_scope(uow, cmd.household_id)
    household.graduate(cmd.reason, cmd.graduated_on, cmd.proposal_id)


async def _household_of_active(uow: RegistryUnitOfWork, nik: str) -> Household:
    household_id = await uow.active_household_of(nik)
    if household_id is None:
        raise PersonNotFound("no active person with this NIK in DTKS")
    return await household_in_scope(uow, household_id)


async def enrol_in_program(cmd: commands.EnrolInProgram, uow: RegistryUnitOfWork) -> None:
    household = await _household_of_active(uow, cmd.nik)
    household.enrol(cmd.nik, cmd.program, cmd.start_date)


async def end_program(cmd: commands.EndProgram, uow: RegistryUnitOfWork) -> None:
    household = await _household_of_active(uow, cmd.nik)
    household.end_program(cmd.nik, cmd.program, cmd.end_date, cmd.reason)


Decision = Callable[[Any, RegistryUnitOfWork], Awaitable[Any]]


async def run(decision: Decision, cmd: Any, uow: RegistryUnitOfWork) -> Any:
    """One command in a unit of work of its own: decide, then commit; the decision's result."""
    async with uow:
        result = await decision(cmd, uow)
        await uow.commit()
    return result


async def handle_register_household(cmd: commands.RegisterHousehold, uow: RegistryUnitOfWork) -> str:
    """Register a household with its members (and their programmes); returns its id."""
    return await run(register_household, cmd, uow)


async def handle_add_member(cmd: commands.AddMember, uow: RegistryUnitOfWork) -> None:
    await run(add_member, cmd, uow)


async def handle_update_member(cmd: commands.UpdateMember, uow: RegistryUnitOfWork) -> None:
    await run(update_member, cmd, uow)


async def handle_remove_member(cmd: commands.RemoveMember, uow: RegistryUnitOfWork) -> None:
    await run(remove_member, cmd, uow)


async def handle_change_head(cmd: commands.ChangeHead, uow: RegistryUnitOfWork) -> None:
    await run(change_head, cmd, uow)


async def handle_update_socio_economic_data(cmd: commands.UpdateSocioEconomicData, uow: RegistryUnitOfWork) -> None:
    await run(update_socio_economic_data, cmd, uow)


async def handle_enrol_in_program(cmd: commands.EnrolInProgram, uow: RegistryUnitOfWork) -> None:
    """Enrol an active person; an approved proposal decides through `enrol_in_program` too."""
    await run(enrol_in_program, cmd, uow)


async def handle_end_program(cmd: commands.EndProgram, uow: RegistryUnitOfWork) -> None:
    await run(end_program, cmd, uow)


async def handle_death_reported(event: DeathReported, uow: RegistryUnitOfWork) -> None:
    """Deactivate a person Dukcapil reports as deceased, from the date of death."""
    async with uow:
        household = await uow.find_household_of(event.nik)
        if household is not None:  # most deaths reported are of people outside DTKS
            household.record_death(event.nik, died_on=event.died_on, report_id=event.report_id)
        await uow.commit()


async def handle_domicile_moved(event: DomicileMoved, uow: RegistryUnitOfWork) -> None:
    """Move a person, or a whole KK, to the new village Dukcapil reports."""
    async with uow:
        if event.nik:
            household = await uow.find_household_of(event.nik)
            if household is not None:
                household.record_move_out(event.nik, event.to_region, event.moved_on, event.move_id)
        elif event.kk_number:
            for household_id in await uow.households_with_kk(event.kk_number):
                household = await uow.get_household(household_id)
                household.move(event.to_region, event.moved_on, event.move_id)
        await uow.commit()
