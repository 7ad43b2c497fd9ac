"""Round trips of the integration service's event types through the catalogue."""

from __future__ import annotations

from datetime import date

import pytest
from siks_events import catalog
from siks_events.catalog.integration import DeathReported, DomicileMoved

EXAMPLES = [
    DeathReported(report_id="r-1", nik="3571014506880001", name="Siti Aminah", died_on=date(2026, 3, 1),
                  place_of_death="Kediri", certificate_number="AKT-1", reporting_office="Disdukcapil Kota Kediri"),
    DomicileMoved(move_id="m-1", kk_number="3571010101090001", from_region="3571011001", to_region="3506012003",
                  moved_on=date(2026, 4, 1)),
]


@pytest.mark.parametrize("event", EXAMPLES, ids=lambda e: e.type)
def test_an_event_survives_encoding_and_decoding(event):
    assert catalog.decode(event.type, event.model_dump(mode="json")) == event


def test_the_subject_is_what_the_event_is_about():
    assert EXAMPLES[0].subject() == "3571014506880001"
    assert EXAMPLES[1].subject() == "3571010101090001"


def test_type_strings_carry_their_version_and_are_unique():
    types = catalog.event_types()
    assert all(t.rsplit(".", 1)[-1].startswith("v") for t in types)
    with pytest.raises(ValueError, match="already registered"):

        @catalog.register
        class Impostor(DeathReported):
            pass
