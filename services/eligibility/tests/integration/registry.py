"""A generated registry as the relay publishes it: the unit tests' generated households, in store order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

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
