"""Eligibility answers: a household or a person with the explanation of every decision, the eligible per programme and
region with their rank, a regency's waiting list, the projection's status, and simulations of decile limits."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from typing import Annotated

from aiokafka.errors import KafkaError
from fastapi import APIRouter, Path, Query
from siks_events.catalog.registry import Program
from siks_events.http import PageNumber, PageSize
from siks_events.model import NotFound
from siks_events.permissions import Operation, allowed_to, named_region, require_access, scoped

from siks_eligibility.adapters.api.deps import Pool, Versions, household_region
from siks_eligibility.adapters.api.schemas import (
    Answer,
    Beneficiary,
    ConditionPublic,
    DecisionPublic,
    PersonLookup,
    ProjectionStatus,
    ShiftPublic,
    SimulationRequest,
    SimulationResult,
    VersionStatus,
    WaitingList,
)
from siks_eligibility.adapters.postgres import versions
from siks_eligibility.application import queries
from siks_eligibility.application.simulation import simulate_decile_limits
from siks_eligibility.domain.decision import Decision

router = APIRouter(prefix="/v1/eligibility", tags=["eligibility"])

HouseholdId = Annotated[str, Path(max_length=100)]
RegionPath = Annotated[str, Path(pattern=r"^[0-9]{2,10}$")]
RegencyPath = Annotated[str, Path(pattern=r"^[0-9]{4}$")]
On = Annotated[date | None, Query(description="the day asked about; default: the day the served version assesses")]
KnownAt = Annotated[datetime | None, Query(description="as the registry knew it at this moment; default: as known now")]


class NothingServed(NotFound):
    """No projection version is served yet, or it does not know the household."""

    code = "not-found"


def _from_domain(decision: Decision) -> DecisionPublic:
    return DecisionPublic(
        program=decision.program, household_id=decision.beneficiary.household_id, nik=decision.beneficiary.nik,
        eligible=decision.eligible, regency=decision.regency, decile=decision.decile, welfare_rank=decision.welfare_rank,
        rule_version=decision.rule_version, weights_version=decision.weights_version, assessed_on=decision.basis.on,
        log_position=decision.household_position,
        conditions=[ConditionPublic(name=c.name, passed=c.passed, detail=c.detail, required=c.required)
                    for c in decision.conditions],
        inputs=dict(decision.inputs), end_reason=decision.end_reason, ended_on=decision.ended_on)


def _from_row(row: dict) -> DecisionPublic:
    return DecisionPublic(**{**row, "nik": row["nik"] or None, "log_position": row["log_position"]})


async def _answer(pool, household_id: str, on: date | None, known_at: datetime | None) -> Answer:
    if on is None and known_at is None:
        served = await queries.household_served(pool, household_id)
        if served is None:
            raise NothingServed("the served projection does not know this household")
        return Answer(projection_version=served.projection_version, positions=served.positions, on=served.on,
                      household_id=household_id, decisions=[_from_row(r) for r in served.rows])
    day = on or await queries.served_day(pool)
    found = await queries.household_as_of(pool, household_id, on=day, known_at=known_at) if day else None
    if found is None:
        raise NothingServed("the registry did not know this household then")
    return Answer(projection_version=found.projection_version, positions=found.positions, on=found.on,
                  known_at=found.known_at, household_id=household_id, decisions=[_from_domain(d) for d in found.decisions])


@router.get("/households/{household_id}", response_model=Answer)
async def household(household_id: HouseholdId, pool: Pool,
                    actor: scoped(Operation.ELIGIBILITY_READ, "household", "household_id", household_region),
                    on: On = None, known_at: KnownAt = None):
    """Every programme's decision about the household and its members, each explaining itself (rule and weights
    versions, inputs, conditions, log position); with `on` or `known_at`, recomputed as of that day and moment."""
    return await _answer(pool, household_id, on, known_at)


@router.post("/person-lookups", response_model=Answer)
async def person(body: PersonLookup, pool: Pool, actor: allowed_to(Operation.ELIGIBILITY_READ)):
    """A person's own decisions (PBI JK, PIP) and their household's (PKH, Sembako), explained."""
    household_id = await queries.household_of(pool, body.nik)
    region = await queries.household_region(pool, household_id) if household_id else None
    require_access(actor, "person", body.nik, region)
    assert household_id is not None
    answer = await _answer(pool, household_id, body.on, body.known_at)
    answer.decisions = [d for d in answer.decisions if d.nik in (None, body.nik)]
    return answer


@router.get("/programs/{program}/regions/{region_code}/beneficiaries", response_model=list[Beneficiary])
async def eligible(program: Program, region_code: RegionPath, pool: Pool,
                   actor: scoped(Operation.ELIGIBILITY_READ, "region", "region_code", named_region),
                   page: PageNumber = 1, size: PageSize = 100):
    """The programme's eligible households (or persons) inside the region, per regency poorest first, with their rank."""
    return [Beneficiary(**row) for row in await queries.beneficiaries(pool, program, region_code, page=page, size=size)]


@router.get("/programs/{program}/regencies/{regency_code}/waiting-list", response_model=WaitingList)
async def waiting(program: Program, regency_code: RegencyPath, pool: Pool,
                  actor: scoped(Operation.ELIGIBILITY_READ, "regency", "regency_code", named_region)):
    """The regency's quota, its slot holders, and who receives the next freed slots, in order."""
    found = await queries.waiting_list(pool, program, regency_code)
    return WaitingList(program=program, regency=regency_code, quota=found.quota, holders=found.holders, waiting=[
        Beneficiary(household_id=d.beneficiary.household_id, nik=d.beneficiary.nik,
                    region_code=str(d.inputs.get("region_code", "")), regency=d.regency, welfare_rank=d.welfare_rank,
                    decile=d.decile, holds_slot=False) for d in found.waiting])


@router.get("/projection", response_model=ProjectionStatus)
async def status(lifecycle: Versions, actor: allowed_to(Operation.ELIGIBILITY_READ)):
    """Every projection version: state, what it assesses, progress of a rebuild, lag and last positions applied."""
    served = await versions.current(lifecycle.pool)
    found = []
    for version in await versions.all_versions(lifecycle.pool):
        if version.state is versions.VersionState.RETIRED:
            continue
        progress = await lifecycle.progress(version.version)
        try:
            lag = sum((await asyncio.wait_for(lifecycle.lag(version.version), 5)).values())
        except (KafkaError, OSError, TimeoutError, LookupError):
            lag = None
        found.append(VersionStatus(
            version=version.version, state=version.state.value, served=version.version == served,
            assessed_on=version.assessed_on, rule_versions=version.rule_versions,
            weights_version=version.weights_version, events_done=progress.done, events_total=progress.total,
            rate=progress.rate, seconds_left=progress.seconds_left, lag=lag,
            positions=await versions.positions(lifecycle.pool, version.version)))
    return ProjectionStatus(served=served, versions=found)


@router.post("/simulations", response_model=SimulationResult)
async def simulation(body: SimulationRequest, pool: Pool, actor: allowed_to(Operation.ELIGIBILITY_SIMULATE)):
    """Households the proposed decile limits would add and drop, per regency (inside the caller's region) and
    programme; the live projection is read, never changed."""
    found = await simulate_decile_limits(pool, body.max_deciles)
    if found is None:
        raise NothingServed("no projection version is served yet")
    return SimulationResult(
        projection_version=found.projection_version, on=found.on,
        rule_versions={p.value: v for p, v in found.current.items()},
        shifts=[ShiftPublic(regency=s.regency, program=s.program, households_gaining=s.households_gaining,
                            households_losing=s.households_losing) for s in found.shifts if actor.covers(s.regency)])
