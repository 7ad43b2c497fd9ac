"""Round trips of the verification service's event types through the catalogue."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from siks_events import catalog
from siks_events.catalog.registry import Location
from siks_events.catalog.verification import (
    Findings,
    Photo,
    PhotoKind,
    Position,
    PrelistEntryAdded,
    PrelistEntryDropped,
    QualityFlag,
    VisitAccepted,
    VisitAssigned,
    VisitRecorded,
    VisitRejected,
)

FOUND = Findings(household_found=True, nik_entered="3571014506880001", location=Location(lat=-7.81, lon=112.01))
EXAMPLES = [
    PrelistEntryAdded(entry_id="prelist-p-1", proposal_id="p-1", region_code="3571011001", period="2026-11",
                      kk_number="3571010101090001", niks=("3571014506880001",), names=("Siti Aminah",),
                      location=Location(lat=-7.81, lon=112.01)),
    VisitAssigned(entry_id="prelist-p-1", proposal_id="p-1", enumerator="enum-ani", supervisor="spv"),
    PrelistEntryDropped(entry_id="prelist-p-1", proposal_id="p-1", reason="cancelled (deceased)"),
    VisitRecorded(visit_id="visit-1", client_visit_id="c-1", entry_id="prelist-p-1", proposal_id="p-1",
                  enumerator="enum-ani", started_at=datetime(2026, 11, 2, 8, tzinfo=UTC),
                  ended_at=datetime(2026, 11, 2, 8, 40, tzinfo=UTC), duration_seconds=2400,
                  position=Position(lat=-7.81, lon=112.01, accuracy_m=8),
                  photos=(Photo(kind=PhotoKind.ID_CARD, sha256="a" * 64, content_type="image/jpeg", size=1),),
                  findings=FOUND, flags=(QualityFlag.NIK_MISMATCH,)),
    VisitAccepted(visit_id="visit-1", entry_id="prelist-p-1", proposal_id="p-1", region_code="3571011001",
                  supervisor="spv", findings=FOUND),
    VisitRejected(visit_id="visit-1", entry_id="prelist-p-1", proposal_id="p-1", supervisor="spv", reason="blurred"),
]


@pytest.mark.parametrize("event", EXAMPLES, ids=lambda e: e.type)
def test_an_event_survives_encoding_and_decoding(event):
    assert catalog.decode(event.type, event.model_dump(mode="json")) == event


def test_an_entry_added_before_names_and_location_existed_still_decodes():
    old = EXAMPLES[0].model_dump(mode="json")
    del old["names"], old["location"]
    assert catalog.decode(PrelistEntryAdded.type, old).names == ()
