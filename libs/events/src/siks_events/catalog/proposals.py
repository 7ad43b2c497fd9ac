"""Events the proposals service publishes: the life of a monthly DTKS update proposal (usulan).

A proposal is one stream (its id is the stream id). Its `change` is the command the registry
is asked to run, as data: the approved event carries it whole, with the field findings merged
in, so the registry needs nothing else to apply it. A regency's monthly period is a stream of
its own (`period-<regency>-<YYYY-MM>`).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from siks_events.catalog import register
from siks_events.catalog.registry import Assets, Housing, Location, Person, Program
from siks_events.model import Event, Nik, RegionCode

TOPIC = "siks.proposals.events"

Period = Annotated[str, Field(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$")]
"""A monthly period of the DTKS update, written YYYY-MM."""


class ProposalKind(StrEnum):
    """What a proposal asks the registry to do."""

    ADD_HOUSEHOLD = "add_household"
    UPDATE_HOUSEHOLD = "update_household"
    REMOVE_HOUSEHOLD = "remove_household"  # graduation: no longer poor (graduasi)
    ENROL = "enrol"
    END_MEMBERSHIP = "end_membership"


VISITED_KINDS = frozenset({ProposalKind.ADD_HOUSEHOLD, ProposalKind.UPDATE_HOUSEHOLD, ProposalKind.REMOVE_HOUSEHOLD})
"""Kinds that need a field visit (verivali) before the office may decide."""


def _kind_required(schema: dict) -> None:
    # `kind` has a default for code that builds a change, but a request must name it: it picks the variant.
    schema["required"] = ["kind", *(name for name in schema.get("required", []) if name != "kind")]


class _Change(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", json_schema_extra=_kind_required)


class AddHousehold(_Change):
    """Register a new household in DTKS with its members."""

    kind: Literal[ProposalKind.ADD_HOUSEHOLD] = ProposalKind.ADD_HOUSEHOLD
    kk_number: str = Field(pattern=r"^[0-9]{16}$")
    address: str = Field(min_length=1, max_length=500)
    members: tuple[Person, ...] = Field(min_length=1, max_length=30)
    location: Location | None = None
    housing: Housing = Housing()
    assets: Assets = Assets()


class RemovedMember(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    nik: Nik
    reason: str = Field(min_length=1, max_length=500)


class UpdateHousehold(_Change):
    """Change a household's members, head or socio-economic data (any subset)."""

    kind: Literal[ProposalKind.UPDATE_HOUSEHOLD] = ProposalKind.UPDATE_HOUSEHOLD
    household_id: str
    members_added: tuple[Person, ...] = ()
    members_updated: tuple[Person, ...] = ()
    members_removed: tuple[RemovedMember, ...] = ()
    new_head_nik: Nik | None = None
    housing: Housing | None = None
    assets: Assets | None = None
    location: Location | None = None


class RemoveHousehold(_Change):
    """Take a household out of DTKS because it is no longer poor (graduation)."""

    kind: Literal[ProposalKind.REMOVE_HOUSEHOLD] = ProposalKind.REMOVE_HOUSEHOLD
    household_id: str
    reason: str = Field(min_length=1, max_length=500)


class Enrol(_Change):
    """Enrol a household member in a programme from `start_date`."""

    kind: Literal[ProposalKind.ENROL] = ProposalKind.ENROL
    household_id: str
    nik: Nik
    program: Program
    start_date: date


class EndMembership(_Change):
    """End a member's programme membership on `end_date`."""

    kind: Literal[ProposalKind.END_MEMBERSHIP] = ProposalKind.END_MEMBERSHIP
    household_id: str
    nik: Nik
    program: Program
    end_date: date
    reason: str = Field(min_length=1, max_length=500)


Change = Annotated[AddHousehold | UpdateHousehold | RemoveHousehold | Enrol | EndMembership,
                   Field(discriminator="kind")]
"""The registry command a proposal asks for, as data."""


class _ProposalEvent(Event):
    topic: ClassVar[str] = TOPIC

    proposal_id: str


@register
class ProposalDrafted(_ProposalEvent):
    """A village operator drafted a proposal for a household of their village."""

    type: ClassVar[str] = "siks.proposals.proposal-drafted.v1"

    region_code: RegionCode
    change: Change


@register
class ProposalCorrected(_ProposalEvent):
    """The village operator changed a draft or a returned proposal (the whole new change)."""

    type: ClassVar[str] = "siks.proposals.proposal-corrected.v1"

    change: Change


@register
class ProposalSubmitted(_ProposalEvent):
    """**proposed**: the village submitted the proposal in `period`; a visit follows if `needs_visit`.

    Carries what the field visit needs to find the household: its village, the KK number,
    the NIKs and names of the people it concerns, and the last known position.
    """

    type: ClassVar[str] = "siks.proposals.proposal-submitted.v1"

    region_code: RegionCode
    period: Period
    change: Change
    needs_visit: bool
    household_id: str | None = None
    kk_number: str | None = None
    address: str | None = None
    niks: tuple[Nik, ...] = ()
    names: tuple[str, ...] = ()
    location: Location | None = None


@register
class ProposalVerificationStarted(_ProposalEvent):
    """The household's prelist entry was assigned to an enumerator (in verification)."""

    type: ClassVar[str] = "siks.proposals.proposal-verification-started.v1"

    entry_id: str
    enumerator: str


@register
class ProposalVerified(_ProposalEvent):
    """A supervisor accepted the visit; `change` now holds the data as found in the field."""

    type: ClassVar[str] = "siks.proposals.proposal-verified.v1"

    visit_id: str
    change: Change


@register
class ProposalVerificationFailed(_ProposalEvent):
    """The accepted visit did not confirm the proposal (household not found at the address)."""

    type: ClassVar[str] = "siks.proposals.proposal-verification-failed.v1"

    visit_id: str
    reason: str


@register
class ProposalApproved(_ProposalEvent):
    """**approved**: the regency/city social office approved; the registry is to run `change`."""

    type: ClassVar[str] = "siks.proposals.proposal-approved.v1"

    region_code: RegionCode
    period: Period
    change: Change


@register
class ProposalRejected(_ProposalEvent):
    """The office rejected the proposal; it is closed."""

    type: ClassVar[str] = "siks.proposals.proposal-rejected.v1"

    reason: str


@register
class ProposalReturned(_ProposalEvent):
    """The office returned the proposal to the village to correct and submit again."""

    type: ClassVar[str] = "siks.proposals.proposal-returned.v1"

    reason: str


@register
class ProposalCancelled(_ProposalEvent):
    """Closed without a decision: the person or household died or moved away while it was open."""

    type: ClassVar[str] = "siks.proposals.proposal-cancelled.v1"

    reason_code: Literal["deceased", "moved", "withdrawn"]
    reason: str


@register
class ProposalClosed(_ProposalEvent):
    """The registry answered the approved proposal: `applied`, or `refused` with its reason."""

    type: ClassVar[str] = "siks.proposals.proposal-closed.v1"

    outcome: Literal["applied", "refused"]
    household_id: str | None = None
    reason_code: str | None = None
    reason: str | None = None


@register
class PeriodClosed(Event):
    """The regency/city office closed a monthly period: later submissions go to the next one."""

    type: ClassVar[str] = "siks.proposals.period-closed.v1"
    topic: ClassVar[str] = TOPIC

    regency_code: RegionCode
    period: Period
    closed_on: date
