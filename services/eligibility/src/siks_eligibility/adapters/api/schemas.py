"""Response and request models of the eligibility API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, Field
from siks_events.catalog.eligibility import EndReason
from siks_events.catalog.registry import Program
from siks_events.model import Nik


class ConditionPublic(BaseModel):
    name: str
    passed: bool
    detail: str
    required: bool


class DecisionPublic(BaseModel):
    """One programme's decision about a household (PKH, Sembako) or a person in it (PBI JK, PIP), and why."""

    program: Program
    household_id: str
    nik: str | None = None
    eligible: bool
    regency: str
    decile: int | None
    welfare_rank: int | None = Field(None, description="1 = the poorest household of the regency on the day assessed")
    rule_version: str
    weights_version: str
    assessed_on: date
    log_position: int = Field(description="the household's registry stream version the decision folded up to")
    conditions: list[ConditionPublic]
    inputs: dict
    end_reason: EndReason | None = None
    ended_on: date | None = None
    holds_slot: bool | None = Field(None, description="whether it holds one of the regency's programme slots now")


class Answer(BaseModel):
    """Every programme's decisions, with what they reflect: the version served, the day and the knowledge moment."""

    projection_version: int
    positions: dict[int, int] = Field(description="the registry topic's next offset per partition the version applied")
    on: date
    known_at: datetime | None = Field(None, description="as the registry knew it then; null: as it knows it now")
    household_id: str
    decisions: list[DecisionPublic]


class PersonLookup(BaseModel):
    """A person asked about by NIK (in the body, so it stays out of URLs and access logs)."""

    nik: Nik
    on: date | None = Field(None, description="the day asked about; default: the day the served version assesses")
    known_at: datetime | None = Field(None, description="as known at this moment; default: as known now")


class Beneficiary(BaseModel):
    household_id: str
    nik: str | None = None
    region_code: str
    regency: str
    welfare_rank: int
    decile: int
    holds_slot: bool


class WaitingList(BaseModel):
    """A regency's programme: its quota, who holds slots, and who waits, in the order freed slots are given."""

    program: Program
    regency: str
    quota: int | None = Field(description="null: no quota, every eligible one holds a slot")
    holders: int
    waiting: list[Beneficiary] = Field(description="poorest first: welfare rank, ties by household id, then NIK")


class VersionStatus(BaseModel):
    version: int
    state: str
    served: bool
    assessed_on: date
    rule_versions: dict[str, str]
    weights_version: str
    events_done: int
    events_total: int = Field(description="what a rebuild set out to replay")
    rate: float = Field(description="events per second since the version started")
    seconds_left: float | None
    lag: int | None = Field(description="events on the registry topic not applied yet; null if the broker is not reachable")
    positions: dict[int, int]


class ProjectionStatus(BaseModel):
    served: int | None
    versions: list[VersionStatus]


class SimulationRequest(BaseModel):
    max_deciles: dict[Program, Annotated[int, Field(ge=1, le=10)]] = Field(
        min_length=1, description="proposed decile limits per programme, e.g. {\"PKH\": 3}")


class ShiftPublic(BaseModel):
    regency: str
    program: Program
    households_gaining: int
    households_losing: int


class SimulationResult(BaseModel):
    projection_version: int
    on: date
    rule_versions: dict[str, str]
    shifts: list[ShiftPublic]
