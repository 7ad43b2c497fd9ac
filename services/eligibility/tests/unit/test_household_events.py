"""Which consumed events the projection keeps for a household, and at which position."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from siks_eligibility.adapters.projection import NotAHouseholdStream, household_event
from siks_events.envelope import Envelope

from .builders import head, registered

MOMENT = datetime(2026, 1, 5, 9, tzinfo=UTC)


def _envelope(event, **extensions) -> Envelope:
    return Envelope(id="e-1", source="/siks-ng/registry", type=event.type, subject="h-1", time=MOMENT,
                    data=event.model_dump(mode="json"), key=extensions.get("streamid"), extensions=extensions)


def test_a_household_streams_event_is_kept_at_its_stream_version():
    event = registered("h-1", head())
    kept = household_event(event, _envelope(event, streamid="h-1", streamversion="3"))
    assert (kept.household_id, kept.stream_version, kept.type, kept.recorded_at) == ("h-1", 3, event.type, MOMENT)


def test_an_event_recorded_in_another_stream_is_not_a_households_event():
    event = registered("h-1", head())
    assert household_event(event, _envelope(event, streamid="proposal-9", streamversion="1")) is None


def test_a_household_event_without_a_stream_version_is_refused_so_it_is_dead_lettered():
    event = registered("h-1", head())
    with pytest.raises(NotAHouseholdStream):
        household_event(event, _envelope(event, streamid="h-1"))
