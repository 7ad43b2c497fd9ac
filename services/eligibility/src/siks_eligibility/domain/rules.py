"""Programme rules as versioned data (aturan program), each version in force from its effective date.

Ages are completed years on the date asked about, and every limit is inclusive: a child is
"under 6" until the sixth birthday, school age runs from the sixth birthday to the day before the
19th (the 22nd for a child still in school), elderly from the 60th birthday.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from types import MappingProxyType
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field
from siks_events.catalog.registry import Education, Program

from siks_eligibility.domain.policy import in_force

PROGRAMS = (Program.PKH, Program.SEMBAKO, Program.PBI_JK, Program.PIP)
"""The programmes this service decides; their order is the order of decisions and reports."""

HOUSEHOLD_PROGRAMS = frozenset({Program.PKH, Program.SEMBAKO})
"""Programmes whose beneficiary is the household (KPM); the others' beneficiaries are persons."""


class _Rule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str = Field(min_length=1)
    effective_from: date
    max_decile: int = Field(ge=1, le=10)  # households in deciles 1..max_decile of their regency qualify


class PkhRule(_Rule):
    """PKH (Program Keluarga Harapan): a poor household with at least one component member."""

    program: Literal[Program.PKH] = Program.PKH
    child_under: int = Field(default=6, ge=0)
    school_age_from: int = Field(default=6, ge=0)
    school_age_to: int = Field(default=18, ge=0)
    in_school_age_to: int = Field(default=21, ge=0)
    elderly_from: int = Field(default=60, ge=0)
    severe_disabilities: tuple[str, ...] | None = None  # None: the registry records no severity, any disability counts


class SembakoRule(_Rule):
    """Sembako / BPNT food assistance: a household within the decile limit."""

    program: Literal[Program.SEMBAKO] = Program.SEMBAKO


class PbiJkRule(_Rule):
    """PBI JK (state-paid health insurance premiums): every active person of a household within the decile limit."""

    program: Literal[Program.PBI_JK] = Program.PBI_JK


class PipRule(_Rule):
    """PIP (school assistance): an active school-age person attending school, in a household within the decile limit."""

    program: Literal[Program.PIP] = Program.PIP
    age_from: int = Field(default=6, ge=0)
    age_to: int = Field(default=21, ge=0)
    school_levels: tuple[Education, ...] = (Education.PRIMARY, Education.JUNIOR_SECONDARY, Education.SENIOR_SECONDARY)


ProgramRule = Annotated[PkhRule | SembakoRule | PbiJkRule | PipRule, Field(discriminator="program")]


class RuleSet:
    """One rule version per programme: what a decision applies."""

    def __init__(self, rules: Mapping[Program, ProgramRule]) -> None:
        self.rules = MappingProxyType(dict(rules))

    def __getitem__(self, program: Program) -> ProgramRule:
        return self.rules[program]

    def programs(self) -> list[Program]:
        return [p for p in PROGRAMS if p in self.rules]

    def replacing(self, rule: ProgramRule) -> RuleSet:
        """This set with `rule` in place of its programme's rule (a proposed version, for simulation)."""
        return RuleSet({**self.rules, rule.program: rule})


class RuleBook(BaseModel):
    """Every version of every programme's rules; a date picks the versions in force."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rules: tuple[ProgramRule, ...] = Field(min_length=1)

    def in_force(self, program: Program, on: date) -> ProgramRule:
        """The version of `program`'s rules in force on `on`; raises NoVersionInForce."""
        return in_force([r for r in self.rules if r.program is program], on, what=f"the {program.value} rules")

    def rule_set(self, on: date) -> RuleSet:
        """The versions in force on `on` of every programme that has one."""
        programs = {r.program for r in self.rules if r.effective_from <= on}
        return RuleSet({p: self.in_force(p, on) for p in PROGRAMS if p in programs})
