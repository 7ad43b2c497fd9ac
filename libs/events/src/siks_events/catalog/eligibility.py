"""Events the eligibility service publishes: who is entitled to a programme, and where a freed quota slot went.

Beneficiaries of PKH and Sembako are households (KPM); beneficiaries of PBI JK and PIP are persons, so
`nik` is set for those and empty for household programmes. Every event names the rule and weights
versions it applied and the registry log position it reflects, so its decision can be recomputed.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import Field

from siks_events.catalog import register
from siks_events.catalog.registry import Program
from siks_events.model import Event, Nik

TOPIC = "siks.eligibility.events"

Regency = Annotated[str, Field(pattern=r"^[0-9]{4}$")]
"""A regency or city (kabupaten/kota) code: the first 4 digits of a region code, where quotas are kept."""


class EndReason(StrEnum):
    """Why a beneficiary stopped being eligible."""

    DECEASED = "deceased"  # the person, or the member who made the household eligible, died
    MOVED_OUT = "moved_out"  # the person, or the member who made the household eligible, left the household
    MOVED_AWAY = "moved_away"  # the whole household moved to another regency (its slot stays behind)
    GRADUATED = "graduated"  # the household left DTKS (graduasi)
    NO_LONGER_ENTITLED = "no_longer_entitled"  # the rules or the household's data no longer qualify it


class _EligibilityEvent(Event):
    topic: ClassVar[str] = TOPIC
    subject_field: ClassVar[str | None] = "household_id"

    program: Program
    regency: Regency
    household_id: str
    nik: Nik | None = None
    effective_on: date
    rule_version: str
    weights_version: str
    log_position: int = Field(ge=0)


@register
class EligibilityGranted(_EligibilityEvent):
    """A household (or a person in it) became a beneficiary of a programme in its regency's quota."""

    type: ClassVar[str] = "siks.eligibility.eligibility-granted.v1"

    welfare_rank: int = Field(ge=1)  # 1 = the poorest household of the regency on `effective_on`
    decile: int = Field(ge=1, le=10)


@register
class EligibilityEnded(_EligibilityEvent):
    """A beneficiary no longer meets the programme's rules from `effective_on`; its slot is free."""

    type: ClassVar[str] = "siks.eligibility.eligibility-ended.v1"

    reason: EndReason


@register
class QuotaSlotReallocated(Event):
    """A slot freed in a regency's programme quota went to the next household on the waiting list (daftar tunggu)."""

    type: ClassVar[str] = "siks.eligibility.quota-slot-reallocated.v1"
    topic: ClassVar[str] = TOPIC
    subject_field: ClassVar[str | None] = "to_household_id"

    program: Program
    regency: Regency
    effective_on: date
    from_household_id: str
    from_nik: Nik | None = None
    reason: EndReason
    to_household_id: str
    to_nik: Nik | None = None
    to_welfare_rank: int = Field(ge=1)
    rule_version: str
    weights_version: str
    log_position: int = Field(ge=0)
