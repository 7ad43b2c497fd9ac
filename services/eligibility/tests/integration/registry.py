"""A generated registry as the relay publishes it: the unit tests' generated households, in store order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from siks_events.catalog.registry import MemberDeceased
from siks_events.model import Event

from ..unit.test_reference import generate, to_events


@dataclass(frozen=True)
class LoggedRegistryEvent:
    """A registry event with its place in the store (position) and in its household's stream (version)."""

    position: int
    household_id: str
    version: int
    event: Event
    recorded_at: datetime


def registry_log(households: int, seed: int = 16) -> list[LoggedRegistryEvent]:
    """Every generated household's events in the order the store recorded them (its streams' versions from 1)."""
    streams = []
    for household in generate(households, seed):
        for version, (event, at) in enumerate(to_events(household), start=1):
            streams.append((at, household.id, version, event))
    streams.sort(key=lambda s: (s[0], s[1], s[2]))
    return [LoggedRegistryEvent(position, hid, version, event, at)
            for position, (at, hid, version, event) in enumerate(streams, start=1)]


def logged_death(log: Sequence[LoggedRegistryEvent], household_id: str, nik: str, died_on: date) -> LoggedRegistryEvent:
    """A member's death recorded now: the household's next stream version, after everything in `log`."""
    version = max(e.version for e in log if e.household_id == household_id) + 1
    return LoggedRegistryEvent(log[-1].position + 1, household_id, version,
                               MemberDeceased(household_id=household_id, nik=nik, died_on=died_on), datetime.now(UTC))
