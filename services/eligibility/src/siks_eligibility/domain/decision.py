"""One programme's decision about one beneficiary, explaining itself: versions, inputs, conditions, log position.

A decision is eligible when every required condition passed. PKH's component conditions
(pregnant woman, young child, school-age child, elderly, disability) are alternatives: each is
reported, and the required condition is that at least one passed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from types import MappingProxyType

from siks_events.catalog.eligibility import EndReason
from siks_events.catalog.registry import Program

from siks_eligibility.domain.household import HouseholdState, Member, MemberStatus
from siks_eligibility.domain.rules import PipRule, PkhRule, ProgramRule
from siks_eligibility.domain.welfare import WelfareRank

_END_REASON = {
    MemberStatus.DECEASED: EndReason.DECEASED,
    MemberStatus.MOVED_OUT: EndReason.MOVED_OUT,
    MemberStatus.GRADUATED: EndReason.GRADUATED,
}


@dataclass(frozen=True, slots=True, order=True)
class Beneficiary:
    """Who a programme serves: a household (KPM) for PKH and Sembako, a person in it for PBI JK and PIP."""

    household_id: str
    nik: str | None = None


@dataclass(frozen=True, slots=True)
class Basis:
    """What an answer reflects: the day asked about, the knowledge moment (None: now) and the log position reached."""

    on: date
    log_position: int
    known_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Condition:
    """One test of a rule with its outcome; a decision is eligible when every required one passed."""

    name: str
    passed: bool
    detail: str
    required: bool = True


@dataclass(frozen=True, slots=True)
class Decision:
    """Whether a beneficiary qualifies for a programme on a day, and why (the explanation)."""

    program: Program
    beneficiary: Beneficiary
    eligible: bool
    regency: str
    rule_version: str
    weights_version: str
    basis: Basis
    household_position: int  # the last of this household's events the answer folded
    conditions: tuple[Condition, ...]
    inputs: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))
    welfare_rank: int | None = None
    decile: int | None = None
    end_reason: EndReason | None = None  # why it is not eligible, in the terms an ended membership reports
    ended_on: date | None = None  # when that reason took effect: a death's, move's or graduation's date, else `basis.on`
    in_regency_since: date | None = None  # when the household moved to its regency; None: there since registration

    def condition(self, name: str) -> Condition:
        """The condition called `name`; KeyError if the rule has none."""
        for condition in self.conditions:
            if condition.name == name:
                return condition
        raise KeyError(name)


def pkh_components(member: Member, on: date, rule: PkhRule) -> list[str]:
    """The PKH components (komponen) a member fulfils on `on`, whatever their status."""
    age = member.age_on(on)
    found = []
    if member.pregnant:
        found.append("pregnant")
    if age < rule.child_under:
        found.append("young_child")
    if rule.school_age_from <= age and (age <= rule.school_age_to or (member.attending_school and age <= rule.in_school_age_to)):
        found.append("school_age_child")
    if age >= rule.elderly_from:
        found.append("elderly")
    if member.disability and (rule.severe_disabilities is None
                              or member.disability.strip().casefold() in {d.casefold() for d in rule.severe_disabilities}):
        found.append("severe_disability")
    return found


_COMPONENTS = ("pregnant", "young_child", "school_age_child", "elderly", "severe_disability")


def _household_conditions(
    household: HouseholdState, active: list[Member], rank: WelfareRank | None, rule: ProgramRule, on: date
) -> list[Condition]:
    in_dtks = bool(active) and not household.graduated_by(on)
    if household.graduated_by(on):
        detail = f"graduated on {household.graduated_on}"
    else:
        detail = "in DTKS with active members" if in_dtks else "no active member"
    decile = rank.decile if rank else None
    return [
        Condition("in_dtks", in_dtks, detail),
        Condition("decile", decile is not None and decile <= rule.max_decile,
                  f"decile {decile} of the regency, limit {rule.max_decile}" if decile else "not ranked"),
    ]


Ending = tuple[EndReason, date]


def _gone(member: Member, on: date) -> Ending | None:
    change = member.change_on(on)
    return (_END_REASON[change.status], change.since) if change else None


def _household_ending(household: HouseholdState, active: list[Member], on: date) -> Ending:
    """Why a household is out, dated: graduation, its last member leaving, or (rules, data) the day asked about."""
    if household.graduated_by(on):
        return EndReason.GRADUATED, household.graduated_on
    endings = [ending for m in household.members.values() if (ending := _gone(m, on))]
    if not active and endings:
        reason = EndReason.DECEASED if any(r is EndReason.DECEASED for r, _ in endings) else EndReason.MOVED_OUT
        return reason, max(since for _, since in endings)
    return EndReason.NO_LONGER_ENTITLED, on


def _inputs(household: HouseholdState, active: list[Member], rank: WelfareRank | None, on: date) -> dict[str, object]:
    return {
        "region_code": household.region_on(on),
        "active_members": len(active),
        "welfare_score": rank.score.total if rank else None,
        "welfare_points": dict(rank.score.points) if rank else None,
        "welfare_rank": f"{rank.rank} of {rank.of}" if rank else None,
        "decile": rank.decile if rank else None,
    }


def decide_household(
    rule: ProgramRule, household: HouseholdState, rank: WelfareRank | None, *, basis: Basis, weights_version: str
) -> Decision:
    """PKH or Sembako for one household on `basis.on`."""
    on = basis.on
    active_members = household.active_members(on)
    conditions = _household_conditions(household, active_members, rank, rule, on)
    more: dict[str, object] = {}
    component_gone: Ending | None = None
    if isinstance(rule, PkhRule):
        active = {m.nik: pkh_components(m, on, rule) for m in active_members}
        more["components"] = {nik: found for nik, found in active.items() if found}
        for name in _COMPONENTS:
            holders = sorted(nik for nik, found in active.items() if name in found)
            conditions.append(Condition(name, bool(holders), ", ".join(holders) or "none", required=False))
        any_component = any(active.values())
        conditions.append(Condition("has_component", any_component,
                                    "at least one active member is a PKH component" if any_component else "no component"))
        if not any_component:
            # the last component to leave (died, moved out) is why the household lost PKH
            gone = sorted((ending[1], m.nik, ending) for m in household.members.values()
                          if (ending := _gone(m, on)) and pkh_components(m, on, rule))
            component_gone = gone[-1][2] if gone else None
    eligible = all(c.passed for c in conditions if c.required)
    ending = None
    if not eligible:
        ending = _household_ending(household, active_members, on)
        if ending[0] is EndReason.NO_LONGER_ENTITLED and component_gone:
            # the last component's death or departure ends PKH, even where the smaller household also ranks
            # past the decile limit: that move is the same departure's doing
            ending = component_gone
    return Decision(
        program=rule.program, beneficiary=Beneficiary(household.household_id), eligible=eligible,
        regency=household.regency_on(on), rule_version=rule.version, weights_version=weights_version, basis=basis,
        household_position=household.last_position, conditions=tuple(conditions),
        inputs=MappingProxyType({**_inputs(household, active_members, rank, on), **more}),
        welfare_rank=rank.rank if rank else None, decile=rank.decile if rank else None,
        end_reason=ending[0] if ending else None, ended_on=ending[1] if ending else None,
        in_regency_since=household.regency_since(on),
    )


def decide_persons(
    rule: ProgramRule, household: HouseholdState, rank: WelfareRank | None, *, basis: Basis, weights_version: str
) -> list[Decision]:
    """PBI JK or PIP for every member the household has recorded, in NIK order."""
    on = basis.on
    active_members = household.active_members(on)
    household_conditions = _household_conditions(household, active_members, rank, rule, on)
    household_inputs = _inputs(household, active_members, rank, on)
    household_ending: Ending | None = None
    # the same for every member: worked out once per household (a death re-decides a few hundred per batch)
    regency, in_regency_since = household.regency_on(on), household.regency_since(on)
    welfare_rank, decile = (rank.rank, rank.decile) if rank else (None, None)
    decisions = []
    for nik in sorted(household.members):
        member = household.members[nik]
        status, age = member.status_on(on), member.age_on(on)
        conditions = [Condition("active", status is MemberStatus.ACTIVE, status.value), *household_conditions]
        if isinstance(rule, PipRule):
            conditions += [
                Condition("attending_school", member.attending_school, f"attending school: {member.attending_school}"),
                Condition("school_age", rule.age_from <= age <= rule.age_to, f"age {age}, from {rule.age_from} to {rule.age_to}"),
                Condition("school_level", member.education in rule.school_levels, member.education.value),
            ]
        eligible = all(c.passed for c in conditions)
        ending = None
        if not eligible:
            ending = _gone(member, on)
            if ending is None:
                household_ending = household_ending or _household_ending(household, active_members, on)
                ending = household_ending
        decisions.append(Decision(
            program=rule.program, beneficiary=Beneficiary(household.household_id, nik), eligible=eligible,
            regency=regency, rule_version=rule.version, weights_version=weights_version, basis=basis,
            household_position=household.last_position, conditions=tuple(conditions),
            inputs=MappingProxyType({**household_inputs, "age": age, "status": status.value,
                                     "education": member.education.value, "attending_school": member.attending_school}),
            welfare_rank=welfare_rank, decile=decile,
            end_reason=ending[0] if ending else None, ended_on=ending[1] if ending else None,
            in_regency_since=in_regency_since,
        ))
    return decisions
