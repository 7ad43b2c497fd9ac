"""Household operations: split (pecah KK), merge, transfer of a member, and arrivals after a move."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request, status
from pydantic import BaseModel, ConfigDict, Field
from siks_events.catalog.registry import Relationship
from siks_events.http import cause_for
from siks_events.model import Nik, RegionCode
from siks_events.permissions import Operation, allowed_to, require_access

from siks_registry.adapters.api.deps import HouseholdIdPath, Pool, UnitOfWorkFactory, household_in_scope, require_person
from siks_registry.adapters.api.schemas import HouseholdCreated
from siks_registry.adapters.postgres.arrivals import arrivals
from siks_registry.application import household_operations as ops
from siks_registry.domain import commands

router = APIRouter(tags=["household operations"])

Changer = household_in_scope(Operation.HOUSEHOLD_CHANGE)
Reader = allowed_to(Operation.HOUSEHOLD_READ)
Attacher = allowed_to(Operation.HOUSEHOLD_CHANGE)


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=500)
    effective_date: date | None = Field(None, description="when it takes effect; today when left out")
    household_programs: bool = Field(
        False, description="carry household programmes (PKH, Sembako) too; personal ones (PBI JK, PIP) always go")

    @property
    def on(self) -> date:
        return self.effective_date or date.today()


class Split(_Body):
    niks: list[Nik] = Field(min_length=1, max_length=30)
    head_nik: Nik
    kk_number: str = Field(pattern=r"^[0-9]{16}$")
    address: str = Field(min_length=1, max_length=500)
    region_code: RegionCode | None = Field(None, description="the new household's village; the same one if left out")


class Merge(_Body):
    into_household_id: str = Field(max_length=100, description="the household that continues")


class Transfer(_Body):
    nik: Nik
    to_household_id: str = Field(max_length=100)
    relationship: Relationship


class Attachment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    nik: Nik
    relationship: Relationship = Relationship.HEAD
    household_id: str | None = Field(None, max_length=100, description="an existing household of the village")
    kk_number: str | None = Field(None, pattern=r"^[0-9]{16}$", description="for a new household, with `address`")
    address: str | None = Field(None, min_length=1, max_length=500)
    effective_date: date | None = None
    household_programs: bool = False


class Arrival(BaseModel):
    nik: str
    full_name: str
    sex: str
    birth_date: date
    from_household_id: str
    from_region: str
    moved_on: date | None
    programs: list[dict]


class Attached(BaseModel):
    household_id: str


@router.post("/v1/households/{household_id}/split", status_code=status.HTTP_201_CREATED,
             response_model=HouseholdCreated)
async def split(household_id: HouseholdIdPath, body: Split, actor: Changer, uow: UnitOfWorkFactory, request: Request):
    """Members leave to form a new household with its own KK (pecah KK); the new one links back."""
    unit = uow(cause_for(request, actor, "SplitHousehold"))
    new_id = await ops.handle_split_household(commands.SplitHousehold(
        household_id, list(body.niks), body.head_nik, body.kk_number, body.address, body.reason, body.on,
        region_code=body.region_code, household_programs=body.household_programs), unit)
    return HouseholdCreated(household_id=new_id, version=next(a.version for a in unit.changed if a.id == new_id))


@router.post("/v1/households/{household_id}/merge", status_code=status.HTTP_204_NO_CONTENT)
async def merge(household_id: HouseholdIdPath, body: Merge, actor: Changer, uow: UnitOfWorkFactory, request: Request):
    """This household ends in `into_household_id`, which takes its members (after a marriage, say)."""
    await ops.handle_merge_households(commands.MergeHouseholds(
        household_id, body.into_household_id, body.reason, body.on, body.household_programs),
        uow(cause_for(request, actor, "MergeHouseholds")))


@router.post("/v1/households/{household_id}/transfer", status_code=status.HTTP_204_NO_CONTENT)
async def transfer(household_id: HouseholdIdPath, body: Transfer, actor: Changer, uow: UnitOfWorkFactory,
                   request: Request):
    """One member moves to another existing household."""
    await ops.handle_transfer_member(commands.TransferMember(
        household_id, body.to_household_id, body.nik, body.relationship, body.reason, body.on,
        body.household_programs), uow(cause_for(request, actor, "TransferMember")))


@router.get("/v1/villages/{region_code}/arrivals", response_model=list[Arrival])
async def village_arrivals(region_code: RegionCode, actor: Reader, pool: Pool):
    """People who moved to this village and are in no household yet (in transit), the earliest move first."""
    require_access(actor, "village", region_code, region_code)
    return [Arrival(**dict(row)) for row in await arrivals(pool, region_code)]


@router.post("/v1/arrivals/attachment", response_model=Attached)
async def attach(body: Attachment, actor: Attacher, pool: Pool, uow: UnitOfWorkFactory, request: Request):
    """A person on the village's arrivals list joins a household there, or a new one (KK number and address)."""
    await require_person(actor, pool, body.nik)  # in transit to a village of the actor's, or one 403
    household_id = await ops.handle_attach_arrival(commands.AttachArrival(
        body.nik, body.relationship, body.effective_date or date.today(), household_id=body.household_id,
        kk_number=body.kk_number, address=body.address, household_programs=body.household_programs),
        uow(cause_for(request, actor, "AttachArrival")))
    return Attached(household_id=household_id)
