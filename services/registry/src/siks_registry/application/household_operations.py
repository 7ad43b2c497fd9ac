"""Families change shape: split (pecah KK), merge, transfer of a member, and movers who arrive in their
new village. Each is one unit of work over every household it touches, so no NIK is ever active twice
and nobody is lost in between: the household people leave is decided first, the one they join after.

Personal memberships (PBI JK, PIP) go with the person without a gap: they end in the old household and
start in the new one on the same day. Household memberships (PKH, Sembako) go only when the command
says so (`household_programs`), and end otherwise; either way the decision is on record.
"""

from __future__ import annotations

import uuid

from siks_events.catalog.registry import JoinReason, Person, Relationship
from siks_events.identity import kk_problems, village_problems

from siks_registry.application.handlers import ensure_in_scope, household_in_scope, run
from siks_registry.application.uow import RegistryUnitOfWork
from siks_registry.domain import commands
from siks_registry.domain.errors import HeadRequired, InvalidIdentity, NotAnArrival, SameHousehold
from siks_registry.domain.household import Household, Member


def _as(member: Member, relationship: Relationship) -> Person:
    return member.person.model_copy(update={"relationship": relationship})


def _kept(member: Member) -> Relationship:
    """A member's relationship in a household they join without becoming its head."""
    relationship = member.person.relationship
    return Relationship.OTHER_FAMILY if relationship is Relationship.HEAD else relationship


def _check_new_household(kk_number: str, region_code: str) -> None:
    problems = [("kk_number", p.message) for p in kk_problems(kk_number)]
    problems += [("region_code", p.message) for p in village_problems(region_code)]
    if problems:
        raise InvalidIdentity(problems)


async def split_household(cmd: commands.SplitHousehold, uow: RegistryUnitOfWork) -> str:
    """Decide a split inside an open unit of work; the new household's id."""
    old = await household_in_scope(uow, cmd.household_id)
    region = cmd.region_code or old.region_code
    _check_new_household(cmd.kk_number, region)
    ensure_in_scope(uow.cause, region)
    if cmd.head_nik not in cmd.niks:
        raise HeadRequired("the new household's head must be one of the members who leave", field="head_nik")
    new_id = cmd.new_household_id or str(uuid.uuid4())
    leaving = old.leave(cmd.niks, new_id, cmd.reason, cmd.on, cmd.household_programs)
    persons = [_as(m, Relationship.HEAD if m.nik == cmd.head_nik else _kept(m)) for m in leaving]
    new = Household.register(new_id, kk_number=cmd.kk_number, region_code=region, address=cmd.address,
                             members=persons, location=None, housing=old.housing, assets=old.assets,
                             formed_from=old.id)
    for member in leaving:
        for program in member.programs_to_carry(cmd.household_programs):
            new.enrol(member.nik, program, cmd.on)
    uow.add(new)
    return new_id


async def merge_households(cmd: commands.MergeHouseholds, uow: RegistryUnitOfWork) -> None:
    absorbed = await household_in_scope(uow, cmd.absorbed_id)
    continuing = await household_in_scope(uow, cmd.continuing_id)
    leaving = absorbed.merge_into(continuing.id, cmd.reason, cmd.on, cmd.household_programs)
    continuing.join([(_as(m, _kept(m)), m.programs_to_carry(cmd.household_programs)) for m in leaving],
                    absorbed.id, JoinReason.MERGE, cmd.on)


async def transfer_member(cmd: commands.TransferMember, uow: RegistryUnitOfWork) -> None:
    origin = await household_in_scope(uow, cmd.from_household_id)
    destination = await household_in_scope(uow, cmd.to_household_id)
    if origin.id == destination.id:
        raise SameHousehold("a member cannot be transferred to the household they are in")
    [member] = origin.leave([cmd.nik], destination.id, cmd.reason, cmd.on, cmd.household_programs)
    destination.join([(_as(member, cmd.relationship), member.programs_to_carry(cmd.household_programs))],
                     origin.id, JoinReason.TRANSFER, cmd.on)


async def attach_arrival(cmd: commands.AttachArrival, uow: RegistryUnitOfWork) -> str:
    """A person in transit to the actor's village joins a household there (a new one without `household_id`)."""
    origin_id = await uow.latest_household_of(cmd.nik)
    origin = await uow.load(Household, origin_id) if origin_id else None
    member = origin.members.get(cmd.nik) if origin else None
    if origin is None or member is None or not member.in_transit:
        raise NotAnArrival("no person with this NIK is in transit after a move")
    village = member.region_code or ""
    ensure_in_scope(uow.cause, village)  # only the destination village's operators (and those above) attach
    if cmd.household_id is None:
        if not cmd.kk_number or not cmd.address:
            raise NotAnArrival("a new household for the arrival needs a KK number and an address", field="kk_number")
        _check_new_household(cmd.kk_number, village)
        destination = Household(str(uuid.uuid4()))
    else:
        destination = await uow.get_household(cmd.household_id)
        if destination.region_code != village:
            raise NotAnArrival(f"the person moved to village {village}, not to the household's village",
                               field="household_id")
    origin.leave([cmd.nik], destination.id, "arrived in the new village after a move", cmd.on, cmd.household_programs)
    programs = member.programs_to_carry(cmd.household_programs)
    if cmd.household_id is None:
        destination = Household.register(destination.id, kk_number=cmd.kk_number, region_code=village,
                                         address=cmd.address, members=[_as(member, Relationship.HEAD)],
                                         formed_from=origin.id)
        for program in programs:
            destination.enrol(cmd.nik, program, cmd.on)
        uow.add(destination)
    else:
        destination.join([(_as(member, cmd.relationship), programs)], origin.id, JoinReason.ARRIVAL, cmd.on)
    return destination.id


async def handle_split_household(cmd: commands.SplitHousehold, uow: RegistryUnitOfWork) -> str:
    return await run(split_household, cmd, uow)


async def handle_merge_households(cmd: commands.MergeHouseholds, uow: RegistryUnitOfWork) -> None:
    await run(merge_households, cmd, uow)


async def handle_transfer_member(cmd: commands.TransferMember, uow: RegistryUnitOfWork) -> None:
    await run(transfer_member, cmd, uow)


async def handle_attach_arrival(cmd: commands.AttachArrival, uow: RegistryUnitOfWork) -> str:
    return await run(attach_arrival, cmd, uow)
