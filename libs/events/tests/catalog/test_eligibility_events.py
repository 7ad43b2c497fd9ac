"""Round trips of the eligibility service's event types through the catalogue."""

from __future__ import annotations

from datetime import date

import pytest
from siks_events import catalog
from siks_events.catalog.eligibility import (
    TOPIC,
    EligibilityEnded,
    EligibilityGranted,
    EndReason,
    QuotaSlotReallocated,
)
from siks_events.catalog.registry import Program

COMMON = {"program": Program.PKH, "regency": "3571", "effective_on": date(2026, 3, 1), "rule_version": "pkh-2025.1",
          "weights_version": "pmt-2025.1", "log_position": 42}
EXAMPLES = [
    EligibilityGranted(household_id="h-2", welfare_rank=3, decile=1, **COMMON),
    EligibilityEnded(household_id="h-1", reason=EndReason.DECEASED, **COMMON),
    EligibilityEnded(household_id="h-1", nik="3571014506880001", reason=EndReason.MOVED_OUT,
                     **{**COMMON, "program": Program.PBI_JK}),
    QuotaSlotReallocated(from_household_id="h-1", reason=EndReason.DECEASED, to_household_id="h-2", to_welfare_rank=3,
                         **COMMON),
]


@pytest.mark.parametrize("event", EXAMPLES, ids=lambda e: e.type)
def test_an_event_survives_encoding_and_decoding(event):
    assert catalog.decode(event.type, event.model_dump(mode="json")) == event
    assert event.topic == TOPIC and event.type.startswith("siks.eligibility.") and event.type.endswith(".v1")


def test_the_subject_is_the_household_that_gains_or_loses():
    assert [e.subject() for e in EXAMPLES] == ["h-2", "h-1", "h-1", "h-2"]


@pytest.mark.parametrize("regency", ["357", "35", "3571011001"])
def test_a_regency_is_exactly_a_four_digit_code(regency):
    with pytest.raises(catalog.InvalidEventData):
        catalog.decode(EXAMPLES[0].type, {**EXAMPLES[0].model_dump(mode="json"), "regency": regency})
