"""Households: register, change, read back, timeline, as-of."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from fastapi import APIRouter, Query, Request, status
from siks_events.catalog.registry import Person
from siks_events.http import cause_for
from siks_events.permissions import Operation, allowed_to

from siks_registry.adapters.api.deps import HouseholdIdPath, Pool, UnitOfWorkFactory, audited, household_in_scope
from siks_registry.adapters.api.schemas import (
    HeadChange,
    HouseholdCreate,
    HouseholdCreated,
    HouseholdPublic,
    MemberRemoval,
    SocioEconomicData,
    TimelineEntry,
)
from siks_registry.application import handlers, queries
from siks_registry.domain import commands
from siks_registry.domain.household import Household

router = APIRouter(prefix="/v1/households", tags=["households"])

Registrar = allowed_to(Operation.HOUSEHOLD_REGISTER)
Reader = allowed_to(Operation.HOUSEHOLD_READ)
HouseholdReader = household_in_scope(Operation.HOUSEHOLD_READ)
Changer = household_in_scope(Operation.HOUSEHOLD_CHANGE)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=HouseholdCreated)
async def register_household(body: HouseholdCreate, actor: Registrar, uow: UnitOfWorkFactory, request: Request):
    """Register a household (rumah tangga) with its members (ART) and their programmes."""
    programs: dict[str, list] = {}
    for enrolment in body.programs:
        programs.setdefault(enrolment.nik, []).append((enrolment.program, enrolment.start_date))
    command = commands.RegisterHousehold(
        kk_number=body.kk_number, region_code=body.region_code, address=body.address, members=body.members,
        location=body.location, housing=body.housing, assets=body.assets, programs=programs,
    )
    unit = uow(cause_for(request, actor, "RegisterHousehold"))
    household_id = await handlers.handle_register_household(command, unit)
    return HouseholdCreated(household_id=household_id, version=unit.changed[0].version)


@router.get("", response_model=list[HouseholdPublic])
async def households_by_kk(pool: Pool, actor: Reader, request: Request,
                           kk_number: str = Query(pattern=r"^[0-9]{16}$")):
    """Households recorded under a family card (KK) number."""
    found = [await queries.household(pool, row["household_id"]) for row in await queries.households_by_kk(pool, kk_number)]
    shown = [h for h in found if actor.covers(h.region_code)]
    await audited(request, actor, [nik for h in shown for nik in h.members])
    return [HouseholdPublic.of(h) for h in shown]


@router.get("/{household_id}", response_model=HouseholdPublic)
async def get_household(household_id: HouseholdIdPath, pool: Pool, actor: HouseholdReader, request: Request):
    household = await queries.household(pool, household_id)
    await audited(request, actor, household.members)
    return HouseholdPublic.of(household)


@router.get("/{household_id}/timeline", response_model=list[TimelineEntry])
async def timeline(household_id: HouseholdIdPath, pool: Pool, actor: HouseholdReader, request: Request):
    """Every change to the household, oldest first, with who made it and why."""
    events = await queries.history(pool, household_id)
    # the members read are those of the household as the history just read folds (no second read of the stream)
    await audited(request, actor, Household.rehydrate(household_id, (e.event() for e in events)).members)
    return [
        TimelineEntry(version=e.version, type=e.type, recorded_at=e.recorded_at, actor=e.metadata.get("actor", ""),
                      role=e.metadata.get("role", ""), region=e.metadata.get("region", ""),
                      command=e.metadata.get("command"), request_id=e.metadata.get("request_id"), data=e.data)
        for e in events
    ]


@router.get("/{household_id}/as-of", response_model=HouseholdPublic)
async def household_as_of(
    household_id: HouseholdIdPath,
    pool: Pool,
    actor: HouseholdReader,
    request: Request,
    at: datetime | date = Query(description="a date (its end, UTC) or a timestamp"),
    clock: Literal["recorded", "effective"] = Query(
        "recorded", description="recorded: what the registry knew then; effective: what was true then, as known now"),
):
    """The household as it was at a past moment."""
    moment = at if isinstance(at, datetime) else datetime.combine(at + timedelta(days=1), time.min, UTC) - timedelta(
        microseconds=1)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    household = await queries.household_as_of(pool, household_id, at=moment, clock=clock)
    await audited(request, actor, household.members)
    return HouseholdPublic.of(household)


@router.post("/{household_id}/members", status_code=status.HTTP_204_NO_CONTENT)
async def add_member(household_id: HouseholdIdPath, person: Person, actor: Changer, uow: UnitOfWorkFactory, request: Request):
    await handlers.handle_add_member(commands.AddMember(household_id, person),
                                     uow(cause_for(request, actor, "AddMember")))


@router.put("/{household_id}/members", status_code=status.HTTP_204_NO_CONTENT)
async def update_member(household_id: HouseholdIdPath, person: Person, actor: Changer, uow: UnitOfWorkFactory, request: Request):
    """Replace a member's recorded data (the NIK in the body names the member)."""
    await handlers.handle_update_member(commands.UpdateMember(household_id, person),
                                        uow(cause_for(request, actor, "UpdateMember")))


@router.post("/{household_id}/members/removal", status_code=status.HTTP_204_NO_CONTENT)
async def remove_member(household_id: HouseholdIdPath, body: MemberRemoval, actor: Changer, uow: UnitOfWorkFactory,
                        request: Request):
    await handlers.handle_remove_member(commands.RemoveMember(household_id, body.nik, body.reason),
                                        uow(cause_for(request, actor, "RemoveMember")))


@router.put("/{household_id}/head", status_code=status.HTTP_204_NO_CONTENT)
async def change_head(household_id: HouseholdIdPath, body: HeadChange, actor: Changer, uow: UnitOfWorkFactory, request: Request):
    await handlers.handle_change_head(commands.ChangeHead(household_id, body.nik),
                                      uow(cause_for(request, actor, "ChangeHead")))


@router.put("/{household_id}/socio-economic-data", status_code=status.HTTP_204_NO_CONTENT)
async def update_socio_economic_data(household_id: HouseholdIdPath, body: SocioEconomicData, actor: Changer,
                                     uow: UnitOfWorkFactory, request: Request):
    await handlers.handle_update_socio_economic_data(
        commands.UpdateSocioEconomicData(household_id, body.housing, body.assets, body.location, body.welfare_decile),
        uow(cause_for(request, actor, "UpdateSocioEconomicData")))
