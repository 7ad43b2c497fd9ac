"""Which observation of the registry's topic our copy of DTKS has read past."""

from __future__ import annotations

from datetime import UTC, datetime

from siks_integration.adapters.dtks_horizon import RegistryHorizon
from siks_integration.settings import IntakeSettings

T1, T2, T3 = (datetime(2026, 5, 1, 0, 0, s, tzinfo=UTC) for s in (1, 2, 3))


def horizon(*observations) -> RegistryHorizon:
    watcher = RegistryHorizon(None, bootstrap_servers="", topic="siks.registry.events", settings=IntakeSettings())
    watcher.observations.extend(observations)
    return watcher


def test_the_newest_observation_read_past_in_every_partition_is_the_answer():
    watcher = horizon((T1, {0: 5, 1: 3}), (T2, {0: 9, 1: 3}), (T3, {0: 9, 1: 7}))
    assert watcher.caught_up_to({0: 9, 1: 4}) == T2
    assert watcher.caught_up_to({0: 9, 1: 4}) == T2  # still answers when nothing new was read
    assert watcher.caught_up_to({0: 9, 1: 7}) == T3


def test_a_copy_behind_every_observation_has_caught_up_to_nothing():
    assert horizon((T1, {0: 5}), (T2, {0: 6})).caught_up_to({0: 4}) is None
    assert horizon((T1, {0: 5})).caught_up_to({}) is None  # never read a partition that has records
