"""Households and a registry log in miniature for the eligibility tests."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

from siks_eligibility.domain.assessment import Assessment, assess
from siks_eligibility.domain.household import HouseholdHistory, HouseholdState
from siks_eligibility.domain.rules import PbiJkRule, PipRule, PkhRule, RuleSet, SembakoRule
from siks_eligibility.domain.welfare import WelfareWeights
from siks_eligibility.policies import shipped_weights
from siks_events.catalog.registry import (
    Assets,
    Education,
    HouseholdRegistered,
    Housing,
    Person,
    Relationship,
    Sex,
)
from siks_events.model import Event

ON = date(2026, 3, 1)
"""The day most tests ask about: "who was eligible on 1 March"."""
MORNING = datetime(2026, 1, 5, 9, tzinfo=UTC)
REGENCY = "3571"
VILLAGE = "3571011001"
OTHER_REGENCY_VILLAGE = "3506012003"

WEIGHTS: WelfareWeights = shipped_weights().versions[0]
RULES = RuleSet({
    rule.program: rule for rule in (
        PkhRule(version="pkh-test", effective_from=date(2025, 1, 1), max_decile=4),
        SembakoRule(version="sembako-test", effective_from=date(2025, 1, 1), max_decile=4),
        PbiJkRule(version="pbi-test", effective_from=date(2025, 1, 1), max_decile=4),
        PipRule(version="pip-test", effective_from=date(2025, 1, 1), max_decile=4),
    )
})

_serials = itertools.count(1)


def years_before(day: date, years: int, days: int = 0) -> date:
    """The day `years` whole years before `day` (29 February falls back to 28), minus `days`."""
    try:
        born = day.replace(year=day.year - years)
    except ValueError:
        born = day.replace(year=day.year - years, day=28)
    return born - timedelta(days=days)


def person(born: date, *, sex: Sex = Sex.MALE, relationship: Relationship = Relationship.CHILD, **data) -> Person:
    """A person with a fresh NIK of the right shape (women's birth day + 40)."""
    day = born.day + (40 if sex is Sex.FEMALE else 0)
    nik = f"357101{day:02d}{born.month:02d}{born.year % 100:02d}{next(_serials) % 10_000 or 1:04d}"
    return Person(nik=nik, full_name="Warga", sex=sex, birth_date=born, relationship=relationship, **data)


def head(age: int = 40, **data) -> Person:
    return person(years_before(ON, age, 100), relationship=Relationship.HEAD, **data)


def registered(household_id: str, *members: Person, wealth: int = 0, region: str = VILLAGE) -> HouseholdRegistered:
    """A household whose welfare score grows by 10 points per unit of `wealth` (one car each)."""
    return HouseholdRegistered(
        household_id=household_id, kk_number="3571010101090001", region_code=region, address="Jl. Mawar 1",
        housing=Housing(roof_material="zinc", floor_material="earth"), assets=Assets(vehicles=("car",) * wealth),
        members=members,
    )


class Log:
    """The registry's log: each event gets the next position and the moment it was recorded."""

    def __init__(self) -> None:
        self.position = 0
        self.histories: dict[str, HouseholdHistory] = {}

    def record(self, *events: Event, at: datetime = MORNING) -> int:
        """Append events recorded at `at`; the position of the last one."""
        for event in events:
            self.position += 1
            history = self.histories.setdefault(event.household_id, HouseholdHistory(event.household_id))
            history.record(event, position=self.position, recorded_at=at)
        return self.position

    def states(self, known_at: datetime | None = None) -> list[HouseholdState]:
        found = (h.as_known_at(known_at) for h in self.histories.values())
        return [s for s in found if s is not None]

    def state(self, household_id: str, known_at: datetime | None = None) -> HouseholdState:
        state = self.histories[household_id].as_known_at(known_at)
        assert state is not None
        return state

    def assess(self, *, on: date = ON, rules: RuleSet = RULES, known_at: datetime | None = None) -> Assessment:
        """Every decision on `on` over the households as known at `known_at` (None: now), at the position then reached."""
        states = self.states(known_at)
        reached = max((s.last_position for s in states), default=0)
        return assess(states, on=on, rules=rules, weights=WEIGHTS, log_position=reached, known_at=known_at)


def schoolchild(age: int, **data) -> Person:
    return person(years_before(ON, age, 10), attending_school=True, education=Education.PRIMARY, **data)


def ranked_at(log: Log, household_id: str, *members: Person, decile: int, region: str = VILLAGE) -> None:
    """Record a household that lands in `decile` of a ten-household regency (nine childless neighbours around it)."""
    for wealth in range(10):
        if wealth == decile - 1:
            log.record(registered(household_id, *members, wealth=wealth, region=region))
        else:
            log.record(registered(f"{household_id}-neighbour-{wealth}", head(), wealth=wealth, region=region))
